"""The running bot's log: one line an event, quiet by default, LOG_LEVEL to change it."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

import pytest

from bot.devtools.emulator import BotApiEmulator, Fault
from storage.revision import head_revision
from tests.test_cli import Kiosdesa

TOKEN = "123456:AAHdq-the-secret-part-of-the-token"
SECRET = "the-secret-part-of-the-token"
VILLAGER = 7001
RUNNING = "INFO bot.runner: Kios Desa is running as @kiosdesa_bot"
# What the libraries say at INFO on their own, and PTB's advice to developers.
CHATTER = ("apscheduler", "alembic", "httpx", "HTTP Request", "PTBUserWarning", "per_message")


async def run_for_a_while(kiosdesa: Kiosdesa, telegram: BotApiEmulator, **env: str) -> list[str]:
    """`kiosdesa run` serving one villager for a few seconds; its log, without the times."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "run",
        cwd=kiosdesa.workdir,
        env={**kiosdesa.env, "BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": telegram.url, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    telegram.user(VILLAGER, "Siti", language_code="id")
    telegram.send_text(VILLAGER, "/start")
    await telegram.wait_for(VILLAGER, timeout=60)
    # The job queue's first runs come one and two seconds after the start.
    await asyncio.sleep(3)
    process.send_signal(signal.SIGINT)
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, err.decode()
    assert out == b""
    # "2026-12-04 23:12:05,407 INFO bot.runner: ..." without its date and time.
    return [line.split(" ", 2)[2] for line in err.decode().splitlines()]


async def test_a_fresh_start_logs_the_upgrade_the_start_and_the_stop_only(tmp_path: Path) -> None:
    kiosdesa = Kiosdesa(tmp_path, f"sqlite:///{tmp_path / 'k.db'}")
    async with BotApiEmulator(token=TOKEN) as telegram:
        first = await run_for_a_while(kiosdesa, telegram)
        again = await run_for_a_while(kiosdesa, telegram)

    assert first == [
        f"INFO bot.runner: database upgraded from empty to {head_revision()}",
        RUNNING,
        "INFO bot.runner: stopping",
    ]
    # Nothing to migrate the second time: not a word of it.
    assert again == [RUNNING, "INFO bot.runner: stopping"]
    assert not [line for line in first + again if any(word in line for word in CHATTER)]


async def test_log_level_warning_keeps_a_quiet_bot_silent(tmp_path: Path) -> None:
    kiosdesa = Kiosdesa(tmp_path, f"sqlite:///{tmp_path / 'k.db'}")
    async with BotApiEmulator(token=TOKEN) as telegram:
        assert await run_for_a_while(kiosdesa, telegram, LOG_LEVEL="warning") == []


async def test_log_level_debug_shows_the_libraries_too_with_the_token_masked(
    tmp_path: Path,
) -> None:
    kiosdesa = Kiosdesa(tmp_path, f"sqlite:///{tmp_path / 'k.db'}")
    async with BotApiEmulator(token=TOKEN) as telegram:
        lines = await run_for_a_while(kiosdesa, telegram, LOG_LEVEL="DEBUG")

    assert [line for line in lines if line.startswith("INFO apscheduler")]
    assert [line for line in lines if "bot123456:***" in line]
    assert not [line for line in lines if SECRET in line]


@pytest.mark.parametrize("level", ["LOUD", "3"])
def test_an_unknown_log_level_is_one_line(tmp_path: Path, level: str) -> None:
    kiosdesa = Kiosdesa(tmp_path, f"sqlite:///{tmp_path / 'k.db'}")

    done = kiosdesa("run", BOT_TOKEN=TOKEN, LOG_LEVEL=level)

    assert done.returncode == 2
    assert done.stderr == (
        f"kiosdesa: LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL, got '{level}'\n"
    )


async def test_a_failed_poll_is_one_warning_line_not_a_traceback(tmp_path: Path) -> None:
    kiosdesa = Kiosdesa(tmp_path, f"sqlite:///{tmp_path / 'k.db'}")
    async with BotApiEmulator(token=TOKEN) as telegram:
        telegram.faults.queue("getupdates", Fault.server_error(502))
        lines = await run_for_a_while(kiosdesa, telegram)

    _upgraded, running, failed, stopping = lines
    assert (running, stopping) == (RUNNING, "INFO bot.runner: stopping")
    assert failed.startswith("WARNING bot.runner: cannot get updates from Telegram, retrying: ")


async def test_a_manager_and_an_operator_who_have_not_opened_the_bot_are_no_warning(
    tmp_path: Path,
) -> None:
    kiosdesa = Kiosdesa(tmp_path, f"sqlite:///{tmp_path / 'k.db'}")
    kiosdesa.ok("center", "add", "LEPING", "--name", "Kios Leping", "--manager", "11111111")
    async with BotApiEmulator(token=TOKEN) as telegram:
        lines = await run_for_a_while(kiosdesa, telegram, ADMIN_IDS="33333333")

    # Their menus are set when they send /start; kiosdesa doctor says who has not yet.
    assert lines == [RUNNING, "INFO bot.runner: stopping"]
