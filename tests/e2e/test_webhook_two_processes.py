"""Webhook mode with two `kiosdesa run` processes on one PostgreSQL database: Telegram posts a
bot's update to the process that does not hold the bot, which stores it in the inbox; the
holder finds it there and answers, once."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.devtools.emulator import BotApiEmulator, EmulatedBot
from tests.conftest import open_storage
from tests.e2e.conftest import MANAGER, SITI, TOKEN, UNLIMITED_CHAT_RATE, eventually, seed
from tests.e2e.test_two_bots import DEFAULT_USERNAME
from tests.e2e.test_two_processes import LEASE_TTL_S, ROOT, START_TIMEOUT_S, Process
from tests.e2e.test_webhook_mode import PUBLIC, free_port


@dataclass
class WebhookDeployment:
    """One bot on the emulator, one PostgreSQL database, processes in webhook mode."""

    emu: BotApiEmulator
    bot: EmulatedBot
    database_url: str
    tmp_path: Path
    processes: list[Process] = field(default_factory=list)

    async def start_process(self, port: int) -> Process:
        """Start one more `kiosdesa run --webhook` on the same database, listening on `port`."""
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
        command = ["run", "--webhook", PUBLIC, "--listen", f"127.0.0.1:{port}"]
        log = self.tmp_path / f"kiosdesa-{len(self.processes) + 1}.log"
        with log.open("wb") as out:
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot.cli", *command, env=env, stdout=out, stderr=out
            )
        process = Process(proc, log)
        self.processes.append(process)
        return process

    async def holder_pid(self) -> int | None:
        """The operating system's id of the process holding the bot's lease, if any."""
        async with open_storage(self.database_url) as store:
            held = await store.leases.holders()
            async with store.db.read() as conn:
                rows = (await conn.exec_driver_sql("SELECT id, pid FROM processes")).all()
        pids = {row.id: row.pid for row in rows}
        holder = held.get(self.bot.id)
        return None if holder is None else int(pids[holder])


@pytest.fixture
async def deployment(postgres_url: str, tmp_path: Path) -> AsyncIterator[WebhookDeployment]:
    async with BotApiEmulator() as emu:
        bot = emu.add_bot(TOKEN, username=DEFAULT_USERNAME, name="Kios Desa")
        for user, name in ((MANAGER, "Pak Joko"), (SITI, "Siti")):
            emu.user(user, name, language_code="en")
        await seed(postgres_url)
        running = WebhookDeployment(emu, bot, postgres_url, tmp_path)
        try:
            yield running
        finally:
            for process in running.processes:
                if process.proc.returncode is None:
                    process.proc.kill()
                    await process.proc.wait()


async def logged(process: Process, words: str) -> bool | None:
    """True once the process's log holds `words`."""
    return True if words in process.output() else None


async def test_an_update_posted_to_the_other_process_is_answered_by_the_holder(
    deployment: WebhookDeployment,
) -> None:
    holder_port, other_port = free_port(), free_port()
    # Telegram's posts reach the process that does not hold the bot, through the proxy.
    deployment.emu.route_webhook("https://kios.example/", f"http://127.0.0.1:{other_port}/")
    holder = await deployment.start_process(holder_port)
    serving = f"serving @{DEFAULT_USERNAME}"
    await eventually(lambda: logged(holder, serving), "the bot served", START_TIMEOUT_S)
    other = await deployment.start_process(other_port)
    # Its webhook server listens before it joins the others in sharing the bots.
    await eventually(lambda: logged(other, "sharing"), "the other process up", START_TIMEOUT_S)
    assert await deployment.holder_pid() == holder.proc.pid
    assert deployment.bot.webhook.url.startswith(PUBLIC)

    deployment.bot.send_text(SITI, "/start LEPING")
    await deployment.bot.wait_for(SITI, contains="Kios Desa Leping", timeout=START_TIMEOUT_S)
    assert deployment.bot.stats.webhook_posts == 1  # posted to the other process, once
    assert await deployment.holder_pid() == holder.proc.pid  # still the holder's bot
    assert serving not in other.output()  # the other process never served the bot
    async with open_storage(deployment.database_url) as store:
        assert await store.inbox.unhandled(deployment.bot.id) == []
    for process in (holder, other):
        process.proc.send_signal(signal.SIGTERM)
    for process in (holder, other):
        assert await asyncio.wait_for(process.proc.wait(), START_TIMEOUT_S) == 0
