"""Two `kiosdesa run` processes on one PostgreSQL database and two bots: each bot is served by
exactly one process, and after kill -9 of one, the other serves its bot too, sending nothing
twice. Run with `-s` to see the measured takeover time."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.devtools.emulator import BotApiEmulator, EmulatedBot
from storage import Storage
from tests.conftest import open_storage
from tests.e2e.conftest import (
    MANAGER,
    SITI,
    TOKEN,
    UNLIMITED_CHAT_RATE,
    eventually,
    seed,
)
from tests.e2e.test_two_bots import (
    BUDI,
    DEFAULT_USERNAME,
    KLATEN_TOKEN,
    KLATEN_USERNAME,
    MANAGER_B,
    order_at,
    seed_klaten,
)

ROOT = Path(__file__).parents[2]
# Short leases keep the test short: a killed process's bot answers again within about 4 s.
LEASE_TTL_S = 3
# A cold start imports PTB, SQLAlchemy and Alembic and migrates: allow for a slow machine.
START_TIMEOUT_S = 30.0
# Telegram's answer to a second getUpdates while one is open: two processes polled one bot.
TWO_POLLERS = "terminated by other getUpdates request"


@dataclass
class Process:
    """One `kiosdesa run` and the file its log goes to."""

    proc: asyncio.subprocess.Process
    log: Path

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@dataclass
class Deployment:
    """Two bots on one emulator, one PostgreSQL database, two processes serving them."""

    emu: BotApiEmulator
    default: EmulatedBot
    klaten: EmulatedBot
    database_url: str
    processes: list[Process]
    tmp_path: Path

    async def start_process(self, *options: str) -> Process:
        """Start one more `kiosdesa run` (with `options`) on the same database."""
        env = {
            **os.environ,
            "BOT_TOKEN": TOKEN,
            "DATABASE_URL": self.database_url,
            "TELEGRAM_API_URL": self.emu.url,
            "LEASE_TTL": str(LEASE_TTL_S),
            "OUTBOX_CHAT_RATE": str(UNLIMITED_CHAT_RATE),
            "PYTHONPATH": str(ROOT),
            "PYTHONUNBUFFERED": "1",
        }
        log = self.tmp_path / f"kiosdesa-{len(self.processes) + 1}.log"
        with log.open("wb") as out:
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot.cli", "run", *options, env=env, stdout=out, stderr=out
            )
        process = Process(proc, log)
        self.processes.append(process)
        return process

    async def holders(self) -> dict[int, int]:
        """Each bot's holder, by the operating system's process id."""
        async with open_storage(self.database_url) as store:
            held = await store.leases.holders()
            async with store.db.read() as conn:
                rows = (await conn.exec_driver_sql("SELECT id, pid FROM processes")).all()
        pids = {row.id: row.pid for row in rows}
        return {bot: pids[holder] for bot, holder in held.items()}


@pytest.fixture
async def deployment(postgres_url: str, tmp_path: Path) -> AsyncIterator[Deployment]:
    async with BotApiEmulator() as emu:
        default = emu.add_bot(TOKEN, username=DEFAULT_USERNAME, name="Kios Desa")
        klaten = emu.add_bot(KLATEN_TOKEN, username=KLATEN_USERNAME, name="Kios Klaten")
        for user, name in ((MANAGER, "Pak Joko"), (SITI, "Siti"), (BUDI, "Budi")):
            emu.user(user, name, language_code="en")
        emu.user(MANAGER_B, "Bu Sri", language_code="en")
        await seed(postgres_url)
        await seed_klaten(postgres_url)
        running = Deployment(emu, default, klaten, postgres_url, [], tmp_path)
        try:
            yield running
        finally:
            for process in running.processes:
                if process.proc.returncode is None:
                    process.proc.kill()
                    await process.proc.wait()


async def spread_over(deployment: Deployment, pids: set[int]) -> dict[int, int] | None:
    """The holders once the two bots are held by two different processes of `pids`."""
    holders = await deployment.holders()
    spread = len(holders) == 2 and set(holders.values()) == pids
    return holders if spread else None


async def serving_as_leased(default_holder: Process, klaten_holder: Process) -> bool | None:
    """True once each process's log says it serves its leased bot and not the other."""
    serving = (
        served_by(default_holder, DEFAULT_USERNAME)
        and served_by(klaten_holder, KLATEN_USERNAME)
        and not served_by(default_holder, KLATEN_USERNAME)
        and not served_by(klaten_holder, DEFAULT_USERNAME)
    )
    return True if serving else None


