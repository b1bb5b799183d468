"""Planned failures reach PTB as a real Telegram's would: 5xx, timeouts, 429 with retry_after."""

from __future__ import annotations

import asyncio
import logging

import pytest
from telegram import Bot
from telegram.error import NetworkError, RetryAfter, TimedOut
from telegram.request import HTTPXRequest

from bot.devtools.emulator import BotApiEmulator, Fault, FaultKind

from .conftest import TOKEN

USER = 333


async def test_queued_server_errors_are_spent_one_call_each(emu: BotApiEmulator, bot: Bot) -> None:
    emu.user(USER, "Siti")
    emu.faults.queue("sendMessage", Fault.server_error(), Fault.server_error(502))
    for _ in range(2):
        with pytest.raises(NetworkError):
            await bot.send_message(USER, "halo")
    assert emu.messages(USER) == []
    await bot.send_message(USER, "halo")
    assert [m.text for m in emu.messages(USER)] == ["halo"]
    assert emu.faults.counts() == {FaultKind.SERVER_ERROR: 2}
    assert not emu.faults.pending


async def test_a_flood_stretch_names_the_seconds_left_and_spares_other_chats(
    emu: BotApiEmulator, bot: Bot
) -> None:
    emu.user(USER, "Siti")
    emu.user(USER + 1, "Budi")
    emu.faults.stretch("sendmessage", Fault.flood(), seconds=30, chat_id=USER)
    with pytest.raises(RetryAfter) as refused:
        await bot.send_message(USER, "halo")
    assert "retry after 30" in emu.errors[-1].description
    assert emu.errors[-1].error_code == 429 and refused.type is RetryAfter
    await bot.send_message(USER + 1, "halo")
    assert emu.messages(USER) == [] and len(emu.messages(USER + 1)) == 1
    emu.faults.clear()
    await bot.send_message(USER, "halo")
    assert len(emu.messages(USER)) == 1


@pytest.mark.parametrize("delivered", [False, True], ids=["lost", "delivered"])
async def test_a_hang_past_the_timeout_is_a_timeout_whether_or_not_it_was_delivered(
    emu: BotApiEmulator, delivered: bool
) -> None:
    emu.user(USER, "Siti")
    emu.faults.queue("sendmessage", Fault.hang(1.0, delivered=delivered))
    request = HTTPXRequest(read_timeout=0.3)
    async with Bot(TOKEN, base_url=f"{emu.url}/bot", request=request) as bot:
        with pytest.raises(TimedOut):
            await bot.send_message(USER, "halo")
    assert len(emu.messages(USER)) == (1 if delivered else 0)


async def test_a_caller_killed_mid_request_is_not_an_emulator_failure(
    emu: BotApiEmulator, bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    emu.user(USER, "Siti")
    host, port = emu.url.removeprefix("http://").split(":")
    _reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(
        f"POST /bot{TOKEN}/sendMessage HTTP/1.1\r\nHost: {host}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 500\r\n\r\n"
        f"chat_id={USER}&text=ha".encode()
    )
    await writer.drain()
    await asyncio.sleep(0.1)
    writer.transport.abort()  # like kill -9: the rest of the body never comes
    await asyncio.sleep(0.1)
    await bot.send_message(USER, "halo")  # the emulator serves on
    assert [m.text for m in emu.messages(USER)] == ["halo"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
