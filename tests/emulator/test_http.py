"""The HTTP surface without PTB: encodings, getUpdates semantics, files, odd requests."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

import aiohttp
import pytest

from bot.devtools.emulator import BotApiEmulator

from .conftest import TOKEN

USER = 333


async def call(
    emu: BotApiEmulator, method: str, *, expect: int = 200, **kwargs: Any
) -> dict[str, Any]:
    """POST/GET a method with raw aiohttp and return the decoded body."""
    http_method = kwargs.pop("http_method", "POST")
    async with (
        aiohttp.ClientSession() as session,
        session.request(http_method, f"{emu.url}/bot{TOKEN}/{method}", **kwargs) as response,
    ):
        body: dict[str, Any] = await response.json()
        assert response.status == expect, body
        return body


async def test_encodings_and_case(emu: BotApiEmulator) -> None:
    """Query string, form, JSON and multipart all work; method names ignore case."""
    await call(emu, "SENDMESSAGE", http_method="GET", params={"chat_id": USER, "text": "q"})
    await call(emu, "sendMessage", data={"chat_id": str(USER), "text": "form"})
    markup = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
    sent = await call(
        emu, "sendmessage", json={"chat_id": USER, "text": "j", "reply_markup": markup}
    )
    assert sent["result"]["reply_markup"] == markup
    form = aiohttp.FormData()
    form.add_field("chat_id", str(USER))
    form.add_field("reply_markup", json.dumps(markup))
    form.add_field("document", b"PDFDATA", filename="nota.pdf", content_type="application/pdf")
    doc = await call(emu, "sendDocument", data=form)
    assert doc["result"]["document"]["file_name"] == "nota.pdf"
    assert [m.text for m in emu.messages(USER)] == ["q", "form", "j", ""]
    assert emu.messages(USER)[3].document is not None
    assert [m.message_id for m in emu.messages(USER)] == [1, 2, 3, 4]


async def test_get_updates_offsets(emu: BotApiEmulator) -> None:
    """Updates stay until a higher offset confirms them; negative offsets keep the tail."""
    first = emu.send_text(USER, "a")["update_id"]
    emu.send_text(USER, "b")
    emu.send_text(USER, "c")
    body = await call(emu, "getUpdates", json={"limit": 2})
    assert [u["message"]["text"] for u in body["result"]] == ["a", "b"]
    body = await call(emu, "getUpdates", json={"offset": first + 1})
    assert [u["message"]["text"] for u in body["result"]] == ["b", "c"]
    body = await call(emu, "getUpdates", json={"offset": -1})
    assert [u["message"]["text"] for u in body["result"]] == ["c"]
    assert emu.pending_updates == 1


async def test_long_poll_wakes_on_update(emu: BotApiEmulator) -> None:
    """A long poll returns as soon as an update is queued, and [] after its timeout."""
    started = time.monotonic()
    assert (await call(emu, "getUpdates", json={"timeout": 0.2}))["result"] == []
    assert time.monotonic() - started >= 0.19
    poll = asyncio.create_task(call(emu, "getUpdates", json={"timeout": 5}))
    await asyncio.sleep(0.05)
    started = time.monotonic()
    emu.send_text(USER, "hi")
    body = await poll
    assert time.monotonic() - started < 2.0  # far below the 5 s poll timeout
    assert body["result"][0]["message"]["text"] == "hi"


async def test_second_poll_conflicts_first(emu: BotApiEmulator) -> None:
    """Two pollers at once: the older gets Telegram's 409 Conflict."""
    older = asyncio.create_task(call(emu, "getUpdates", expect=409, json={"timeout": 5}))
    await asyncio.sleep(0.05)
    await call(emu, "getUpdates", json={"timeout": 0})
    assert "terminated by other getUpdates request" in (await older)["description"]


async def test_webhook_blocks_polling(emu: BotApiEmulator) -> None:
    """With a webhook set, getUpdates is a 409 until deleteWebhook."""
    await call(emu, "setWebhook", json={"url": "https://example.org/hook"})
    info = await call(emu, "getWebhookInfo")
    assert info["result"]["url"] == "https://example.org/hook"
    await call(emu, "getUpdates", expect=409)
    emu.send_text(USER, "x")
    await call(emu, "deleteWebhook", data={"drop_pending_updates": "true"})
    assert (await call(emu, "getUpdates"))["result"] == []


async def test_files(emu: BotApiEmulator) -> None:
    """getFile + download returns the bytes; file_ids can be resent; unknown ones fail."""
    update = emu.send_photo(USER, b"JPEGDATA", caption="bukti")
    file_id = update["message"]["photo"][-1]["file_id"]
    path = (await call(emu, "getFile", json={"file_id": file_id}))["result"]["file_path"]
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{emu.url}/file/bot{TOKEN}/{path}") as response,
    ):
        assert await response.read() == b"JPEGDATA"
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{emu.url}/file/bot{TOKEN}/photos/nope.jpg") as response,
    ):
        assert response.status == 404
    await call(emu, "sendPhoto", json={"chat_id": USER, "photo": file_id, "caption": "<b>ok</b>"})
    assert emu.last_message(USER).photo is not None
    assert emu.last_message(USER).photo.data == b"JPEGDATA"  # type: ignore[union-attr]
    body = await call(emu, "sendPhoto", expect=400, json={"chat_id": USER, "photo": "bogus"})
    assert body["description"] == "Bad Request: wrong file identifier/HTTP URL specified"


