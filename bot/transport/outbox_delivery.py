"""One outbox row to Telegram, and what Telegram's answer makes of the row.

Sent: marked sent. A 429: held back as long as asked. Blocked (403): recorded. Refused
content: given up, except a card edit with nothing new. Network trouble: tried again later.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.exc import DBAPIError
from telegram import InlineKeyboardMarkup, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError, TimedOut
from telegram.ext import ExtBot

from bot.domain.entities import OutboxRow
from bot.domain.leases import Lease
from bot.transport.file_sender import FileSender, MediaKind
from bot.transport.pacer import ChatPace
from bot.transport.send_budget import Priority
from bot.transport.shown_cards import ShownCards
from bot.transport.telegram_answers import backoff_s, is_not_modified, retry_seconds
from storage import Storage
from storage.outbox import FAILED, is_uncertain

log = logging.getLogger(__name__)

# Backoff for network errors: 1, 2, 4, ... seconds, capped.
MAX_BACKOFF_S = 300.0
# A message Telegram keeps refusing for non-permanent reasons is dropped after this many tries.
MAX_ATTEMPTS = 50
# Waits between tries to record what Telegram answered while the database is busy, capped.
RECORD_RETRY_S = 0.1
MAX_RECORD_RETRY_S = 2.0


class OutboxDelivery:
    """Sends outbox rows, each chat at its pace, and records every answer in the outbox."""

    def __init__(
        self,
        bot: ExtBot[Any],
        store: Storage,
        pace: ChatPace,
        shown_cards: ShownCards,
        files: FileSender,
        fence: Lease | None = None,
    ) -> None:
        self.bot = bot
        # Photos and voice notes another bot received go through this bot's own copy.
        self.files = files
        # This process's lease of the bot (PostgreSQL, several processes): sends only under it.
        self.fence = fence
        self.store = store
        self.pace = pace
        self.shown_cards = shown_cards

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
            claimed = await self.store.outbox.claim(row, self.fence)
        except Exception:  # not sent after all (database busy): the next sweep must edit
            if card_message_id:
                self.shown_cards.forget(row.chat_id, card_message_id, row.text, row.reply_markup)
            raise
        if claimed is None:  # settled meanwhile, or no longer this process's to send
            if card_message_id:
                self.shown_cards.forget(row.chat_id, card_message_id, row.text, row.reply_markup)
            return False
        row = claimed
        if is_uncertain(row):
            log.warning("outbox message %s may arrive twice: %s", row.id, row.last_error)
        try:
            message_id = await self._paced_send(row)
        except RetryAfter as exc:
            self.pace.hold(row.chat_id, retry_seconds(exc))
            await self._record(self.store.outbox.retry_later, row, retry_seconds(exc), str(exc))
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
        backoff = backoff_s(row.attempts, MAX_BACKOFF_S)
        await self.store.outbox.retry_later(row, backoff, error, uncertain=True)

    async def _retry_or_fail(self, row: OutboxRow, error: str) -> None:
        if row.attempts + 1 >= MAX_ATTEMPTS:
            await self.store.outbox.give_up(row, FAILED, error)
        else:
            await self.store.outbox.retry_later(row, backoff_s(row.attempts, MAX_BACKOFF_S), error)

    async def _refused(self, row: OutboxRow, exc: BadRequest) -> bool:
        """Telegram refused the content: log it; a card edit with nothing new counts as sent."""
        if is_not_modified(exc):
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
                    rate_limit_args=Priority.CARD,
                )
                return int(card_message_id)
            except TelegramError as exc:
                if is_not_modified(exc):
                    raise
                # The card does not show this after all: a later try (or a press) draws it.
                self.shown_cards.forget(row.chat_id, card_message_id, row.text, row.reply_markup)
                if not isinstance(exc, BadRequest):
                    raise
                # Deleted, too old or not editable: the manager gets a fresh card instead.
                log.info("card %s in chat %s not editable: %s", card_message_id, row.chat_id, exc)
        sent: Message = await self.bot.send_message(
            row.chat_id,
            row.text,
            parse_mode=ParseMode.HTML,
            reply_markup=markup,
            rate_limit_args=Priority.CARD,
        )
        return sent.message_id

    async def _send_media(self, row: OutboxRow, markup: InlineKeyboardMarkup | None) -> int:
        """Send a photo or voice message by its file id, with the row's text as its caption;
        the text alone when no bot of the deployment holds the file any more."""
        caption = row.text or None
        if row.file_id is None:
            raise BadRequest(f"no file id for a {row.media_kind} message")
        if row.media_kind not in ("photo", "voice"):
            raise BadRequest(f"unknown media kind {row.media_kind!r}")
        kind: MediaKind = "photo" if row.media_kind == "photo" else "voice"
        sent = await self.files.send(
            kind,
            row.chat_id,
            row.file_id,
            caption=caption,
            parse_mode=ParseMode.HTML,
            reply_markup=markup,
            rate_limit_args=Priority.CARD,
        )
        if sent is None and not row.text:
            raise BadRequest(f"no bot holds the {row.media_kind} any more, and it has no text")
        if sent is None:
            sent = await self.bot.send_message(
                row.chat_id,
                row.text,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
                rate_limit_args=Priority.CARD,
            )
        return sent.message_id
