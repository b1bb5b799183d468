"""Sends announcements to villagers at the configured rate, resumes after a restart, reports.

Each delivery row is marked right after Telegram accepts the message, so a restart (kill -9
included) resumes with the villagers still pending and nobody gets the announcement twice,
except in the one unavoidable gap described in `Broadcaster._attempt`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

from bot.domain.broadcasts import Broadcast, DeliveryStatus, Outcome, Recipient, Tally
from bot.domain.entities import Center
from bot.transport.delivery_log import DeliveryLog
from bot.transport.pacer import Pacer
from bot.views.announcement import announcement_html, number
from bot.views.texts import pick_locale, t
from storage import Storage

log = logging.getLogger(__name__)

BROADCASTER_KEY = "broadcaster"
# Pending deliveries read from the database at a time.
BATCH = 200
# The manager's progress message is edited at most this often.
PROGRESS_EVERY_S = 2.0
# Sends in flight: enough to cover this much network latency at the configured rate, but
# few: a kill -9 may resend those whose answer was not yet recorded (and with PTB's HTTPX
# transport, 32 open connections cost ~1.5x the CPU of 8 on every request).
IN_FLIGHT_S = 0.25
MAX_IN_FLIGHT = 8
# Network failures before a villager's delivery counts as failed.
MAX_ATTEMPTS = 5
MAX_BACKOFF_S = 30.0
# How long stopping waits for the sends in flight to be answered and recorded.
STOP_GRACE_S = 15.0


@dataclass
class Run:
    """A broadcast going out, with what its messages need."""

    broadcast: Broadcast
    center: Center
    manager_locale: str
    progress_due: float = 0.0


def retry_seconds(exc: RetryAfter) -> float:
    """Telegram's retry_after in seconds (PTB 22 gives an int, later versions a timedelta)."""
    with warnings.catch_warnings():  # the int form is deprecated; both are read the same
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value: Any = exc.retry_after
    return float(value.total_seconds()) if hasattr(value, "total_seconds") else float(value)


def is_not_modified(exc: BadRequest) -> bool:
    """An edit that changes nothing (PTB capitalizes Telegram's description)."""
    return "message is not modified" in exc.message.lower()


class Broadcaster:
    """A background task that delivers every broadcast in 'sending' status, oldest first."""

    def __init__(
        self, bot: Bot, store: Storage, rate_per_s: float, poll_seconds: float = 2.0
    ) -> None:
        self.bot = bot
        self.store = store
        self.poll_seconds = poll_seconds
        self.pacer = Pacer(rate_per_s)
        self.outcomes = DeliveryLog(store.broadcasts)
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
        try:
            await asyncio.wait_for(asyncio.shield(self._task), timeout=STOP_GRACE_S)
        except TimeoutError:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def run(self) -> None:
        """Send every broadcast due, then sleep until woken or the next poll."""
        while not self._stopping:
            self._wake.clear()
            try:
                for broadcast in await self.store.broadcasts.sending():
                    if self._stopping:
                        break
                    await self.send_all(broadcast)
            except Exception:  # keep going after unexpected errors; they are logged
                log.exception("broadcast sweep failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_seconds)

    async def send_all(self, broadcast: Broadcast) -> None:
        """Deliver to every pending villager, then turn the progress message into the report."""
        run = await self._prepare(broadcast)
        await self._dispatch(run)
        if self._stopping:
            return
        tally = await self.store.broadcasts.tally(broadcast.id)
        if tally.pending:  # a delivery broke off (logged): the next sweep tries it again
            return
        # Report first, then done: a crash in between only shows the same report again.
        await self._report(run, tally)
        await self.store.broadcasts.finish(broadcast.id)
        log.info("broadcast %s done: %s", broadcast.id, tally)

    async def _prepare(self, broadcast: Broadcast) -> Run:
        """Load the center and the manager's language."""
        center = await self.store.centers.get(broadcast.center_id)
        manager = await self.store.users.get(broadcast.manager_id)
        locale = pick_locale(
            manager.language if manager else None,
            manager.telegram_language if manager else None,
            center.language,
        )
        loop = asyncio.get_running_loop()
        return Run(broadcast, center, locale, loop.time() + PROGRESS_EVERY_S)

    async def _dispatch(self, run: Run) -> None:
        """Start one paced delivery per pending villager; return when all are over."""
        tasks: set[asyncio.Task[None]] = set()
        after: int | None = None
        try:
            while not self._stopping:
                batch = await self.store.broadcasts.pending(run.broadcast.id, after, BATCH)
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
                    await self._progress_if_due(run)
        finally:
            # Never leave a send running unrecorded: the next sweep would send it again.
            if tasks:
                await asyncio.wait(set(tasks))

    async def _deliver(self, run: Run, recipient: Recipient) -> None:
        """Send to one villager until it is settled; a stop leaves it pending for next time."""
        try:
            attempts = 0
            while not await self._attempt(run, recipient, attempts):
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
            await self.pacer.sleep(min(MAX_BACKOFF_S, 2.0**attempts))
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
        if photo:
            await self.bot.send_photo(
                recipient.user_id, photo, caption=text, parse_mode=ParseMode.HTML
            )
        else:
            await self.bot.send_message(recipient.user_id, text, parse_mode=ParseMode.HTML)

    async def _progress_if_due(self, run: Run) -> None:
        """Show "done / total" to the manager, at most every PROGRESS_EVERY_S seconds."""
        loop = asyncio.get_running_loop()
        if loop.time() < run.progress_due:
            return
        run.progress_due = loop.time() + PROGRESS_EVERY_S
        tally = await self.store.broadcasts.tally(run.broadcast.id)
        locale = run.manager_locale
        text = t(
            locale,
            "broadcast.progress",
            done=number(tally.settled, locale),
            total=number(tally.total, locale),
        )
        await self._edit_progress(run, text)

    async def _report(self, run: Run, tally: Tally) -> None:
        """Edit the progress message into the final figures (a new message if it is gone)."""
        locale = run.manager_locale
        text = t(
            locale,
            "broadcast.report",
            sent=number(tally.sent, locale),
            blocked=number(tally.blocked, locale),
            failed=number(tally.failed, locale),
        )
        if await self._edit_progress(run, text):
            return
        with contextlib.suppress(TelegramError):  # e.g. the manager blocked the bot
            if await self.pacer.wait():
                await self.bot.send_message(
                    run.broadcast.manager_id, text, parse_mode=ParseMode.HTML
                )

    async def _edit_progress(self, run: Run, text: str) -> bool:
        """Edit the manager's progress message in a slot of its own; False if it cannot be."""
        chat_id, message_id = run.broadcast.progress_chat_id, run.broadcast.progress_message_id
        if chat_id is None or message_id is None:
            return False
        while await self.pacer.wait():
            try:
                await self.bot.edit_message_text(
                    text, chat_id=chat_id, message_id=message_id, parse_mode=ParseMode.HTML
                )
            except RetryAfter as exc:
                self.pacer.hold(retry_seconds(exc))
                continue
            except BadRequest as exc:
                if is_not_modified(exc):
                    return True
                log.info("progress of broadcast %s not editable: %s", run.broadcast.id, exc)
                return False
            except TelegramError as exc:
                log.info("progress of broadcast %s not shown: %s", run.broadcast.id, exc)
                return False
            return True
        return False


def wake_broadcaster(bot_data: Mapping[str, Any]) -> None:
    """Tell the application's broadcaster a broadcast is ready (it also polls)."""
    broadcaster = bot_data.get(BROADCASTER_KEY)
    if isinstance(broadcaster, Broadcaster):
        broadcaster.wake()