async def test_voice_messages(emu: BotApiEmulator) -> None:
    update = emu.send_voice(USER, b"OggS", duration=2, caption="halo")
    voice = update["message"]["voice"]
    assert voice["duration"] == 2 and voice["mime_type"] == "audio/ogg"
    assert update["message"]["caption"] == "halo"
    await call(emu, "sendVoice", json={"chat_id": USER, "voice": voice["file_id"]})
    assert emu.last_message(USER).voice is not None
    assert emu.last_message(USER).voice.data == b"OggS"  # type: ignore[union-attr]
    body = await call(emu, "sendVoice", expect=400, json={"chat_id": USER, "voice": "bogus"})
    assert body["description"] == "Bad Request: wrong file identifier/HTTP URL specified"
    long_caption = {"chat_id": USER, "voice": voice["file_id"], "caption": "x" * 1025}
    body = await call(emu, "sendVoice", expect=400, json=long_caption)
    assert body["description"] == "Bad Request: message caption is too long"


async def test_buttons_need_exactly_one_action(emu: BotApiEmulator) -> None:
    """A text-only inline button and a button with two actions are both refused."""
    for button in ({"text": "x"}, {"text": "x", "callback_data": "a", "url": "https://x.org"}):
        markup = {"inline_keyboard": [[button]]}
        body = await call(
            emu, "sendMessage", expect=400, json={"chat_id": 1, "text": "t", "reply_markup": markup}
        )
        assert body["description"].startswith("Bad Request: can't parse inline keyboard button")


async def test_user_messages_and_deletes(emu: BotApiEmulator) -> None:
    """User messages share the id counter, cannot be edited, but can be deleted."""
    user_msg = emu.send_text(USER, "halo")["message"]["message_id"]
    edit = {"chat_id": USER, "message_id": user_msg, "text": "x"}
    body = await call(emu, "editMessageText", expect=400, json=edit)
    assert body["description"] == "Bad Request: message can't be edited"
    await call(emu, "deleteMessage", json={"chat_id": USER, "message_id": user_msg})
    body = await call(emu, "deleteMessage", expect=400, json={"chat_id": USER, "message_id": 50})
    assert body["description"] == "Bad Request: message to delete not found"


async def test_menu_button_and_reply_keyboard_remove(emu: BotApiEmulator) -> None:
    """setChatMenuButton is stored; remove_keyboard clears the chat's keyboard."""
    await call(emu, "setChatMenuButton", json={"menu_button": {"type": "commands"}})
    assert emu.menu_button() == {"type": "commands"}
    keyboard = {"keyboard": [[{"text": "Lokasi", "request_location": True}]]}
    await call(emu, "sendMessage", json={"chat_id": USER, "text": "k", "reply_markup": keyboard})
    update = emu.press_reply_button(USER, "Lokasi", latitude=-6.2, longitude=106.8)
    assert update["message"]["location"] == {"latitude": -6.2, "longitude": 106.8}
    remove = {"remove_keyboard": True}
    await call(emu, "sendMessage", json={"chat_id": USER, "text": "r", "reply_markup": remove})
    assert emu.reply_keyboard(USER) is None
    with pytest.raises(AssertionError, match="no reply keyboard"):
        emu.press_reply_button(USER, "Lokasi")


async def test_standalone_module_prints_url() -> None:
    """`python -m bot.devtools.emulator --port 0` starts and prints where it listens."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.devtools.emulator", "--port", "0", stdout=asyncio.subprocess.PIPE
    )
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), timeout=10)
        assert line.decode().startswith("Bot API emulator listening on http://127.0.0.1:")
    finally:
        process.terminate()
        await process.wait()


async def test_listener_and_unblock_on_user_message(emu: BotApiEmulator) -> None:
    """on_change sees sends and edits; a user writing to the bot has unblocked it."""
    seen: list[tuple[int, str, int]] = []
    unsubscribe = emu.on_change(lambda m: seen.append((m.message_id, m.text, m.edited)))
    sent = await call(emu, "sendMessage", json={"chat_id": USER, "text": "a"})
    edit = {"chat_id": USER, "message_id": sent["result"]["message_id"], "text": "b"}
    await call(emu, "editMessageText", json=edit)
    unsubscribe()
    await call(emu, "sendMessage", json={"chat_id": USER, "text": "c"})
    assert seen == [(1, "a", 0), (1, "b", 1)]
    emu.block(USER)
    await call(emu, "sendMessage", expect=403, json={"chat_id": USER, "text": "x"})
    emu.send_text(USER, "/start")
    await call(emu, "sendMessage", json={"chat_id": USER, "text": "welcome back"})
