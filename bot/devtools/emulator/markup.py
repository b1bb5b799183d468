"""Validating reply_markup the way the Bot API does."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.devtools.emulator.models import JSON, Button, KeyboardButton, ReplyKeyboard, bad_request

# Exactly one of these must be set on an inline button.
INLINE_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
MAX_BUTTONS = 100
_URL_SCHEMES = ("http://", "https://", "tg://")


@dataclass
class ParsedMarkup:
    """What a reply_markup asked for; at most one of the kinds is set."""

    buttons: list[list[Button]] = field(default_factory=list)
    inline_json: JSON | None = None
    reply_keyboard: ReplyKeyboard | None = None
    remove_keyboard: bool = False
    force_reply: bool = False


def parse_markup(value: Any) -> ParsedMarkup:
    """Validate a decoded reply_markup object; None means no markup."""
    if value is None:
        return ParsedMarkup()
    if not isinstance(value, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in value:
        buttons, normalized = _parse_inline(value["inline_keyboard"])
        return ParsedMarkup(buttons=buttons, inline_json={"inline_keyboard": normalized})
    if "keyboard" in value:
        return ParsedMarkup(reply_keyboard=_parse_keyboard(value))
    if value.get("remove_keyboard"):
        return ParsedMarkup(remove_keyboard=True)
    if value.get("force_reply"):
        return ParsedMarkup(force_reply=True)
    raise bad_request("can't parse reply keyboard markup JSON object")


def _rows(value: Any, owner: str) -> list[list[Any]]:
    """Check that a keyboard is an array of arrays."""
    if not isinstance(value, list) or not all(isinstance(row, list) for row in value):
        raise bad_request(f'field "{owner}" of the reply markup must be an Array of Arrays')
    if sum(len(row) for row in value) > MAX_BUTTONS:
        raise bad_request("reply markup is too long")
    return value


def _parse_inline(value: Any) -> tuple[list[list[Button]], list[list[JSON]]]:
    """Validate inline keyboard rows; returns buttons and the normalized JSON."""
    buttons: list[list[Button]] = []
    normalized: list[list[JSON]] = []
    for row in _rows(value, "inline_keyboard"):
        buttons.append([])
        normalized.append([])
        for raw in row:
            button, clean = _parse_inline_button(raw)
            buttons[-1].append(button)
            normalized[-1].append(clean)
    return buttons, normalized


def _parse_inline_button(raw: Any) -> tuple[Button, JSON]:
    """Validate one inline button: text plus exactly one action."""
    prefix = "can't parse inline keyboard button: "
    if not isinstance(raw, dict):
        raise bad_request(prefix + "InlineKeyboardButton must be an Object")
    text = raw.get("text")
    if not isinstance(text, str):
        raise bad_request(prefix + 'Field "text" must be of type String')
    actions = [key for key in INLINE_ACTIONS if raw.get(key) is not None]
    if not actions:
        raise bad_request(prefix + "Text buttons are unallowed in the inline keyboard")
    if len(actions) > 1:
        # Telegram silently picks one; the emulator refuses so the ambiguity is noticed.
        raise bad_request(prefix + f"exactly one action field must be set, got {actions}")
    clean: JSON = {"text": text, actions[0]: raw[actions[0]]}
    callback_data = raw.get("callback_data")
    if callback_data is not None and (
        not isinstance(callback_data, str) or not 1 <= len(callback_data.encode()) <= 64
    ):
        raise bad_request("BUTTON_DATA_INVALID")
    url = raw.get("url")
    if url is not None and (not isinstance(url, str) or not url.startswith(_URL_SCHEMES)):
        raise bad_request("BUTTON_URL_INVALID")
    return Button(text, callback_data, url), clean


def _parse_keyboard(value: JSON) -> ReplyKeyboard:
    """Validate a ReplyKeyboardMarkup."""
    rows: list[list[KeyboardButton]] = []
    for row in _rows(value["keyboard"], "keyboard"):
        rows.append([_parse_keyboard_button(raw) for raw in row])
    if not any(rows):
        raise bad_request("keyboard must be non-empty")
    placeholder = value.get("input_field_placeholder")
    return ReplyKeyboard(
        rows=rows,
        resize_keyboard=bool(value.get("resize_keyboard")),
        one_time_keyboard=bool(value.get("one_time_keyboard")),
        is_persistent=bool(value.get("is_persistent")),
        input_field_placeholder=placeholder if isinstance(placeholder, str) else None,
    )


def _parse_keyboard_button(raw: Any) -> KeyboardButton:
    """A KeyboardButton may be a bare string or an object with optional requests."""
    if isinstance(raw, str):
        return KeyboardButton(raw)
    if not isinstance(raw, dict) or not isinstance(raw.get("text"), str):
        raise bad_request('can\'t parse keyboard button: Field "text" must be of type String')
    contact, location = bool(raw.get("request_contact")), bool(raw.get("request_location"))
    if contact and location:
        raise bad_request("can't parse keyboard button: a button can request only one thing")
    return KeyboardButton(raw["text"], contact, location)
