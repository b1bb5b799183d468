"""Delivers outbox rows: retries network errors and 429s, records chats that blocked the bot."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy.exc import DBAPIError
from telegram import Bot, InlineKeyboardMarkup, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError, TimedOut

from bot.domain.entities import OutboxRow
from bot.transport.pacer import DEFAULT_CHAT_RATE, ChatPace
from bot.transport.shown_cards import ShownCards
from storage import Storage
from storage.errors import is_database_busy
from storage.outbox import FAILED, is_uncertain

log = logging.getLogger(__name__)

# Backoff for network errors: 1, 2, 4, ... seconds, capped.
MAX_BACKOFF_S = 300.0
# A message Telegram keeps refusing for non-permanent reasons is dropped after this many tries.
MAX_ATTEMPTS = 50
# How long stopping waits for the message in flight (PTB's own request timeouts are shorter).
STOP_GRACE_S = 15.0
# Due messages read in one sweep (each chat's oldest pending one at most).
DUE_BATCH = 100
# How soon to look again at a card edit held back while a press redraws the same card.
REDRAW_WAIT_S = 0.05
# Waits between tries to record what Telegram answered while the database is busy, capped.
RECORD_RETRY_S = 0.1
MAX_RECORD_RETRY_S = 2.0


class RetriesGivenUpAreWarnings(logging.Filter):
    """PTB's rate limiter logs a traceback when it stops retrying a 429; the caller handles it.

    The outbox and the broadcaster wait as Telegram asked and try again, and a handler's
    error reaches on_error; so a long flood stretch is a warning, not an error.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Downgrade the limiter's "maximum of retries" record to a one-line warning."""
        if record.levelno >= logging.ERROR and record.msg.startswith("Rate limit hit after"):
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.exc_info, record.exc_text = None, None
        return True


def calm_rate_limiter_log() -> None:
    """Install RetriesGivenUpAreWarnings on PTB's rate limiter logger (once)."""
    limiter_log = logging.getLogger("telegram.ext.AIORateLimiter")
    if not any(isinstance(f, RetriesGivenUpAreWarnings) for f in limiter_log.filters):
        limiter_log.addFilter(RetriesGivenUpAreWarnings())


def _backoff(attempts: int) -> float:
    return float(min(MAX_BACKOFF_S, 2.0**attempts))


