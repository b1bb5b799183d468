"""A broadcast survives kill -9: the restarted bot finishes it and nobody gets it twice.

The bot runs as a real process against an emulator that enforces a global rate, the same the
bot is configured to with BROADCAST_RATE; the kill comes halfway through the village.
"""

from __future__ import annotations

import asyncio
import signal
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.devtools.emulator import BotApiEmulator, server
from bot.devtools.emulator.models import ApiError
from bot.devtools.emulator.params import Call
from bot.devtools.emulator.state import EmulatorState
from tests.conftest import open_storage
from tests.e2e.conftest import (
    MANAGER,
    eventually,
    label,
    part_of,
    register_users,
    seed,
    shown,
    start_manager,
)
from tests.e2e.test_restart import Bots

MARKER = "Pasar murah"


@dataclass(frozen=True)
class Village:
    """Who the announcement goes to, how fast, and when the bot is killed."""

    size: int
    blocked: int  # blocked the bot since they last wrote; the bot does not know yet
    rate: int  # messages a second, for the emulator's limit and the bot's BROADCAST_RATE

    @property
    def villagers(self) -> list[int]:
        """Their Telegram ids."""
        return [800001 + i for i in range(self.size)]

    @property
    def blocked_ids(self) -> set[int]:
        """Spread through the list, so some fall before the kill and some after."""
        step = self.size // self.blocked if self.blocked else 1
        return set(self.villagers[::step][: self.blocked])

    @property
    def answered_before_the_kill(self) -> int:
        """Halfway."""
        return self.size // 2


SMALL = Village(size=40, blocked=0, rate=10)
# The village: 500 people, 20 of whom blocked the bot.
LARGE = Village(size=500, blocked=20, rate=100)


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


@pytest.fixture(params=[SMALL, LARGE], ids=["40-villagers", "500-villagers-20-blocked"])
async def village(request: pytest.FixtureRequest) -> Village:
    """The village of this run."""
    chosen: Village = request.param
    return chosen


@pytest.fixture
async def limited_bots(
    village: Village, sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Bots]:
    """Bot processes sending at the village's rate, behind an emulator that allows just that."""
    monkeypatch.setenv("BROADCAST_RATE", str(village.rate))
    async with BotApiEmulator(global_rate_per_s=village.rate) as emu:
        register_users(emu)
        await seed(sqlite_url)
        await villagers_joined(sqlite_url, village)
        for user_id in village.blocked_ids:
            emu.block(user_id)
        bots = Bots(emu, sqlite_url, tmp_path)
        try:
            yield bots
        finally:
            await bots.kill_all()
            print(bots.outputs())  # shown by pytest when the test failed


async def villagers_joined(database_url: str, village: Village) -> None:
    """Villagers who joined Leping before."""
    async with open_storage(database_url) as store:
        center = await store.centers.by_code("LEPING")
        for n, user_id in enumerate(village.villagers):
            await store.users.seen(user_id, f"Warga {n}", telegram_language="id")
            await store.users.join_center(user_id, center.id)


async def settled(database_url: str, broadcast_id: int) -> int:
    """Deliveries the bot has recorded as over."""
    async with open_storage(database_url) as store:
        return (await store.broadcasts.tally(broadcast_id)).settled


async def test_a_broadcast_killed_halfway_resumes_and_reaches_everyone_once(
    village: Village, limited_bots: Bots, monkeypatch: pytest.MonkeyPatch
) -> None:
    bots, emu = limited_bots, limited_bots.emu
    halfway = village.answered_before_the_kill
    gate = AnnouncementGate(monkeypatch, halfway)
    first = await bots.start()
    await start_manager(emu)
    emu.send_text(MANAGER, "/broadcast")
    await emu.wait_for(MANAGER, contains=part_of("broadcast.ask"))
    emu.send_text(MANAGER, f"{MARKER} besok jam 8 di balai desa")
    prompt = await emu.wait_for(MANAGER, contains=part_of("broadcast.confirm", count=village.size))
    send = prompt.find_button(text=label("broadcast.send"))
    assert send is not None and send.callback_data is not None
    broadcast_id = int(send.callback_data.split(":")[1])
    emu.press(MANAGER, prompt.message_id, button_text=label("broadcast.send"))

    await asyncio.wait_for(gate.held.wait(), 30)

    async def answered_ones_recorded() -> bool | None:
        done = await settled(bots.database_url, broadcast_id)
        return True if done == halfway else None

    await eventually(answered_ones_recorded, "the answered sends to be recorded")
    first.proc.kill()
    assert await first.wait_exit() == -signal.SIGKILL
    gate.open = True
    gate.release.set()
    blocked_before_the_kill = len(village.blocked_ids & set(village.villagers[:halfway]))
    assert 0 < blocked_before_the_kill < village.blocked or not village.blocked
    assert sum(got(emu, village).values()) == halfway - blocked_before_the_kill

    await bots.start()
    report = await emu.wait_for(
        MANAGER,
        lambda m: m.message_id == prompt.message_id and part_of("broadcast.report") in m.text,
        after=0,
        timeout=30,
    )

    reachable = [v for v in village.villagers if v not in village.blocked_ids]
    assert got(emu, village) == Counter({v: 1 for v in reachable}), bots.outputs()
    figures = {"sent": len(reachable), "blocked": village.blocked, "failed": 0}
    assert report.text == shown("broadcast.report", **figures)
    assert emu.stats.rate_limited == 0  # never faster than the emulator allows
    assert " ERROR " not in bots.outputs(), bots.outputs()
    await assert_the_database_agrees(bots.database_url, broadcast_id, village)


async def assert_the_database_agrees(
    database_url: str, broadcast_id: int, village: Village
) -> None:
    """The stored figures are the report's, and the blocked are marked to be skipped."""
    async with open_storage(database_url) as store:
        tally = await store.broadcasts.tally(broadcast_id)
        blocked = [await store.users.get(v) for v in sorted(village.blocked_ids)]
    assert (tally.sent, tally.blocked, tally.failed, tally.pending) == (
        village.size - village.blocked,
        village.blocked,
        0,
        0,
    )
    assert all(user is not None and user.blocked_at is not None for user in blocked)


def got(emu: BotApiEmulator, village: Village) -> Counter[int]:
    """How many copies of the announcement each villager has."""
    return Counter(v for v in village.villagers for m in emu.messages(v) if MARKER in m.text)
