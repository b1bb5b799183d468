"""What comes off the wire: updates with text that can be sent back, answers without echoes."""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from telegram._utils.types import ODVInput
from telegram.request import BaseRequest, RequestData

from bot.transport.background import unbroken
from bot.transport.http_request import AiohttpRequest
from bot.views.callbacks import PRESSED_SHOWED

if TYPE_CHECKING:
    from bot.transport.inbox_gate import InboxGate

# JSON may carry a lone surrogate as an escape ("\ud83d"); it is not a character, so any
# reply quoting it (or a database row storing it) would fail to encode as UTF-8.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# A surrogate can only arrive escaped, so a payload without such an escape needs no walk.
_ESCAPED_SURROGATE = re.compile(rb"\\u[dD][89abcdefABCDEF]")
REPLACEMENT = "\ufffd"
# Telegram's refusal of an answer to a press it no longer takes (answered, or too old).
_PRESS_GONE = b"query is too old"
_ANSWERED = b'{"ok":true,"result":true}'
# What Telegram's answer to a send or an edit repeats of what the bot itself sent.
ECHOED_FIELDS = ("reply_markup", "entities", "caption_entities", "link_preview_options")


def without_lone_surrogates(value: Any) -> Any:
    """The parsed JSON `value` with every lone surrogate in its strings replaced by U+FFFD."""
    if isinstance(value, str):
        return _LONE_SURROGATE.sub(REPLACEMENT, value)
    if isinstance(value, list):
        return [without_lone_surrogates(item) for item in value]
    if isinstance(value, dict):
        return {key: without_lone_surrogates(item) for key, item in value.items()}
    return value


def without_echoes(message: Any) -> None:
    """Drop from a message of the bot's own (a parsed JSON dict) what the bot itself sent."""
    if isinstance(message, dict) and "message_id" in message:
        for field in ECHOED_FIELDS:
            message.pop(field, None)


def echoes_put_aside(message: Any) -> None:
    """Move what the bot itself sent of a pressed message under PRESSED_SHOWED, unparsed.

    PTB builds no objects for them there, yet a redraw can still tell whether it would
    change anything.
    """
    if isinstance(message, dict) and "message_id" in message:
        message[PRESSED_SHOWED] = {f: message.pop(f) for f in ECHOED_FIELDS if f in message}


def cleaned_update(update: Any, has_escaped_surrogate: bool) -> Any:
    """An update (Telegram's JSON, parsed) as PTB gets it: a pressed message's echoes put
    aside, and, if its text held an escaped surrogate, lone surrogates replaced."""
    pressed = update.get("callback_query") if isinstance(update, dict) else None
    if isinstance(pressed, dict):
        echoes_put_aside(pressed.get("message"))
    return without_lone_surrogates(update) if has_escaped_surrogate else update


def stored_update(payload: str) -> Any:
    """An update the inbox stored (as Telegram sent it), cleaned as a received one is."""
    raw = payload.encode()
    parsed = AiohttpRequest.parse_json_payload(raw)  # orjson, or json for lone surrogates
    return cleaned_update(parsed, _ESCAPED_SURROGATE.search(raw) is not None)


class UpdatesRequest(AiohttpRequest):
    """The getUpdates connection (PTB's default: one connection), with cleaned-up text.

    A pressed button's update carries the bot's message it sat under, keyboard and all; as
    with answers (BotRequest), what the bot sent itself is not parsed by PTB: it is put aside
    as plain JSON, for a redraw to compare with. With an inbox gate, every answer's updates
    are stored in the inbox before PTB sees them (bot/transport/inbox_gate.py).
    """

    def __init__(self, gate: InboxGate | None = None) -> None:
        super().__init__(connection_pool_size=1)
        self._gate = gate

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Ask Telegram; a successful getUpdates answer is in the inbox before it returns."""
        code, payload = await super().do_request(
            url, method, request_data, read_timeout, write_timeout, connect_timeout, pool_timeout
        )
        if self._gate is not None and HTTPStatus.OK <= code < HTTPStatus.MULTIPLE_CHOICES:
            parsed = AiohttpRequest.parse_json_payload(payload)
            updates = parsed.get("result") if isinstance(parsed, dict) else None
            if isinstance(updates, list) and updates:
                # A stop cancels polling: the updates are stored whole, or not at all.
                await unbroken(self._gate.receive(updates))
        return code, payload

    @staticmethod
    def parse_json_payload(payload: bytes) -> dict[str, Any]:
        """Parse Telegram's answer; drop echoes of the bot's messages and lone surrogates."""
        parsed = AiohttpRequest.parse_json_payload(payload)
        updates = parsed.get("result") if isinstance(parsed, dict) else None
        if not isinstance(updates, list):
            return parsed
        escaped = _ESCAPED_SURROGATE.search(payload) is not None
        parsed["result"] = [cleaned_update(update, escaped) for update in updates]
        return parsed


class BotRequest(AiohttpRequest):
    """The connection for every method but getUpdates; answers come back without echoes.

    Telegram answers a send or an edit with the whole message, including the keyboard and the
    formatting the bot has just sent. The bot never reads those back (it keeps what it sent
    where it needs it: the outbox, the shown cards), yet PTB would build an object for every
    button and entity: under load that was about a tenth of the bot's CPU. So they are
    dropped from the answer before PTB parses it; a returned Message has its id, chat, date
    and text, and `reply_markup` and `entities` of None.
    """

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Send the call; a press Telegram no longer takes an answer for counts as answered.

        A press replayed from the inbox after a restart may have been answered before the
        kill, or be too old to answer: nobody waits for its spinner any more, and the press's
        work (a handler answers first, then acts) must still be done.
        """
        code, payload = await super().do_request(
            url, method, request_data, read_timeout, write_timeout, connect_timeout, pool_timeout
        )
        if (
            code == HTTPStatus.BAD_REQUEST
            and url.endswith("/answerCallbackQuery")
            and _PRESS_GONE in payload.lower()
        ):
            return HTTPStatus.OK, _ANSWERED
        return code, payload

    @staticmethod
    def parse_json_payload(payload: bytes) -> dict[str, Any]:
        """Parse Telegram's answer as PTB does; a message in it loses what the bot sent."""
        parsed = AiohttpRequest.parse_json_payload(payload)
        without_echoes(parsed.get("result") if isinstance(parsed, dict) else None)
        return parsed
