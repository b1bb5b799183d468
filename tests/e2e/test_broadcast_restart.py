"""A broadcast survives kill -9: the restarted bot finishes it and nobody gets it twice.

The bot runs as a real process against an emulator that enforces a global rate (10 a second,
as configured with BROADCAST_RATE), so forty villagers take a few seconds.
"""

from __future__ import annotations

import asyncio
import signal
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.emulator import BotApiEmulator, server
from bot.emulator.models import ApiError
from bot.emulator.params import Call
from bot.emulator.state import EmulatorState
from storage import Storage
from tests.e2e.conftest import MANAGER, eventually, register_users, seed, start_manager
from tests.e2e.test_restart import Bots

RATE = 10
VILLAGERS = [800001 + i for i in range(40)]
ANSWERED_BEFORE_THE_KILL = 20
MARKER = "Pasar murah"


class AnnouncementGate:
    """Lets the first announcements reach villagers, then holds later ones unanswered.

    A held send never reaches the chat: it stands for a request in flight when the bot was
    killed. (A kill between Telegram's answer and the bot's record of it, a window of a few
    milliseconds, would resend that one message; this test kills outside it on purpose.)
    """

    def __init__(self, monkeypatch: pytest.MonkeyPatch, allowed: int) -> None:
        self.allowed = allowed
        self.passed = 0
        self.open = False
        self.held = asyncio.Event()
        self.release = asyncio.Event()
        self._original = server.METHODS["sendmessage"]
        monkeypatch.setitem(server.METHODS, "sendmessage", self._send_message)

    async def _send_message(self, state: EmulatorState, call: Call) -> Any:
        to_villager = str(call.raw("chat_id")) != str(MANAGER)  # not the manager's preview
        if to_villager and MARKER in (call.str_opt("text") or ""):
            if not self.open and self.passed >= self.allowed:
                self.held.set()
                await self.release.wait()
                raise ApiError(502, "Bad Gateway")  # its caller is dead by now
            self.passed += 1
        return await self._original(state, call)


@pytest.fixture
async def limited_bots(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Bots]:
    """Bot processes sending at RATE a second, behind an emulator that allows just that."""
    monkeypatch.setenv("BROADCAST_RATE", str(RATE))
    async with BotApiEmulator(global_rate_per_s=RATE) as emu:
        register_users(emu)
        await seed(sqlite_url)
        await forty_villagers(sqlite_url)
        bots = Bots(emu, sqlite_url, tmp_path)
        try:
            yield bots
        finally:
            await bots.kill_all()
            print(bots.outputs())  # shown by pytest when the test failed


async def forty_villagers(database_url: str) -> None:
    """Villagers who joined Leping before."""
    store = await Storage.open(database_url)
    try:
        center = await store.centers.by_code("LEPING")
        for n, user_id in enumerate(VILLAGERS):
            await store.users.seen(user_id, f"Warga {n}", telegram_language="id")
            await store.users.join_center(user_id, center.id)
    finally:
        await store.close()


async def settled(database_url: str, broadcast_id: int) -> int:
    """Deliveries the bot has recorded as over."""
    store = await Storage.open(database_url)
    try:
        return (await store.broadcasts.tally(broadcast_id)).settled
    finally:
        await store.close()


async def test_a_broadcast_killed_halfway_resumes_and_reaches_everyone_once(
    limited_bots: Bots, monkeypatch: pytest.MonkeyPatch
) -> None:
    bots, emu = limited_bots, limited_bots.emu
    gate = AnnouncementGate(monkeypatch, ANSWERED_BEFORE_THE_KILL)
    first = await bots.start()
    await start_manager(emu)
    emu.send_text(MANAGER, "/broadcast")
    await emu.wait_for(MANAGER, contains="Write the announcement")
    emu.send_text(MANAGER, f"{MARKER} besok jam 8 di balai desa")
    prompt = await emu.wait_for(MANAGER, contains="Recipients: 40")
    send = prompt.find_button(text="📣 Send")
    assert send is not None and send.callback_data is not None
    broadcast_id = int(send.callback_data.split(":")[1])
    emu.press(MANAGER, prompt.message_id, button_text="📣 Send")

    await asyncio.wait_for(gate.held.wait(), 15)

    async def answered_ones_recorded() -> bool | None:
        done = await settled(bots.database_url, broadcast_id)
        return True if done == ANSWERED_BEFORE_THE_KILL else None

    await eventually(answered_ones_recorded, "the answered sends to be recorded")
    first.proc.kill()
    assert await first.wait_exit() == -signal.SIGKILL
    gate.open = True
    gate.release.set()
    assert sum(got(emu).values()) == ANSWERED_BEFORE_THE_KILL

    await bots.start()
    report = await emu.wait_for(
        MANAGER,
        lambda m: m.message_id == prompt.message_id and "Announcement sent" in m.text,
        after=0,
        timeout=20,
    )

    assert got(emu) == Counter({v: 1 for v in VILLAGERS}), bots.outputs()
    assert "Sent: 40" in report.text and "Failed: 0" in report.text
    assert emu.stats.rate_limited == 0  # never faster than the emulator's 10 a second
    assert " ERROR " not in bots.outputs(), bots.outputs()


def got(emu: BotApiEmulator) -> Counter[int]:
    """How many copies of the announcement each villager has."""
    return Counter(v for v in VILLAGERS for m in emu.messages(v) if MARKER in m.text)
