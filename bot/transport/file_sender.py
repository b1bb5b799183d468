"""Photos and voice notes by file id, whichever bot of the deployment received the file.

A Telegram file id is good only with the bot that received the file: after `kiosdesa center
set-bot`, the center's rows still hold the old bot's file ids, and Telegram answers the new
bot "wrong file identifier". Telegram itself knows whose a file id is, so nothing records it
beforehand: when a send is refused so, the file is fetched (getFile and download) through
another bot of the deployment that can, sent as bytes, and the file id Telegram gives this
bot kept (storage/file_copies.py) for every later send. When no bot can fetch it any more
(its bot was removed), the caller shows the item without the file.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Literal

from telegram import Bot, Message
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError
from telegram.ext import ExtBot

from storage import Storage

log = logging.getLogger(__name__)

MediaKind = Literal["photo", "voice"]
# How many file ids' copies are remembered in memory (a product photo's is read at each card).
OWN_IDS_KEPT = 10_000
# Seconds a file no bot could fetch is shown without asking again. Telegram's answer to a
# foreign file id and to a file "temporarily unavailable" is one text, so this is not forever.
LOST_FOR_S = 600.0


def is_foreign_file(exc: BadRequest) -> bool:
    """Whether Telegram refused a file id as not this bot's (or unknown)."""
    message = exc.message.lower()
    return "file identifier" in message or "file_id" in message


def file_id_of(sent: Message, kind: MediaKind) -> str | None:
    """The file id Telegram gave the sent photo (its largest size) or voice note."""
    if kind == "photo":
        return sent.photo[-1].file_id if sent.photo else None
    return sent.voice.file_id if sent.voice else None


class FileSender:
    """Sends files by file id for one bot, fetching other bots' files through them once."""

    def __init__(
        self, bot: ExtBot[Any], bot_id: int | None, store: Storage, default_token: str = ""
    ) -> None:
        self.bot = bot
        self.bot_id = bot_id
        self.store = store
        # The token of the default bot (BOT_TOKEN), which the bots table does not hold.
        self.default_token = default_token
        # This bot's copy of each file id seen (None: it sends the id itself). Only this bot's
        # holder makes its copies, so what it read once stays true while it serves the bot.
        self._own: dict[str, str | None] = {}
        # File ids no bot could fetch (when, by the monotonic clock), so a card shown again
        # does not ask every bot again for a while.
        self._lost: dict[str, float] = {}

    async def send(
        self, kind: MediaKind, chat_id: int, file_id: str, **options: Any
    ) -> Message | None:
        """Send the file with `options` (caption, markup...); None if no bot can fetch it."""
        own = await self._own_id(file_id)
        if own is None and self._lost_lately(file_id):
            return None
        try:
            return await self._send(kind, chat_id, own or file_id, options)
        except BadRequest as exc:
            if own is not None or not is_foreign_file(exc):
                raise
        data = await self._fetch(file_id)
        if data is None:
            self._lost[file_id] = time.monotonic()
            log.warning("file %s is no longer held by any bot: shown without it", file_id[:24])
            return None
        sent = await self._send(kind, chat_id, data, options)
        new_id = file_id_of(sent, kind)
        if new_id is not None:
            await self.store.file_copies.keep(file_id, self.bot_id, new_id)
            self._own[file_id] = new_id
        return sent

    def _lost_lately(self, file_id: str) -> bool:
        """Whether no bot could fetch the file in the last LOST_FOR_S."""
        lost_at = self._lost.get(file_id)
        if lost_at is None:
            return False
        if time.monotonic() - lost_at < LOST_FOR_S:
            return True
        del self._lost[file_id]
        return False

    async def _own_id(self, file_id: str) -> str | None:
        """This bot's copy of the file, read from the database once per file id."""
        if file_id not in self._own:
            if len(self._own) >= OWN_IDS_KEPT:
                self._own.clear()  # read again as needed: a bound on memory, not on correctness
            self._own[file_id] = await self.store.file_copies.own_id(file_id, self.bot_id)
        return self._own[file_id]

    async def _send(
        self, kind: MediaKind, chat_id: int, media: str | bytes, options: dict[str, Any]
    ) -> Message:
        if kind == "photo":
            return await self.bot.send_photo(chat_id, media, **options)
        return await self.bot.send_voice(chat_id, media, **options)

    async def _fetch(self, original: str) -> bytes | None:
        """The file's bytes, through the first other bot that holds it."""
        for token, file_id in await self._holders(original):
            data = await self._download(token, file_id)
            if data is not None:
                return data
        return None

    async def _holders(self, original: str) -> list[tuple[str, str]]:
        """(token, file id) of every other bot that may hold the file: copies first."""
        copies = await self.store.file_copies.holders(original)
        accounts = await self.store.bots.all_bots()
        every: dict[int | None, str] = {account.id: account.token for account in accounts}
        if self.default_token:
            every[None] = self.default_token
        every.pop(self.bot_id, None)
        held = [(every[bot_id], file_id) for bot_id, file_id in copies.items() if bot_id in every]
        return held + [(token, original) for bot_id, token in every.items() if bot_id not in copies]

    async def _download(self, token: str, file_id: str) -> bytes | None:
        """getFile and download through the bot of `token`; None if it cannot."""
        other = Bot(
            token,
            base_url=self.bot.base_url.removesuffix(self.bot.token),
            base_file_url=self.bot.base_file_url.removesuffix(self.bot.token),
        )
        try:
            async with other:
                found = await other.get_file(file_id)
                return bytes(await found.download_as_bytearray())
        except BadRequest:  # not this bot's file (BadRequest is a NetworkError in PTB)
            return None
        except (NetworkError, RetryAfter):
            raise  # Telegram out of reach or busy: the caller's send fails as any send would
        except TelegramError:  # this bot's token no longer works
            return None
