"""Off the wire: lone surrogates in updates become U+FFFD; answers lose what the bot sent."""

from __future__ import annotations

import json

from bot.transport.http_request import AiohttpRequest, json_bytes
from bot.transport.wire import BotRequest, UpdatesRequest, without_lone_surrogates
from bot.views.callbacks import PRESSED_SHOWED


def test_lone_surrogates_are_replaced_everywhere_in_an_update() -> None:
    payload = json.dumps(
        {"ok": True, "result": [{"message": {"text": "a\ud800b", "entities": [{"x": "\udc00"}]}}]}
    ).encode()
    parsed = UpdatesRequest.parse_json_payload(payload)
    message = parsed["result"][0]["message"]
    assert message["text"] == "a\ufffdb"
    assert message["entities"] == [{"x": "\ufffd"}]


def test_real_characters_and_other_values_are_kept() -> None:
    value = {"text": "😀 مرحبا \u200f", "id": 7, "ok": True, "none": None}
    assert without_lone_surrogates(value) == value


def test_a_payload_without_escaped_surrogates_is_parsed_as_sent() -> None:
    update = {"message": {"text": "😀 Beras مرحبا \\ud800 as typed", "chat": {"id": 7}}}
    payload = json.dumps({"ok": True, "result": [update]}, ensure_ascii=False).encode()
    assert UpdatesRequest.parse_json_payload(payload)["result"] == [update]


SENT = {
    "message_id": 42,
    "date": 1796000000,
    "chat": {"id": 7, "type": "private", "first_name": "Budi"},
    "text": "Telur ayam Rp 28.000",
    "entities": [{"type": "bold", "offset": 0, "length": 10}],
    "reply_markup": {"inline_keyboard": [[{"text": "Add to cart", "callback_data": "a:1"}]]},
    "link_preview_options": {"is_disabled": True},
}


def test_an_answer_to_a_send_keeps_the_message_but_not_what_the_bot_sent() -> None:
    payload = json.dumps({"ok": True, "result": SENT}).encode()
    result = BotRequest.parse_json_payload(payload)["result"]
    assert result == {
        "message_id": 42,
        "date": 1796000000,
        "chat": {"id": 7, "type": "private", "first_name": "Budi"},
        "text": "Telur ayam Rp 28.000",
    }


def test_answers_that_are_not_a_message_and_updates_are_left_whole() -> None:
    for result in (True, [SENT], {"id": 1, "first_name": "Kios Desa", "is_bot": True}):
        payload = json.dumps({"ok": True, "result": result}).encode()
        assert BotRequest.parse_json_payload(payload)["result"] == result
    updates = json.dumps({"ok": True, "result": [{"update_id": 1, "message": SENT}]}).encode()
    assert UpdatesRequest.parse_json_payload(updates)["result"][0]["message"] == SENT


def test_a_pressed_buttons_update_puts_the_keyboard_of_the_bots_message_aside() -> None:
    pressed = {"id": "9", "from": {"id": 7}, "data": "a:1", "message": SENT}
    payload = json.dumps({"ok": True, "result": [{"update_id": 2, "callback_query": pressed}]})
    [update] = UpdatesRequest.parse_json_payload(payload.encode())["result"]
    assert update["callback_query"]["data"] == "a:1"
    assert update["callback_query"]["message"] == {
        "message_id": 42,
        "date": 1796000000,
        "chat": {"id": 7, "type": "private", "first_name": "Budi"},
        "text": "Telur ayam Rp 28.000",
        PRESSED_SHOWED: {  # unparsed: PTB keeps it as it came, in the Message's api_kwargs
            "entities": [{"type": "bold", "offset": 0, "length": 10}],
            "reply_markup": {
                "inline_keyboard": [[{"text": "Add to cart", "callback_data": "a:1"}]]
            },
            "link_preview_options": {"is_disabled": True},
        },
    }


def test_call_parameters_go_as_the_same_json_whichever_encoder_takes_them() -> None:
    usual = {"chat_id": 7, "text": "Beras 大米 😀 <b>&</b>", "reply_markup": {"a": [[1, None]]}}
    assert json.loads(json_bytes(usual)) == usual
    refused_by_orjson = {"text": "a\ud800b", 1: "key that is not a string"}
    assert json.loads(json_bytes(refused_by_orjson)) == {
        "text": "a\ud800b",
        "1": "key that is not a string",
    }


def test_an_answer_orjson_refuses_is_parsed_the_standard_way() -> None:
    not_utf8 = b'{"ok": true, "result": {"text": "caf\xe9"}}'
    assert AiohttpRequest.parse_json_payload(not_utf8)["result"] == {"text": "caf\ufffd"}
    lone = b'{"ok": true, "result": [{"message": {"text": "a\\ud800b"}}]}'
    assert AiohttpRequest.parse_json_payload(lone)["result"][0]["message"]["text"] == "a\ud800b"
    assert UpdatesRequest.parse_json_payload(lone)["result"][0]["message"]["text"] == "a\ufffdb"
