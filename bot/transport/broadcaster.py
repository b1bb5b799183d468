"""Sends announcements to villagers at the configured rate and resumes after a restart.

The manager's progress message and final report are kept in broadcast_progress.py.
Each delivery row is marked right after Telegram accepts the message, so a restart (kill -9
included) resumes with the villagers still pending and nobody gets the announcement twice,
except in the one unavoidable gap described in `Broadcaster._attempt`.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Mapping
from typing import Any

from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import ExtBot

from bot.domain.broadcasts import Broadcast, DeliveryStatus, Outcome, Recipient
from bot.domain.leases import Lease
from bot.transport.background import nap, stop_gracefully
from bot.transport.broadcast_progress import ProgressMessage, Run, start_run
from bot.transport.delivery_log import DeliveryLog
from bot.transport.file_sender import FileSender
from bot.transport.pacer import Pacer
from bot.transport.send_budget import Priority
from bot.transport.telegram_answers import backoff_s, retry_seconds
from bot.views.announcement import announcement_html
from bot.views.texts import pick_locale
from storage import Storage

log = logging.getLogger(__name__)

BROADCASTER_KEY = "broadcaster"
# Pending deliveries read from the database at a time.
BATCH = 200
# Sends in flight: enough to cover this much network latency at the configured rate, but
# few: a kill -9 may resend those whose answer was not yet recorded (and with PTB's HTTPX
# transport, 32 open connections cost ~1.5x the CPU of 8 on every request).
IN_FLIGHT_S = 0.25
MAX_IN_FLIGHT = 8
# Network failures before a villager's delivery counts as failed.
MAX_ATTEMPTS = 5
MAX_BACKOFF_S = 30.0


class Broadcaster:
    """A background task that delivers every broadcast in 'sending' status, oldest first."""

    def __init__(
        self,
        bot: ExtBot[Any],
        store: Storage,
        rate_per_s: float,
        poll_seconds: float = 2.0,
        bot_id: int | None = None,
        fence: Lease | None = None,
        files: FileSender | None = None,
    ) -> None:
        self.bot = bot
        # Announcement photos another bot received are sent through this bot's own copy.
        self.files = files or FileSender(bot, bot_id, store)
        # This process's lease of the bot, when several processes share the database.
        self.fence = fence
        # The broadcasts of this bot's centers alone (None: the default bot's).
        self.bot_id = bot_id
        self.store = store
        self.poll_seconds = poll_seconds
        self.pacer = Pacer(rate_per_s)
        self.outcomes = DeliveryLog(store.broadcasts)
        self.progress = ProgressMessage(bot, store, self.pacer)
        self.rate_limited = 0  # 429s that reached us (after PTB's own retries), for tests
        in_flight = max(2, math.ceil(rate_per_s * IN_FLIGHT_S))
        self._slots = asyncio.Semaphore(min(MAX_IN_FLIGHT, in_flight))
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def start(self) -> None:
        """Start sending in the background (resuming broadcasts a restart interrupted)."""
        self._task = asyncio.create_task(self.run(), name="broadcaster")

    def wake(self) -> None:
        """Look for new broadcasts now instead of at the next poll."""
        self._wake.set()

    async def stop(self) -> None:
        """Stop after the sends in flight are answered and recorded; the rest stays pending."""
        if self._task is None:
            return
        self._stopping = True
        self.pacer.close()
        self._wake.set()
        await stop_gracefully(self._task)

    async def run(self) -> None:
        """Send every broadcast due, then sleep until woken or the next poll."""
        while not self._stopping:
            self._wake.clear()
            try:
                for broadcast in await self.store.broadcasts.sending(self.bot_id):
                    if self._stopping:
                        break
                    await self.send_all(broadcast)
            except Exception:  # keep going after unexpected errors; they are logged
                log.exception("broadcast sweep failed")
            await nap(self._wake, self.poll_seconds)

    async def send_all(self, broadcast: Broadcast) -> None:
        """Deliver to every pending villager, then turn the progress message into the report."""
        run = await start_run(self.store, broadcast)
        await self._dispatch(run)
        if self._stopping:
            return
        tally = await self.store.broadcasts.tally(broadcast.id)
        if tally.pending:  # a delivery broke off (logged): the next sweep tries it again
            return
        # Report first, then done: a crash in between only shows the same report again.
        await self.progress.report(run, tally)
        await self.store.broadcasts.finish(broadcast.id)
        log.info("broadcast %s done: %s", broadcast.id, tally)

    async def _dispatch(self, run: Run) -> None:
        """Start one paced delivery per pending villager; return when all are over."""
        tasks: set[asyncio.Task[None]] = set()
        after: int | None = None
        try:
            while not self._stopping:
                batch = await self.store.broadcasts.pending(
                    run.broadcast.id, after, BATCH, self.fence
                )
                if not batch:
                    break
                for recipient in batch:
                    await self._slots.acquire()
                    if not await self.pacer.wait():
                        self._slots.release()
                        break
                    task = asyncio.create_task(
                        self._deliver(run, recipient),
                        name=f"broadcast-{run.broadcast.id}-to-{recipient.user_id}",
                    )
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
                    after = recipient.user_id
                    await self.progress.show_if_due(run)
        finally:
            # Never leave a send running unrecorded: the next sweep would send it again.
            if tasks:
                await asyncio.wait(set(tasks))

    async def _deliver(self, run: Run, recipient: Recipient) -> None:
        """Send to one villager until it is settled; a stop leaves it pending for next time."""
        try:
            attempts = 0
            while await self.pacer.past_hold():
                if await self._attempt(run, recipient, attempts):
                    return
                attempts += 1
                if not await self.pacer.wait():
                    return
        except Exception:
            log.exception("broadcast %s to %s broke off", run.broadcast.id, recipient.user_id)
        finally:
            self._slots.release()

    async def _attempt(self, run: Run, recipient: Recipient, attempts: int) -> bool:
        """One try; True once the delivery is settled (sent, blocked or failed)."""
        try:
            await self._send(run, recipient)
        except RetryAfter as exc:  # sent nothing: wait as Telegram asks, then the same villager
            self.rate_limited += 1
            self.pacer.hold(retry_seconds(exc))
            return False
        except Forbidden:
            await self._record(run, recipient, DeliveryStatus.BLOCKED)
            return True
        except BadRequest as exc:
            log.warning("broadcast %s refused for %s: %s", run.broadcast.id, recipient.user_id, exc)
            await self._record(run, recipient, DeliveryStatus.FAILED)
            return True
        except TelegramError as exc:  # network trouble: a timeout may hide a delivery, as in
            # the outbox; trying again risks a duplicate, giving up risks a villager missing it
            if attempts + 1 >= MAX_ATTEMPTS:
                log.warning("broadcast %s gave up on %s: %s", run.broadcast.id, recipient, exc)
                await self._record(run, recipient, DeliveryStatus.FAILED)
                return True
            await self.pacer.sleep(backoff_s(attempts, MAX_BACKOFF_S))
            return False
        # Recorded the moment Telegram accepts it. A kill -9 between the answer and this commit
        # (a few milliseconds, for each of the few sends in flight) is the one way a villager
        # gets the announcement twice after a restart: Telegram cannot be asked what went out.
        await self._record(run, recipient, DeliveryStatus.SENT)
        return True

    async def _record(self, run: Run, recipient: Recipient, status: DeliveryStatus) -> None:
        """Commit what became of this villager's delivery (grouped with others due now)."""
        await self.outcomes.record(Outcome(run.broadcast.id, recipient.user_id, status))

    async def _send(self, run: Run, recipient: Recipient) -> None:
        """The announcement in the villager's language (the /mute line and header)."""
        locale = pick_locale(recipient.language, recipient.telegram_language, run.center.language)
        text = announcement_html(locale, run.center.name, run.broadcast.text)
        photo = run.broadcast.photo_file_id
        sent = None
        if photo:
            sent = await self.files.send(
                "photo",
                recipient.user_id,
                photo,
                caption=text,
                parse_mode=ParseMode.HTML,
                rate_limit_args=Priority.BULK,
            )
        if sent is None:  # no photo, or one no bot holds any more: the text goes alone
            await self.bot.send_message(
                recipient.user_id, text, parse_mode=ParseMode.HTML, rate_limit_args=Priority.BULK
            )


def wake_broadcaster(bot_data: Mapping[str, Any]) -> None:
    """Tell the application's broadcaster a broadcast is ready (it also polls)."""
    broadcaster = bot_data.get(BROADCASTER_KEY)
    if isinstance(broadcaster, Broadcaster):
        broadcaster.wake()
