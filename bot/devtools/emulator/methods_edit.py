"""Bot API methods that change or remove existing messages, and callback answers."""

from __future__ import annotations

from typing import Any

from bot.devtools.emulator.content import format_body, markup_of, target_chat
from bot.devtools.emulator.html_check import ParsedText
from bot.devtools.emulator.markup import ParsedMarkup
from bot.devtools.emulator.models import JSON, SentMessage, bad_request
from bot.devtools.emulator.params import Call
from bot.devtools.emulator.render import bot_message_api
from bot.devtools.emulator.state import EmulatorState, now

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"


def message_to_edit(state: EmulatorState, call: Call) -> SentMessage:
    """Find the bot message addressed by chat_id + message_id."""
    if call.raw("inline_message_id") is not None:
        raise bad_request("MESSAGE_ID_INVALID")  # no inline mode in the emulator
    chat = target_chat(state, call)
    message_id = call.int_opt("message_id")
    if message_id is None:
        raise bad_request("message identifier is not specified")
    message = chat.find(message_id)
    if message is None or message.deleted:
        if message_id in chat.user_message_ids:
            raise bad_request("message can't be edited")
        raise bad_request("message to edit not found")
    return message


def apply_edit(
    state: EmulatorState,
    message: SentMessage,
    body: ParsedText,
    html: str,
    markup: ParsedMarkup,
    parse_mode: str | None,
) -> JSON:
    """Update the message in place unless nothing changes (Telegram's 400 then)."""
    before = (message.text, message.entities, message.inline_markup)
    if before == (body.text, body.entities, markup.inline_json):
        raise bad_request(NOT_MODIFIED)
    message.history.append(message.text)
    message.text, message.entities, message.html = body.text, body.entities, html
    message.parse_mode = parse_mode
    message.buttons, message.inline_markup = markup.buttons, markup.inline_json
    message.edited += 1
    message.edit_date = now()
    state.touch(message)
    return bot_message_api(state, message)


async def edit_message_text(state: EmulatorState, call: Call) -> Any:
    """editMessageText; omitting reply_markup removes the inline keyboard, as in Telegram."""
    message = message_to_edit(state, call)
    if message.kind != "text":
        raise bad_request("there is no text in the message to edit")
    markup = markup_of(call, inline_only=True)
    body = format_body(state, call, "text")
    html = call.str_opt("text") or ""
    return apply_edit(state, message, body, html, markup, call.str_opt("parse_mode"))


async def edit_message_caption(state: EmulatorState, call: Call) -> Any:
    """editMessageCaption."""
    message = message_to_edit(state, call)
    if message.kind == "text":
        raise bad_request("there is no caption in the message to edit")
    markup = markup_of(call, inline_only=True)
    body = format_body(state, call, "caption")
    html = call.str_opt("caption") or ""
    return apply_edit(state, message, body, html, markup, call.str_opt("parse_mode"))


async def edit_message_reply_markup(state: EmulatorState, call: Call) -> Any:
    """editMessageReplyMarkup; no reply_markup means "remove the keyboard"."""
    message = message_to_edit(state, call)
    markup = markup_of(call, inline_only=True)
    body = ParsedText(message.text, message.entities)
    return apply_edit(state, message, body, message.html, markup, message.parse_mode)


async def delete_message(state: EmulatorState, call: Call) -> Any:
    """deleteMessage: bot messages get `deleted=True`; user messages are forgotten."""
    chat_id = call.chat_id()
    assert chat_id is not None
    chat = state.chat_for_bot(chat_id)
    message_id = call.int_opt("message_id")
    if message_id is None:
        raise bad_request("message identifier is not specified")
    message = chat.find(message_id)
    if message is not None and not message.deleted:
        message.deleted = True
        state.touch(message)
        return True
    if message_id in chat.user_message_ids:
        chat.user_message_ids.discard(message_id)
        state.touch()
        return True
    raise bad_request("message to delete not found")


async def answer_callback_query(state: EmulatorState, call: Call) -> Any:
    """answerCallbackQuery: each query can be answered once."""
    query_id = call.str_opt("callback_query_id") or ""
    record = state.callback_queries.get(query_id)
    if record is None or record.answer is not None:
        raise bad_request(QUERY_INVALID)
    answer: JSON = {"show_alert": call.bool_opt("show_alert")}
    for key in ("text", "url"):
        if call.str_opt(key) is not None:
            answer[key] = call.str_opt(key)
    if call.int_opt("cache_time") is not None:
        answer["cache_time"] = call.int_opt("cache_time")
    record.answer = answer
    state.touch()
    return True


METHODS = {
    "editmessagetext": edit_message_text,
    "editmessagecaption": edit_message_caption,
    "editmessagereplymarkup": edit_message_reply_markup,
    "deletemessage": delete_message,
    "answercallbackquery": answer_callback_query,
}
