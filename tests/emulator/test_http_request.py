"""The bot's aiohttp transport against the emulator: texts, uploads, timeouts and errors."""

from __future__ import annotations

import socket

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import BadRequest, NetworkError, TimedOut

from bot.devtools.emulator import BotApiEmulator, Fault
from bot.transport.http_request import AiohttpRequest

from .conftest import TOKEN

USER = 444


def aiohttp_bot(base_url: str, request: AiohttpRequest | None = None) -> Bot:
    return Bot(TOKEN, base_url=f"{base_url}/bot", request=request or AiohttpRequest())


async def test_texts_with_buttons_and_non_latin_script_arrive_whole(emu: BotApiEmulator) -> None:
    emu.user(USER, "Siti")
    buttons = InlineKeyboardMarkup(
        [[InlineKeyboardButton("Pesan 🛒 & bayar", callback_data="add:7:1")]]
    )
    async with aiohttp_bot(emu.url) as bot:
        sent = await bot.send_message(
            USER,
            "<b>Beras</b> 5 kg · 大米 · Rp 75.000 &amp; ongkir",
            parse_mode="HTML",
            reply_markup=buttons,
            disable_notification=True,
        )
    [message] = emu.messages(USER)
    assert message.text == "Beras 5 kg · 大米 · Rp 75.000 & ongkir"
    assert message.button_texts() == ["Pesan 🛒 & bayar"]
    assert message.buttons[0][0].callback_data == "add:7:1"
    assert sent.message_id == message.message_id


async def test_a_photo_and_a_document_upload_as_multipart(emu: BotApiEmulator) -> None:
    emu.user(USER, "Siti")
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40
    csv = b"sku,name\nBRS-5,Beras 5 kg\n"
    async with aiohttp_bot(emu.url) as bot:
        await bot.send_photo(USER, InputFile(png, filename="poster.png"), caption="Poster")
        await bot.send_document(USER, InputFile(csv, filename="catalog.csv"), caption="Katalog")
    photo, document = emu.messages(USER)
    assert photo.photo is not None and photo.photo.data == png and photo.caption == "Poster"
    assert document.document is not None and document.document.data == csv
    assert document.document.filename == "catalog.csv"


async def test_telegrams_refusal_comes_back_as_ptbs_error(emu: BotApiEmulator) -> None:
    emu.user(USER, "Siti")
    async with aiohttp_bot(emu.url) as bot:
        with pytest.raises(BadRequest, match="not found"):
            await bot.edit_message_text("halo", chat_id=USER, message_id=999)


async def test_a_hang_past_the_read_timeout_is_a_timeout(emu: BotApiEmulator) -> None:
    emu.user(USER, "Siti")
    emu.faults.queue("sendmessage", Fault.hang(1.0, delivered=False))
    async with aiohttp_bot(emu.url, AiohttpRequest(read_timeout=0.3)) as bot:
        with pytest.raises(TimedOut):
            await bot.send_message(USER, "halo")
        await bot.send_message(USER, "lagi")  # the session serves on
    assert [m.text for m in emu.messages(USER)] == ["lagi"]


async def test_a_server_error_and_no_server_are_network_errors(emu: BotApiEmulator) -> None:
    emu.user(USER, "Siti")
    emu.faults.queue("sendmessage", Fault.server_error(502))
    async with aiohttp_bot(emu.url) as bot:
        with pytest.raises(NetworkError):
            await bot.send_message(USER, "halo")
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(NetworkError, match=r"aiohttp\.ClientConnectorError"):
        async with aiohttp_bot(f"http://127.0.0.1:{port}") as bot:  # getMe fails
            await bot.send_message(USER, "halo")


async def test_a_request_before_initialize_is_refused() -> None:
    request = AiohttpRequest()
    with pytest.raises(RuntimeError, match="not initialized"):
        await request.do_request("http://127.0.0.1:9/botX/getMe", "POST")


def test_the_environments_proxy_is_used_except_for_hosts_it_bypasses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("https_proxy", "http://proxy.desa:3128")
    monkeypatch.setenv("no_proxy", "localhost,127.0.0.1")
    request = AiohttpRequest()
    assert request._proxy_for("https://api.telegram.org/bot1/getMe") == "http://proxy.desa:3128"
    assert request._proxy_for("https://127.0.0.1:8081/bot1/getMe") is None
    assert request._proxy_for("http://api.telegram.org/bot1/getMe") is None  # no http proxy
