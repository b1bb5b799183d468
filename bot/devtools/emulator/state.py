"""Everything the emulator remembers: users, chats, messages, updates, files."""

from __future__ import annotations

import asyncio
import itertools
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from bot.devtools.emulator.models import (
    JSON,
    ApiErrorRecord,
    CallbackQueryRecord,
    EmulatedUser,
    EmulatorStats,
    ReplyKeyboard,
    SentMessage,
    StoredFile,
    WebhookSettings,
    bad_request,
)

T = TypeVar("T")
DEFAULT_BOT_ID = 7000000001
FIRST_UPDATE_ID = 100000001


class Notifier:
    """Wakes every waiter on any state change; waiters re-check their own condition."""

    def __init__(self) -> None:
        self._waiters: set[asyncio.Future[None]] = set()

    def wake(self) -> None:
        """Release all current waiters (sync, so test helpers can call it)."""
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._waiters.clear()

    async def wait_until(self, check: Callable[[], T | None], within: float) -> T | None:
        """Return check()'s first non-None result, or None after `within` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            result = check()
            remaining = deadline - loop.time()
            if result is not None or remaining <= 0:
                return result
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiters.add(waiter)
            try:
                await asyncio.wait({waiter}, timeout=remaining)
            finally:
                self._waiters.discard(waiter)


@dataclass
class ChatState:
    """One private chat: its message counter, bot messages and keyboard."""

    chat_id: int
    next_message_id: int = 1
    messages: list[SentMessage] = field(default_factory=list)
    user_message_ids: set[int] = field(default_factory=set)
    # Whether the user ever wrote to the bot: before that, Telegram has no chat to scope to.
    opened: bool = False
    reply_keyboard: ReplyKeyboard | None = None
    blocked: bool = False
    actions: list[str] = field(default_factory=list)
    last_user_action: int | None = None

    def take_message_id(self) -> int:
        """Allocate the next message id; Telegram shares it between both sides."""
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id

    def find(self, message_id: int) -> SentMessage | None:
        """The bot message with this id, deleted or not."""
        return next((m for m in self.messages if m.message_id == message_id), None)


class UpdateQueue:
    """getUpdates semantics: updates stay until confirmed by a higher offset."""

    def __init__(self) -> None:
        self._items: list[JSON] = []
        self._next_id = FIRST_UPDATE_ID
        self.poll_generation = 0

    def push(self, payload: JSON) -> JSON:
        """Queue an update, assigning the next update_id."""
        update = {"update_id": self._next_id, **payload}
        self._next_id += 1
        self._items.append(update)
        return update

    def confirm(self, offset: int | None) -> None:
        """Forget confirmed updates; a negative offset keeps only the last -offset ones."""
        if offset is None or offset == 0:
            return
        if offset > 0:
            self._items = [u for u in self._items if u["update_id"] >= offset]
        else:
            self._items = self._items[offset:]

    def take(self, limit: int) -> list[JSON]:
        """Pending updates, oldest first, without confirming them."""
        return self._items[:limit]

    def clear(self) -> None:
        """Drop everything pending (deleteWebhook drop_pending_updates)."""
        self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


class EmulatorState:
    """One bot's whole memory (users are shared by every bot); handlers and tests share it."""

    def __init__(
        self,
        bot_username: str,
        bot_name: str,
        strict_html: bool,
        *,
        users: dict[int, EmulatedUser] | None = None,
        bot_id: int = DEFAULT_BOT_ID,
    ) -> None:
        self.bot_username = bot_username
        self.bot_name = bot_name
        self.bot_id = bot_id
        self.strict_html = strict_html
        # One person can talk to several bots: the registry is the emulator's, not the bot's.
        self.users: dict[int, EmulatedUser] = {} if users is None else users
        self.chats: dict[int, ChatState] = {}
        self.updates = UpdateQueue()
        self.files: dict[str, StoredFile] = {}
        self.callback_queries: dict[str, CallbackQueryRecord] = {}
        self.commands: dict[tuple[str, int | None, str], list[JSON]] = {}
        self.menu_buttons: dict[int | None, JSON] = {}
        self.webhook = WebhookSettings()
        self.errors: list[ApiErrorRecord] = []
        self.stats = EmulatorStats()
        self.notifier = Notifier()
        self.version = 0
        self.listeners: list[Callable[[SentMessage], None]] = []
        self.closing = False
        self._ids = itertools.count(1)

    @property
    def webhook_url(self) -> str:
        """The webhook URL set ("" while the bot polls)."""
        return self.webhook.url

    @webhook_url.setter
    def webhook_url(self, url: str) -> None:
        """Set the webhook as if the bot had (tests arranging a bot left in webhook mode)."""
        self.webhook.url = url

    def bot_user(self) -> JSON:
        """The bot's own User object (getMe and message senders)."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_name,
            "username": self.bot_username,
        }

    def learn_token(self, token: str) -> None:
        """Use the numeric part of the token as the bot id, as Telegram does."""
        prefix = token.split(":", 1)[0]
        if prefix.isdigit():
            self.bot_id = int(prefix)

    def user(self, user_id: int) -> EmulatedUser:
        """A registered user, created with a default name when a test skipped `user()`."""
        if user_id not in self.users:
            self.users[user_id] = EmulatedUser(user_id, first_name=f"User{user_id}")
        return self.users[user_id]

    def chat(self, chat_id: int) -> ChatState:
        """The chat, created on first use (positive ids are private chats)."""
        if chat_id not in self.chats:
            self.chats[chat_id] = ChatState(chat_id)
        return self.chats[chat_id]

    def chat_for_bot(self, chat_id: int) -> ChatState:
        """The chat a bot method targets; unknown group/channel ids do not exist."""
        if chat_id <= 0 and chat_id not in self.chats:
            raise bad_request("chat not found")
        return self.chat(chat_id)

    def chat_api(self, chat_id: int) -> JSON:
        """The Chat object for a chat id."""
        if chat_id in self.users:
            return self.users[chat_id].chat_api()
        return {"id": chat_id, "type": "private", "first_name": f"User{chat_id}"}

    def touch(self, message: SentMessage | None = None) -> int:
        """Record a change (stamping the message) and wake waiters."""
        self.version += 1
        if message is not None:
            message.version = self.version
            for listener in list(self.listeners):
                listener(message)
        self.notifier.wake()
        return self.version

    def push_update(self, payload: JSON) -> JSON:
        """Queue an update for getUpdates and wake a pending long poll."""
        update = self.updates.push(payload)
        self.touch()
        return update

    def new_id(self) -> int:
        """A process-unique counter for file ids and callback query ids."""
        return next(self._ids)

    def store_file(
        self, data: bytes, folder: str, filename: str | None, mime_type: str | None
    ) -> StoredFile:
        """Keep uploaded bytes and give them a file_id and a download path."""
        number = self.new_id()
        extension = _extension(filename, mime_type)
        stored = StoredFile(
            file_id=f"EMU{folder[:3].upper()}{number}_{secrets.token_hex(6)}",
            file_unique_id=f"U{number}",
            data=data,
            file_path=f"{folder}/file_{number}{extension}",
            filename=filename,
            mime_type=mime_type,
        )
        self.files[stored.file_id] = stored
        return stored


def _extension(filename: str | None, mime_type: str | None) -> str:
    """A file extension for download paths, from the name or the MIME type."""
    if filename and "." in filename:
        return "." + filename.rsplit(".", 1)[1]
    known = {
        "image/jpeg": ".jpg",
        "image/png": ".png",
        "application/pdf": ".pdf",
        "audio/ogg": ".oga",
    }
    return known.get(mime_type or "", "")


def now() -> int:
    """Unix time, the unit of Message.date."""
    return int(time.time())
