"""Plain data records the emulator keeps and hands to tests."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]


class ApiError(Exception):
    """A Bot API error answer: HTTP status, Telegram's description, optional retry_after."""

    def __init__(self, code: int, description: str, *, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after


def bad_request(detail: str) -> ApiError:
    """400 with Telegram's "Bad Request: " prefix."""
    return ApiError(400, f"Bad Request: {detail}")


@dataclass(frozen=True)
class Button:
    """One inline keyboard button as a person would see and press it."""

    text: str
    callback_data: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class KeyboardButton:
    """One reply-keyboard button, with the special requests it makes."""

    text: str
    request_contact: bool = False
    request_location: bool = False


@dataclass
class ReplyKeyboard:
    """The custom reply keyboard a bot showed in a chat."""

    rows: list[list[KeyboardButton]]
    resize_keyboard: bool = False
    one_time_keyboard: bool = False
    is_persistent: bool = False
    input_field_placeholder: str | None = None

    def texts(self) -> list[str]:
        """All button labels, row by row."""
        return [button.text for row in self.rows for button in row]

    def find(self, text: str) -> KeyboardButton | None:
        """The button labelled exactly `text`, if shown."""
        return next((b for row in self.rows for b in row if b.text == text), None)


@dataclass
class StoredFile:
    """A file uploaded by the bot or a user, downloadable via getFile."""

    file_id: str
    file_unique_id: str
    data: bytes
    file_path: str
    filename: str | None = None
    mime_type: str | None = None
    url: str | None = None


@dataclass
class SentMessage:
    """A message the bot sent; edits update it in place."""

    message_id: int
    chat_id: int
    text: str
    html: str
    date: int
    entities: list[JSON] = field(default_factory=list)
    parse_mode: str | None = None
    buttons: list[list[Button]] = field(default_factory=list)
    inline_markup: JSON | None = None
    reply_keyboard: ReplyKeyboard | None = None
    removes_keyboard: bool = False
    # The bot asked for a typed answer (ForceReply): Telegram opens the reply field.
    force_reply: bool = False
    kind: str = "text"
    photo: StoredFile | None = None
    document: StoredFile | None = None
    voice: StoredFile | None = None
    edited: int = 0
    edit_date: int | None = None
    deleted: bool = False
    history: list[str] = field(default_factory=list)
    version: int = 0

    @property
    def caption(self) -> str | None:
        """Plain caption for media messages (same as `text`), None for text messages."""
        return self.text if self.kind != "text" else None

    def button_texts(self) -> list[str]:
        """Inline button labels, row by row."""
        return [button.text for row in self.buttons for button in row]

    def find_button(
        self, *, text: str | None = None, callback_data: str | None = None
    ) -> Button | None:
        """The first inline button matching the given label and/or callback data."""
        for row in self.buttons:
            for button in row:
                if text is not None and button.text != text:
                    continue
                if callback_data is not None and button.callback_data != callback_data:
                    continue
                return button
        return None


@dataclass
class EmulatedUser:
    """A Telegram user the test plays; their private chat has the same id."""

    id: int
    first_name: str
    language_code: str | None = "id"
    username: str | None = None
    last_name: str | None = None

    def to_api(self) -> JSON:
        """The Bot API User object."""
        data: JSON = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key):
                data[key] = getattr(self, key)
        return data

    def chat_api(self) -> JSON:
        """The Bot API Chat object of this user's private chat."""
        data: JSON = {"id": self.id, "type": "private", "first_name": self.first_name}
        for key in ("last_name", "username"):
            if getattr(self, key):
                data[key] = getattr(self, key)
        return data


@dataclass(frozen=True)
class ApiErrorRecord:
    """A 4xx the emulator answered, kept so tests can assert the bot behaved."""

    method: str
    error_code: int
    description: str
    params: JSON = field(default_factory=dict, compare=False)


@dataclass
class EmulatorStats:
    """Counters tests can assert on."""

    requests: Counter[str] = field(default_factory=Counter)
    rate_limited: int = 0
    errors: int = 0
    webhook_posts: int = 0  # updates the webhook accepted (2xx)
    webhook_failures: int = 0  # posts answered non-2xx, timed out or not connected
    # Updates each receiver ("host:port") accepted, when a route names several.
    webhook_receivers: Counter[str] = field(default_factory=Counter)


@dataclass
class WebhookSettings:
    """What setWebhook stored for one bot, and how delivery to it last failed."""

    url: str = ""
    secret_token: str | None = None
    allowed_updates: list[str] | None = None  # None or empty: every update type
    max_connections: int = 40
    last_error_date: int | None = None
    last_error_message: str | None = None

    def allows(self, update: JSON) -> bool:
        """Whether the update's type is one the bot asked for."""
        if not self.allowed_updates:
            return True
        return any(kind in update for kind in self.allowed_updates)


@dataclass
class CallbackQueryRecord:
    """A callback query a test sent by pressing a button."""

    query_id: str
    user_id: int
    message_id: int
    data: str
    answer: JSON | None = None
