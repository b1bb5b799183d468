"""Bot API methods that send something to a chat."""

from __future__ import annotations

from typing import Any

from bot.devtools.emulator.content import format_body, markup_of, media_input, target_chat
from bot.devtools.emulator.html_check import ParsedText
from bot.devtools.emulator.markup import ParsedMarkup
from bot.devtools.emulator.models import JSON, SentMessage, StoredFile, bad_request
from bot.devtools.emulator.params import Call
from bot.devtools.emulator.render import bot_message_api
from bot.devtools.emulator.state import ChatState, EmulatorState, now

CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice",
        "upload_voice", "upload_document", "choose_sticker", "find_location",
        "record_video_note", "upload_video_note",
    }
)  # fmt: skip


def deliver(
    state: EmulatorState,
    chat: ChatState,
    call: Call,
    body: ParsedText,
    markup: ParsedMarkup,
    *,
    kind: str = "text",
    media: StoredFile | None = None,
) -> JSON:
    """Store a new bot message, update the chat keyboard and return the Message object."""
    message = SentMessage(
        message_id=chat.take_message_id(),
        chat_id=chat.chat_id,
        text=body.text,
        html=call.str_opt("text" if kind == "text" else "caption") or "",
        date=now(),
        entities=body.entities,
        parse_mode=call.str_opt("parse_mode"),
        buttons=markup.buttons,
        inline_markup=markup.inline_json,
        reply_keyboard=markup.reply_keyboard,
        removes_keyboard=markup.remove_keyboard,
        force_reply=markup.force_reply,
        kind=kind,
        photo=media if kind == "photo" else None,
        document=media if kind == "document" else None,
        voice=media if kind == "voice" else None,
    )
    if markup.reply_keyboard is not None:
        chat.reply_keyboard = markup.reply_keyboard
    elif markup.remove_keyboard:
        chat.reply_keyboard = None
    chat.messages.append(message)
    state.touch(message)
    return bot_message_api(state, message)


async def send_message(state: EmulatorState, call: Call) -> Any:
    """sendMessage."""
    chat = target_chat(state, call)
    markup = markup_of(call)
    body = format_body(state, call, "text")
    return deliver(state, chat, call, body, markup)


async def send_photo(state: EmulatorState, call: Call) -> Any:
    """sendPhoto."""
    chat = target_chat(state, call)
    markup = markup_of(call)
    body = format_body(state, call, "caption")
    media = media_input(state, call, "photo")
    return deliver(state, chat, call, body, markup, kind="photo", media=media)


async def send_document(state: EmulatorState, call: Call) -> Any:
    """sendDocument."""
    chat = target_chat(state, call)
    markup = markup_of(call)
    body = format_body(state, call, "caption")
    media = media_input(state, call, "document")
    return deliver(state, chat, call, body, markup, kind="document", media=media)


async def send_voice(state: EmulatorState, call: Call) -> Any:
    """sendVoice."""
    chat = target_chat(state, call)
    markup = markup_of(call)
    body = format_body(state, call, "caption")
    media = media_input(state, call, "voice")
    return deliver(state, chat, call, body, markup, kind="voice", media=media)


async def send_chat_action(state: EmulatorState, call: Call) -> Any:
    """sendChatAction: remembered per chat so tests can see "typing…"."""
    chat = target_chat(state, call)
    action = call.str_opt("action") or ""
    if action not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    chat.actions.append(action)
    return True


METHODS = {
    "sendmessage": send_message,
    "sendphoto": send_photo,
    "senddocument": send_document,
    "sendvoice": send_voice,
    "sendchataction": send_chat_action,
}
