"""Updates read off the wire: lone surrogates become U+FFFD, everything else stays."""

from __future__ import annotations

import json

from bot.wire import UpdatesRequest, without_lone_surrogates


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
