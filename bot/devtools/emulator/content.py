"""Shared checks for message content: text/caption formatting, target chats, media."""

from __future__ import annotations

from bot.devtools.emulator.html_check import (
    HtmlParseError,
    ParsedText,
    parse_html,
    strip_outer_whitespace,
    utf16_len,
)
from bot.devtools.emulator.markup import ParsedMarkup, parse_markup
from bot.devtools.emulator.models import ApiError, StoredFile, bad_request
from bot.devtools.emulator.params import Call
from bot.devtools.emulator.state import ChatState, EmulatorState

MAX_TEXT = 4096
MAX_CAPTION = 1024
BLOCKED = "Forbidden: bot was blocked by the user"


def target_chat(state: EmulatorState, call: Call) -> ChatState:
    """The chat a send/edit targets; blocked chats answer 403 like Telegram."""
    chat_id = call.chat_id()
    assert chat_id is not None  # chat_id(required=True) raises instead of returning None
    chat = state.chat_for_bot(chat_id)
    if chat.blocked:
        raise ApiError(403, BLOCKED)
    return chat


def format_body(state: EmulatorState, call: Call, key: str) -> ParsedText:
    """Parse `text` or `caption` per parse_mode and enforce Telegram's length limits."""
    raw = call.str_opt(key) or ""
    parse_mode = (call.str_opt("parse_mode") or "").strip()
    entities_key = "entities" if key == "text" else "caption_entities"
    if parse_mode.lower() == "html":
        try:
            parsed = parse_html(raw, strict=state.strict_html)
        except HtmlParseError as exc:
            raise bad_request(f"can't parse entities: {exc}") from None
    elif parse_mode.lower() in ("", "markdown", "markdownv2"):
        # Markdown is passed through unparsed: this project formats with HTML only.
        explicit = call.json_opt(entities_key) if not parse_mode else None
        parsed = ParsedText(raw, explicit if isinstance(explicit, list) else [])
    else:
        raise bad_request("unsupported parse_mode")
    parsed = strip_outer_whitespace(parsed)
    length = utf16_len(parsed.text)
    if key == "caption":
        if length > MAX_CAPTION:
            raise bad_request("message caption is too long")
    elif length == 0:
        raise bad_request("message text is empty")
    elif length > MAX_TEXT:
        raise bad_request("message is too long")
    return parsed


def markup_of(call: Call, *, inline_only: bool = False) -> ParsedMarkup:
    """The validated reply_markup; edits only accept inline keyboards."""
    markup = parse_markup(call.json_opt("reply_markup"))
    if inline_only and (markup.reply_keyboard or markup.remove_keyboard or markup.force_reply):
        raise bad_request("inline keyboard expected")
    return markup


def media_input(state: EmulatorState, call: Call, field: str) -> StoredFile:
    """Resolve a photo/document/voice parameter: upload, attach://, known file_id or URL."""
    raw = call.str_opt(field)
    upload = call.files.get(field)
    if raw and raw.startswith("attach://"):
        upload = call.files.get(raw.removeprefix("attach://"))
    folder = {"photo": "photos", "voice": "voice"}.get(field, "documents")
    if upload is not None:
        return state.store_file(upload.data, folder, upload.filename, upload.content_type)
    if not raw:
        raise bad_request(f"there is no {field} in the request")
    if raw in state.files:
        return state.files[raw]
    if raw.startswith(("http://", "https://")):
        # Telegram would fetch the URL; the emulator only remembers it.
        stored = state.store_file(b"", folder, raw.rsplit("/", 1)[-1] or None, None)
        stored.url = raw
        return stored
    raise bad_request("wrong file identifier/HTTP URL specified")
