"""Desk tools: villagers mute and unmute announcements; the manager prints the center's poster."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from bot.devtools.emulator import BotApiEmulator, SentMessage
from tests.e2e.conftest import MANAGER, SITI, World, join, part_of, shown, start_manager

pytestmark = pytest.mark.usefixtures("no_errors_logged")

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
LINK = "https://t.me/kiosdesa_bot?start=LEPING"


async def command(emu: BotApiEmulator, user_id: int, text: str) -> SentMessage:
    """The user sends a command and gets the bot's reply."""
    emu.send_text(user_id, text)
    return await emu.wait_for(user_id)


async def is_muted(world: World, user_id: int) -> bool:
    """Whether the database has the user opted out of announcements."""
    async with world.database() as store:
        user = await store.users.get(user_id)
    assert user is not None
    return user.muted


async def test_villager_mutes_and_unmutes_announcements(world: World) -> None:
    emu = world.emu
    await join(emu, SITI)
    assert not await is_muted(world, SITI)

    assert (await command(emu, SITI, "/mute")).text == shown("announcements.muted")
    assert await is_muted(world, SITI)
    again = await command(emu, SITI, "/mute")
    assert again.text == shown("announcements.already_muted")
    assert "already muted" in again.text
    assert await is_muted(world, SITI)

    assert (await command(emu, SITI, "/unmute")).text == shown("announcements.unmuted")
    assert not await is_muted(world, SITI)
    again = await command(emu, SITI, "/unmute")
    assert again.text == shown("announcements.already_unmuted")
    assert not await is_muted(world, SITI)


async def test_manager_receives_a_printable_poster_of_the_center(world: World) -> None:
    emu = world.emu
    await start_manager(emu)

    emu.send_text(MANAGER, "/poster")
    sent = await emu.wait_for(MANAGER, lambda m: m.document is not None)

    assert sent.document is not None
    assert sent.document.filename == "poster-LEPING.png"
    assert sent.document.data.startswith(PNG_MAGIC)
    assert Image.open(io.BytesIO(sent.document.data)).size == (1240, 1754)
    assert sent.caption is not None
    assert "Kios Desa Leping" in sent.caption and LINK in sent.caption


async def test_a_villager_cannot_get_the_poster(world: World) -> None:
    emu = world.emu
    await join(emu, SITI)

    refusal = await command(emu, SITI, "/poster")

    assert part_of("common.unknown_command", command="/poster") in refusal.text
    assert all(m.document is None and m.photo is None for m in emu.messages(SITI))
