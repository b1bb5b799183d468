"""Webhook mode's way from the inbox to the handlers: the bot's holder feeds it what arrived.

Any process may receive a post for a bot; the update is in the inbox once it is answered. The
holder's feed reads the bot's unhandled updates whenever it is woken: by its own server, or on
PostgreSQL by the notice another process's server sent with the commit (storage/notices.py);
and every FEED_POLL_S besides, a safety net for notices missed while the listening connection
was down. Each update goes to the Application's update queue once (the gate remembers what it
fed), and the inbox claim keeps its handling to one even across a takeover.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from telegram import Bot

from bot.transport.inbox_gate import InboxGate

log = logging.getLogger(__name__)

# Seconds between looks at the inbox besides the wake-ups (PostgreSQL): notices wake the feed
# at once, so this only bounds the wait for an update whose notice was missed.
FEED_POLL_S = 5.0
# SQLite is one process, whose own server wakes the feed: a rare look is only a safety net.
LONE_FEED_POLL_S = 30.0


class InboxFeed:
    """One bot's feed from its inbox to its Application's update queue."""

    def __init__(
        self, gate: InboxGate, bot: Bot, queue: asyncio.Queue[object], poll_s: float = FEED_POLL_S
    ) -> None:
        self.gate = gate
        self.bot = bot
        self.queue = queue
        self.poll_s = poll_s
        # Set by this process's server (`wake`) and by notices of the bot's updates.
        self._woken = gate.inbox.listen(gate.bot_id)
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Begin feeding."""
        self._task = asyncio.create_task(self._run(), name=f"inbox feed {self.gate.bot_id}")

    def wake(self) -> None:
        """An update was stored here: look now rather than at the next poll."""
        self._woken.set()

    async def stop(self) -> None:
        """Stop feeding; what is stored and not fed waits for the next holder's replay."""
        self.gate.inbox.forget(self._woken)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        """Feed what arrived, each time woken or every poll_s."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._woken.wait(), self.poll_s)
            self._woken.clear()
            try:
                for update in await self.gate.arrived(self.bot):
                    await self.queue.put(update)
            except Exception as exc:  # the database away: the next look tries again
                log.warning("could not read the inbox of bot %s: %s", self.gate.bot_id, exc)