class OutboxSender:
    """A background task that drains the outbox in order, one chat's messages in sequence.

    Each chat gets at most `chat_rate_per_s` messages a second (Telegram's per-chat limit):
    a manager with a burst of new cards receives them at that pace, without 429s, while
    other chats' messages go out in between.
    """

    def __init__(
        self,
        bot: Bot,
        store: Storage,
        poll_seconds: float = 2.0,
        chat_rate_per_s: float = DEFAULT_CHAT_RATE,
        shown_cards: ShownCards | None = None,
    ) -> None:
        self.bot = bot
        self.store = store
        self.poll_seconds = poll_seconds
        self.pace = ChatPace(chat_rate_per_s)
        self.shown_cards = shown_cards or ShownCards()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._next_free_s: float | None = None  # when a paced chat may get its next message

    def start(self) -> None:
        """Start draining in the background."""
        self._task = asyncio.create_task(self.run(), name="outbox-sender")

    async def stop(self) -> None:
        """Stop after the message in flight; undelivered rows wait for the next start.

        Cancelling mid-send could lose the record of a message Telegram already took, and
        send it twice after a restart; so the sender is asked to stop, and only cancelled
        if the message in flight hangs past the grace period.
        """
        if self._task is None:
            return
        self._stopping = True
        self.store.db.outbox_ready.set()
        try:
            await asyncio.wait_for(asyncio.shield(self._task), timeout=STOP_GRACE_S)
        except TimeoutError:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def run(self) -> None:
        """Drain, then sleep until woken by a commit or the next retry falls due."""
        ready = self.store.db.outbox_ready
        while not self._stopping:
            ready.clear()
            try:
                await self.drain()
            except Exception as exc:  # keep delivering after unexpected errors; they are logged
                if is_database_busy(exc):
                    log.warning("outbox sweep put off, database busy: %s", exc)
                else:
                    log.exception("outbox sweep failed")
            nap = self.poll_seconds
            if self._next_free_s is not None:
                nap = min(nap, self._next_free_s)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(ready.wait(), timeout=nap)

    async def drain(self) -> int:
        """Send every due message once, each chat at its pace; returns how many were delivered."""
        delivered = 0
        held: set[int] = set()  # chats with a message still waiting: keep their order
        waiting: set[int] = set()  # chats with more to send once their pace allows
        redraws = False  # a card edit waits for a press redrawing the same card
        due = await self.store.outbox.due(DUE_BATCH)
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
            elif await self.deliver(row):
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

    async def deliver(self, row: OutboxRow) -> bool:
        """Try one message; True if it is settled (sent or given up), False to retry later."""
        card_message_id = row.extra.get("card_message_id")
        if card_message_id and self.shown_cards.already_shows(
            row.chat_id, card_message_id, row.text, row.reply_markup
        ):  # the manager's press already redrew the card to exactly this
            await self.store.outbox.mark_sent(row, int(card_message_id))
            return True
        if card_message_id:  # a press on the card meanwhile need not redraw it to the same
            self.shown_cards.note(row.chat_id, card_message_id, row.text, row.reply_markup)
        try:
            row = await self.store.outbox.begin_send(row)
        except Exception:  # not sent after all (database busy): the next sweep must edit
            if card_message_id:
                self.shown_cards.forget(row.chat_id, card_message_id, row.text, row.reply_markup)
            raise
        if is_uncertain(row):
            log.warning("outbox message %s may arrive twice: %s", row.id, row.last_error)
        try:
            message_id = await self._paced_send(row)
        except RetryAfter as exc:
            self.pace.hold(row.chat_id, _seconds(exc.retry_after))
            await self._record(
                self.store.outbox.retry_later, row, _seconds(exc.retry_after), str(exc)
            )
            return False
        except Forbidden as exc:
            await self._record(self.store.outbox.record_blocked, row, str(exc))
            return True
        except BadRequest as exc:
            return await self._refused(row, exc)
        except TimedOut as exc:  # Telegram may have taken it: the next try may show it twice
            await self._record(self._retry_uncertain, row, str(exc))
            return False
        except TelegramError as exc:  # NetworkError (a 5xx answer, no connection), or unforeseen
            await self._record(self._retry_or_fail, row, str(exc))
            return False
        await self._record(self.store.outbox.mark_sent, row, message_id)
        return True

    async def _record(self, write: Callable[..., Awaitable[None]], *args: object) -> None:
        """Store what Telegram answered, waiting out a busy database.

        Forgetting a delivery would send it again, so the answer is kept until it is written.
        """
        pause = RECORD_RETRY_S
        while True:
            try:
                await write(*args)
                return
            except DBAPIError as exc:
                log.warning("outbox: database busy, recording again in %.1fs: %s", pause, exc.orig)
                await asyncio.sleep(pause)
                pause = min(MAX_RECORD_RETRY_S, pause * 2)

    async def _retry_uncertain(self, row: OutboxRow, error: str) -> None:
        await self.store.outbox.retry_later(row, _backoff(row.attempts), error, uncertain=True)

    async def _retry_or_fail(self, row: OutboxRow, error: str) -> None:
        if row.attempts + 1 >= MAX_ATTEMPTS:
            await self.store.outbox.give_up(row, FAILED, error)
        else:
            await self.store.outbox.retry_later(row, _backoff(row.attempts), error)

    async def _refused(self, row: OutboxRow, exc: BadRequest) -> bool:
        """Telegram refused the content: log it; a card edit with nothing new counts as sent."""
        # PTB capitalizes Telegram's descriptions ("Message is not modified: ..."): compare lower.
        if "message is not modified" in exc.message.lower():
            await self._record(self.store.outbox.mark_sent, row, None)
            return True
        log.error("outbox message %s refused: %s", row.id, exc.message)
        await self._record(self.store.outbox.give_up, row, FAILED, exc.message)
        return True

    async def _paced_send(self, row: OutboxRow) -> int | None:
        """Send, then space the chat's next message from the moment Telegram answered."""
        try:
            return await self._send(row)
        finally:
            self.pace.sent(row.chat_id)

    async def _send(self, row: OutboxRow) -> int | None:
        """Send the message, or edit the card it replaces; returns the new message id."""
        markup = (
            InlineKeyboardMarkup.de_json(dict(row.reply_markup), self.bot)
            if row.reply_markup
            else None
        )
        if row.media_kind is not None:
            return await self._send_media(row, markup)
        card_message_id = row.extra.get("card_message_id")
        if card_message_id:
            try:
                await self.bot.edit_message_text(
                    row.text,
                    chat_id=row.chat_id,
                    message_id=card_message_id,
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup,
                )
                return int(card_message_id)
            except TelegramError as exc:
                if "message is not modified" in exc.message.lower():
                    raise
                # The card does not show this after all: a later try (or a press) draws it.
                self.shown_cards.forget(row.chat_id, card_message_id, row.text, row.reply_markup)
                if not isinstance(exc, BadRequest):
                    raise
                # Deleted, too old or not editable: the manager gets a fresh card instead.
                log.info("card %s in chat %s not editable: %s", card_message_id, row.chat_id, exc)
        sent: Message = await self.bot.send_message(
            row.chat_id, row.text, parse_mode=ParseMode.HTML, reply_markup=markup
        )
        return sent.message_id

    async def _send_media(self, row: OutboxRow, markup: InlineKeyboardMarkup | None) -> int:
        """Send a photo or voice message by its file id, with the row's text as its caption."""
        caption = row.text or None
        if row.file_id is None:
            raise BadRequest(f"no file id for a {row.media_kind} message")
        if row.media_kind == "photo":
            sent = await self.bot.send_photo(
                row.chat_id, row.file_id, caption, parse_mode=ParseMode.HTML, reply_markup=markup
            )
        elif row.media_kind == "voice":
            sent = await self.bot.send_voice(
                row.chat_id,
                row.file_id,
                caption=caption,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
            )
        else:
            raise BadRequest(f"unknown media kind {row.media_kind!r}")
        return sent.message_id


def _seconds(retry_after: object) -> float:
    """PTB gives retry_after as int seconds or a timedelta."""
    total = getattr(retry_after, "total_seconds", None)
    return float(total()) if callable(total) else float(retry_after)  # type: ignore[arg-type]