def served_by(process: Process, username: str) -> bool:
    """Whether the process's log says it serves this bot now (its last word on it)."""
    lines = [line for line in process.output().splitlines() if f"serving @{username}" in line]
    return bool(lines) and "no longer" not in lines[-1]


async def test_two_processes_share_two_bots_and_one_takes_over_after_kill_9(
    deployment: Deployment,
) -> None:
    default, klaten = deployment.default, deployment.klaten
    first = await deployment.start_process()
    default.send_text(SITI, "/start LEPING")
    await default.wait_for(SITI, contains="Kios Desa Leping", timeout=START_TIMEOUT_S)
    second = await deployment.start_process()
    pids = {first.proc.pid, second.proc.pid}
    holders = await eventually(
        lambda: spread_over(deployment, pids), "one bot for each process", START_TIMEOUT_S
    )
    by_pid = {first.proc.pid: first, second.proc.pid: second}
    default_holder = by_pid[holders[default.id]]
    klaten_holder = by_pid[holders[klaten.id]]
    # Each bot is served by one process: the one its lease names, and the other says so too.
    await eventually(
        lambda: serving_as_leased(default_holder, klaten_holder), "each serving its bot"
    )
    klaten.send_text(BUDI, "/start KLATEN")
    await klaten.wait_for(BUDI, contains="Kios Klaten", timeout=START_TIMEOUT_S)
    await order_at(default, SITI, "LEPING", "Kios Desa Leping")
    await default.wait_for(MANAGER, contains="Siti")  # the order's card, from the outbox
    async with open_storage(deployment.database_url) as store:
        await eventually(lambda: _all_sent(store), "every outbox message sent", START_TIMEOUT_S)
    before_kill = {user: texts(default, user) for user in (SITI, MANAGER)}

    default_holder.proc.kill()  # SIGKILL: no clean-up, its lease runs out by itself
    await default_holder.proc.wait()
    killed_at = time.monotonic()
    default.send_text(SITI, "/orders")
    await default.wait_for(SITI, contains="#", timeout=START_TIMEOUT_S)
    takeover_s = time.monotonic() - killed_at
    print(f"\ntakeover after kill -9 with LEASE_TTL={LEASE_TTL_S}: answered in {takeover_s:.1f} s")

    survivor = klaten_holder
    assert set((await deployment.holders()).values()) == {survivor.proc.pid}
    klaten.send_text(BUDI, "/help")  # the survivor's own bot still answers
    await klaten.wait_for(BUDI, timeout=START_TIMEOUT_S)
    # Nothing sent twice: the chats hold what they held, and the new answer.
    assert texts(default, MANAGER) == before_kill[MANAGER]
    assert texts(default, SITI)[: len(before_kill[SITI])] == before_kill[SITI]
    assert len(texts(default, SITI)) == len(before_kill[SITI]) + 1
    # The new holder sends the outbox too: a second order's card reaches the manager, once.
    submitted = await order_at(default, SITI, "LEPING", "Kios Desa Leping")
    number = submitted.text.split("#", 1)[1].split()[0].strip(".,")
    await default.wait_for(MANAGER, contains=f"#{number}")
    async with open_storage(deployment.database_url) as store:
        await eventually(lambda: _all_sent(store), "every outbox message sent", START_TIMEOUT_S)
    new_for_manager = texts(default, MANAGER)[len(before_kill[MANAGER]) :]
    assert len(new_for_manager) == 1 and f"#{number}" in new_for_manager[0]
    async with open_storage(deployment.database_url) as store:
        assert await store.outbox.possible_duplicates() == []
    for bot in (default, klaten):  # never two processes polling one bot at once
        assert not [e for e in bot.errors if TWO_POLLERS in e.description]
    survivor.proc.send_signal(signal.SIGTERM)
    code = await asyncio.wait_for(survivor.proc.wait(), START_TIMEOUT_S)
    output = survivor.output()
    assert code == 0, output
    assert "Traceback" not in output, output


async def _all_sent(store: Storage) -> bool | None:
    """True once no outbox message waits."""
    counts = await store.outbox.counts()
    return True if not counts.get("pending") else None


def texts(bot: EmulatedBot, chat_id: int) -> list[str]:
    """What the bot wrote in the chat, in order."""
    return [m.text for m in bot.messages(chat_id)]
