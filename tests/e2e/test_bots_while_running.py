"""A bot added with `kiosdesa bot add` while `kiosdesa run` runs answers without a restart; one
removed with `kiosdesa bot remove` stops: its polling ends and it asks Telegram for nothing more.

On SQLite the one process reads the bots table every few seconds; on PostgreSQL every lease
round, and the lease keeper shares the new bot and gives the removed one's lease back.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa

import bot.runner
from bot.devtools.emulator import BotApiEmulator, EmulatedBot, Fault, FaultKind
from storage.db import Database
from storage.schema import user_data
from tests.conftest import open_storage
from tests.e2e.conftest import BUDI, SITI, TOKEN, eventually, world_on
from tests.e2e.test_two_bots import DEFAULT_USERNAME, KLATEN_TOKEN, KLATEN_USERNAME, ROOT

pytestmark = pytest.mark.usefixtures("no_errors_logged")

# Leases of 3 s: the keeper's rounds, and so its reads of the bots table, come every second.
LEASE_TTL_S = 3.0
# SQLite's reads of the bots table, shortened as the leases are.
ROSTER_POLL_S = 1.0
ANSWER_TIMEOUT_S = 20.0


@pytest.fixture
async def two_bots_emulated() -> AsyncIterator[tuple[BotApiEmulator, EmulatedBot, EmulatedBot]]:
    async with BotApiEmulator() as emu:
        default = emu.add_bot(TOKEN, username=DEFAULT_USERNAME, name="Kios Desa")
        klaten = emu.add_bot(KLATEN_TOKEN, username=KLATEN_USERNAME, name="Kios Klaten")
        for user, name in ((SITI, "Siti"), (BUDI, "Budi")):
            emu.user(user, name, language_code="en")
        yield emu, default, klaten


async def kiosdesa_bot(emu: BotApiEmulator, database_url: str, *args: str, stdin: str = "") -> str:
    """`kiosdesa bot ...` as the operator runs it, in a process of its own; what it printed."""
    env = {
        **os.environ,
        "BOT_TOKEN": TOKEN,
        "DATABASE_URL": database_url,
        "TELEGRAM_API_URL": emu.url,
        "PYTHONPATH": str(ROOT),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "bot",
        *args,
        env=env,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(stdin.encode()), 60)
    assert process.returncode == 0, err.decode()
    return out.decode()


async def test_a_bot_added_while_running_answers_and_a_removed_one_stops(
    two_bots_emulated: tuple[BotApiEmulator, EmulatedBot, EmulatedBot],
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    emu, default, klaten = two_bots_emulated
    monkeypatch.setattr(bot.runner, "ROSTER_POLL_S", ROSTER_POLL_S)
    caplog.set_level(logging.INFO)
    async with world_on(emu, database_url, lease_ttl_s=LEASE_TTL_S):
        default.send_text(SITI, "/start LEPING")
        await default.wait_for(SITI, contains="Kios Desa Leping", timeout=ANSWER_TIMEOUT_S)
        assert klaten.state.updates.poll_generation == 0  # not served: nobody added it yet

        added = await kiosdesa_bot(emu, database_url, "add", "klaten", stdin=KLATEN_TOKEN + "\n")
        assert f"@{KLATEN_USERNAME}" in added
        klaten.send_text(BUDI, "/start")
        await klaten.wait_for(BUDI, timeout=ANSWER_TIMEOUT_S)

        await kiosdesa_bot(emu, database_url, "remove", "klaten")
        await eventually(lambda: _said(caplog, f"no longer serving @{KLATEN_USERNAME}"), "stop")
        polls = klaten.state.updates.poll_generation
        klaten.send_text(BUDI, "/help")
        default.send_text(SITI, "/help")  # the process still serves its default bot
        await default.wait_for(SITI, timeout=ANSWER_TIMEOUT_S)
        assert klaten.state.updates.poll_generation == polls  # no getUpdates since it stopped
        assert len(klaten.state.updates) == 1  # Budi's /help waits, never fetched
        assert len(klaten.messages(BUDI)) == 1  # only the answer to /start


async def test_a_bot_added_while_telegram_fails_it_starts_later_and_the_others_keep_answering(
    two_bots_emulated: tuple[BotApiEmulator, EmulatedBot, EmulatedBot],
    sqlite_url: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    emu, default, klaten = two_bots_emulated
    monkeypatch.setattr(bot.runner, "ROSTER_POLL_S", ROSTER_POLL_S)
    caplog.set_level(logging.INFO)
    # Telegram answers the new bot's getMe, then fails the first call of its first two starts.
    klaten.faults.queue("setmycommands", Fault.server_error(), Fault.server_error())
    async with world_on(emu, sqlite_url):
        default.send_text(SITI, "/start LEPING")
        await default.wait_for(SITI, contains="Kios Desa Leping", timeout=ANSWER_TIMEOUT_S)

        await kiosdesa_bot(emu, sqlite_url, "add", "klaten", stdin=KLATEN_TOKEN + "\n")
        await eventually(lambda: _refused(klaten), "the new bot's start refused")
        default.send_text(SITI, "/help")  # the process still serves its default bot
        await default.wait_for(SITI, timeout=ANSWER_TIMEOUT_S)
        assert _said_now(caplog, f"bot @{KLATEN_USERNAME} not started, trying again")

        klaten.send_text(BUDI, "/start")  # answered once Telegram takes its calls again
        await klaten.wait_for(BUDI, timeout=ANSWER_TIMEOUT_S)
        assert klaten.faults.counts()[FaultKind.SERVER_ERROR] == 2
        assert not klaten.faults.pending
        ours = [r.getMessage() for r in caplog.records if r.name.startswith("bot.")]
        assert not any(KLATEN_TOKEN in line for line in ours)


async def test_a_bot_added_whose_dialogs_cannot_be_read_is_logged_by_name_and_served_once_they_can(
    two_bots_emulated: tuple[BotApiEmulator, EmulatedBot, EmulatedBot],
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    emu, default, klaten = two_bots_emulated
    monkeypatch.setattr(bot.runner, "ROSTER_POLL_S", ROSTER_POLL_S)
    caplog.set_level(logging.INFO)
    async with world_on(emu, database_url, lease_ttl_s=LEASE_TTL_S):
        default.send_text(SITI, "/start LEPING")
        await default.wait_for(SITI, contains="Kios Desa Leping", timeout=ANSWER_TIMEOUT_S)
        async with open_storage(database_url) as store:  # the new bot's dialogs, damaged
            await _set_dialog(store.db, klaten.id, "{damaged")

            await kiosdesa_bot(emu, database_url, "add", "klaten", stdin=KLATEN_TOKEN + "\n")
            await eventually(lambda: _said(caplog, "bot klaten not started, trying again"), "log")
            ours = [r.getMessage() for r in caplog.records if r.name.startswith("bot.")]
            assert not any(KLATEN_TOKEN in line for line in ours)

            await _set_dialog(store.db, klaten.id, None)  # repaired
        klaten.send_text(BUDI, "/start")
        await klaten.wait_for(BUDI, timeout=ANSWER_TIMEOUT_S)


async def _set_dialog(db: Database, bot_id: int, data: str | None) -> None:
    """Store Budi's dialog data with the bot as it is, or delete it (None)."""
    async with db.write() as conn:
        mine = (user_data.c.user_id == BUDI) & (user_data.c.bot_id == bot_id)
        await conn.execute(sa.delete(user_data).where(mine))
        if data is not None:
            await conn.execute(sa.insert(user_data).values(user_id=BUDI, bot_id=bot_id, data=data))


async def _said(caplog: pytest.LogCaptureFixture, text: str) -> bool | None:
    """True once a log line holds `text`."""
    return True if _said_now(caplog, text) else None


def _said_now(caplog: pytest.LogCaptureFixture, text: str) -> bool:
    """Whether a log line holds `text`."""
    return any(text in record.getMessage() for record in caplog.records)


async def _refused(bot: EmulatedBot) -> bool | None:
    """True once the emulator failed one of the bot's calls."""
    return True if bot.faults.injected else None
