"""Drains the outbox: each sweep sends every chat's next due message, each chat at its pace.

What one message's delivery and Telegram's answer do to its row is in outbox_delivery.py.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram.ext import ExtBot

from bot.domain.entities import OutboxRow
from bot.domain.leases import Lease
from bot.transport.background import nap, stop_gracefully
from bot.transport.file_sender import FileSender
from bot.transport.outbox_delivery import OutboxDelivery
from bot.transport.pacer import DEFAULT_CHAT_RATE, ChatPace
from bot.transport.shown_cards import ShownCards
from storage import Storage
from storage.errors import is_database_busy

log = logging.getLogger(__name__)

# Due messages read in one sweep (each chat's oldest pending one at most).
DUE_BATCH = 100
# How soon to look again at a card edit held back while a press redraws the same card.
REDRAW_WAIT_S = 0.05


class OutboxSender:
    """A background task that drains the outbox in order, one chat's messages in sequence.

    Each chat gets at most `chat_rate_per_s` messages a second (Telegram's per-chat limit):
    a manager with a burst of new cards receives them at that pace, without 429s, while
    other chats' messages go out in between. It sends the rows of its bot alone (`bot_id`,
    None: the default bot); each bot of the deployment has its own sender.
    """

    def __init__(
        self,
        bot: ExtBot[Any],
        store: Storage,
        poll_seconds: float = 2.0,
        chat_rate_per_s: float = DEFAULT_CHAT_RATE,
        shown_cards: ShownCards | None = None,
        bot_id: int | None = None,
        fence: Lease | None = None,
        files: FileSender | None = None,
    ) -> None:
        self.store = store
        self.bot_id = bot_id
        # Its own wake-up, so senders of other bots clearing theirs never hide a commit; set
        # by this process's commits and by notices of its bot's messages from other processes.
        self._ready = store.outbox.listen(bot_id)
        self.poll_seconds = poll_seconds
        self.pace = ChatPace(chat_rate_per_s)
        self.shown_cards = shown_cards or ShownCards()
        # `fence`: this process's lease of the bot, when several processes share the database.
        files = files or FileSender(bot, bot_id, store)
        self.delivery = OutboxDelivery(bot, store, self.pace, self.shown_cards, files, fence)
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._next_free_s: float | None = None  # when a paced chat may get its next message

    def start(self) -> None:
        """Start draining in the background."""
        self._task = asyncio.create_task(self.run(), name="outbox-sender")

    async def stop(self) -> None:
        """Stop after the message in flight; undelivered rows wait for the next start."""
        if self._task is None:
            return
        self._stopping = True
        self._ready.set()
        await stop_gracefully(self._task)
        self.store.outbox.forget(self._ready)

    async def run(self) -> None:
        """Drain, then sleep until woken by a commit or the next retry falls due."""
        ready = self._ready
        while not self._stopping:
            ready.clear()
            try:
                await self.drain()
            except Exception as exc:  # keep delivering after unexpected errors; they are logged
                if is_database_busy(exc):
                    log.warning("outbox sweep put off, database busy: %s", exc)
                else:
                    log.exception("outbox sweep failed")
            seconds = self.poll_seconds
            if self._next_free_s is not None:
                seconds = min(seconds, self._next_free_s)
            await nap(ready, seconds)

    async def drain(self) -> int:
        """Send every due message once, each chat at its pace; returns how many were delivered."""
        delivered = 0
        held: set[int] = set()  # chats with a message still waiting: keep their order
        waiting: set[int] = set()  # chats with more to send once their pace allows
        redraws = False  # a card edit waits for a press redrawing the same card
        due = await self.store.outbox.due(DUE_BATCH, self.bot_id)
        for row in due:
            if self._stopping:
                break
            if row.chat_id in held:
                continue
            if row.followed:
                waiting.add(row.chat_id)
            if row.superseded:  # a newer edit of this card follows: it alone is sent
                await self.store.outbox.mark_sent(row, None)
            elif self.pace.wait_s(row.chat_id) > 0:  # a message a moment ago: a later sweep
                held.add(row.chat_id)
            elif self._press_redrawing(row):  # its outcome decides whether this edit is needed
                held.add(row.chat_id)
                redraws = True
            elif await self.delivery.deliver(row):
                delivered += 1
            else:
                held.add(row.chat_id)
        # A chat's next message shows in a sweep once the one before it is settled and its
        # pace allows: sweep again by then, so a burst to one chat goes at its pace, not one
        # message a poll. A full batch may have left others behind: sweep again at once.
        # Chats with nothing more waiting need no sweep; a new message's commit wakes it.
        again = [self.pace.wait_s(chat) for chat in waiting | held]
        if len(due) >= DUE_BATCH:
            again.append(0.0)
        if redraws:
            again.append(REDRAW_WAIT_S)
        self._next_free_s = min(again, default=None)
        return delivered

    def _press_redrawing(self, row: OutboxRow) -> bool:
        """Whether the row edits a card that a manager's press is redrawing right now."""
        card_message_id = row.extra.get("card_message_id")
        if not card_message_id:
            return False
        return self.shown_cards.is_redrawing(row.chat_id, int(card_message_id))
