"""`kiosdesa doctor` against the Bot API emulator: one line a check, ok or FAIL, nothing changed."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from bot.cli.doctor import migrations_check
from bot.cli.doctor_telegram import clock_check
from bot.devtools.emulator import BotApiEmulator, Fault
from storage.revision import SchemaRevision, head_revision
from storage.schema import users
from tests.conftest import open_storage
from tests.test_cli import Kiosdesa

TOKEN = "123456:AAHdq-the-secret-part-of-the-token"
SECRET = "the-secret-part-of-the-token"
JOKO, RINA = 42, 43
# What every line of the report starts with.
MARKS = ("ok   ", "FAIL ")


async def doctor(kiosdesa: Kiosdesa, **env: str) -> subprocess.CompletedProcess[str]:
    """`kiosdesa doctor` in its own process, while this test's event loop serves the emulator."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "doctor",
        cwd=kiosdesa.workdir,
        env={**kiosdesa.env, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode is not None
    return subprocess.CompletedProcess(["doctor"], process.returncode, out.decode(), err.decode())


def report(done: subprocess.CompletedProcess[str]) -> dict[str, str]:
    """Each line of the report by its topic ("token", "center LEPING"...), mark included."""
    assert done.stderr == ""
    assert SECRET not in done.stdout
    lines = done.stdout.splitlines()
    assert all(line.startswith(MARKS) for line in lines), lines
    return {line[5:].partition(": ")[0]: line for line in lines}


async def open_leping(kiosdesa: Kiosdesa, *, manager_opened: bool) -> None:
    """Center LEPING, managed by Joko, who sent /start to the bot or not."""
    kiosdesa.ok("center", "add", "LEPING", "--name", "Kios Leping", "--manager", str(JOKO))
    if manager_opened:
        async with open_storage(kiosdesa.env["DATABASE_URL"]) as store:
            await store.users.seen(JOKO, "Pak Joko", telegram_language="id")


async def test_a_healthy_setup_passes_every_check(tmp_path: Path) -> None:
    kiosdesa = Kiosdesa(tmp_path, f"sqlite:///{tmp_path / 'k.db'}")
    await open_leping(kiosdesa, manager_opened=True)
    async with BotApiEmulator(token=TOKEN) as telegram:
        done = await doctor(kiosdesa, BOT_TOKEN=TOKEN, TELEGRAM_API_URL=telegram.url)

    lines = report(done)
    assert done.returncode == 0
    assert list(lines) == [
        "settings",
        "token",
        "clock",
        "webhook",
        "database",
        "migrations",
        "center LEPING",
    ]
    assert lines["token"] == "ok   token: 123456:*** is @kiosdesa_bot"
    assert lines["clock"].startswith("ok   clock: this server says ")
    assert lines["clock"].endswith(", within 60 s of Telegram")
    assert lines["webhook"] == "ok   webhook: none set, so long polling gets the updates"
    assert lines["database"] == f"ok   database: sqlite:///{tmp_path / 'k.db'} answers"
    assert lines["migrations"] == f"ok   migrations: at {head_revision()}, the latest"
    assert lines["center LEPING"] == (
        "ok   center LEPING: manager 42 (Pak Joko) has opened the bot; "
        "the center's days run on Asia/Jakarta time"
    )


async def test_a_webhook_a_silent_manager_and_a_blocked_one_each_fail(tmp_path: Path) -> None:
    kiosdesa = Kiosdesa(tmp_path, f"sqlite:///{tmp_path / 'k.db'}")
    await open_leping(kiosdesa, manager_opened=False)
    kiosdesa.ok("center", "add", "SUKA", "--name", "Kios Suka", "--manager", str(RINA))
    async with open_storage(kiosdesa.env["DATABASE_URL"]) as store:
        await store.users.seen(RINA, "Bu Rina", telegram_language="id")
        async with store.db.write() as conn:
            await conn.execute(sa.update(users).where(users.c.id == RINA).values(blocked_at=1.0))
    async with BotApiEmulator(token=TOKEN) as telegram:
        telegram.state.webhook_url = f"https://shop.example/hook/{TOKEN}"
        done = await doctor(kiosdesa, BOT_TOKEN=TOKEN, TELEGRAM_API_URL=telegram.url)

    lines = report(done)
    assert done.returncode == 1
    assert lines["webhook"] == (
        "FAIL webhook: set to https://shop.example/…: long polling gets no updates while it is "
        "set; stop whatever serves it (kiosdesa run removes it at start)"
    )
    assert lines["center LEPING"] == (
        "FAIL center LEPING: manager 42 has not opened the bot: "
        "ask them to send /start to @kiosdesa_bot"
    )
    assert lines["center SUKA"] == (
        "FAIL center SUKA: manager 43 (Bu Rina) blocked the bot: "
        "ask them to unblock @kiosdesa_bot and send /start"
    )
    assert lines["token"].startswith("ok   ")


async def test_a_wrong_token_and_an_old_database_fail_and_nothing_is_migrated(
    tmp_path: Path,
) -> None:
    kiosdesa = Kiosdesa(tmp_path, f"sqlite:///{tmp_path / 'k.db'}")
    await open_leping(kiosdesa, manager_opened=True)
    async with open_storage(kiosdesa.env["DATABASE_URL"]) as store, store.db.write() as conn:
        await conn.execute(sa.text("UPDATE alembic_version SET version_num = '0013'"))
    async with BotApiEmulator(token=TOKEN) as telegram:
        mistyped = TOKEN[:-1] + "N"
        done = await doctor(kiosdesa, BOT_TOKEN=mistyped, TELEGRAM_API_URL=telegram.url)

    lines = report(done)
    assert done.returncode == 1
    assert list(lines) == ["settings", "token", "clock", "database", "migrations"]
    assert lines["token"] == (
        "FAIL token: Telegram rejected 123456:*** (Unauthorized): "
        "copy the token from @BotFather again"
    )
    assert lines["migrations"] == (
        f"FAIL migrations: the database is at 0013, this version needs {head_revision()}: "
        "kiosdesa run upgrades it at start"
    )
    with closing(sqlite3.connect(tmp_path / "k.db")) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [("0013",)]


async def test_no_database_file_is_not_created_by_the_doctor(tmp_path: Path) -> None:
    kiosdesa = Kiosdesa(tmp_path, f"sqlite:///{tmp_path / 'k.db'}")
    async with BotApiEmulator(token=TOKEN) as telegram:
        done = await doctor(kiosdesa, TELEGRAM_API_URL=telegram.url)

    lines = report(done)
    assert done.returncode == 1
    assert lines["settings"] == (
        "FAIL settings: BOT_TOKEN is not set: put the token from @BotFather in .env or the "
        "environment"
    )
    assert lines["database"] == (
        f"FAIL database: sqlite:///{tmp_path / 'k.db'} does not exist yet: kiosdesa run creates it"
    )
    assert not (tmp_path / "k.db").exists()


def test_a_clock_a_few_minutes_off_fails() -> None:
    telegram = datetime(2026, 12, 4, 23, 0, 0, tzinfo=UTC)

    behind = clock_check(telegram.timestamp() - 300, telegram)
    close = clock_check(telegram.timestamp() + 2, telegram)
    unknown = clock_check(time.time(), None)

    assert not behind.passed and behind.line.endswith(", 300 s behind Telegram: set it")
    assert close.passed
    assert unknown.passed and "no time to compare" in unknown.line


async def test_telegram_out_of_reach_is_one_failed_check(tmp_path: Path) -> None:
    kiosdesa = Kiosdesa(tmp_path, f"sqlite:///{tmp_path / 'k.db'}")
    await open_leping(kiosdesa, manager_opened=True)

    done = await doctor(kiosdesa, BOT_TOKEN=TOKEN, TELEGRAM_API_URL="http://127.0.0.1:1")

    lines = report(done)
    assert done.returncode == 1
    assert list(lines) == [
        "settings",
        "token",
        "clock",
        "database",
        "migrations",
        "center LEPING",
    ]
    assert lines["clock"].endswith("(Telegram's answer had no time to compare)")
    assert lines["token"].startswith(
        "FAIL token: cannot reach Telegram at http://127.0.0.1:1 to check 123456:***: "
    )
    # Without Telegram's answer the bot's name is unknown; the manager check still runs.
    assert lines["center LEPING"].startswith("ok   center LEPING: manager 42 (Pak Joko)")


async def test_telegram_failing_is_not_called_a_wrong_token(tmp_path: Path) -> None:
    kiosdesa = Kiosdesa(tmp_path, f"sqlite:///{tmp_path / 'k.db'}")
    async with BotApiEmulator(token=TOKEN) as telegram:
        telegram.faults.queue("getme", Fault.server_error(502))
        done = await doctor(kiosdesa, BOT_TOKEN=TOKEN, TELEGRAM_API_URL=telegram.url)

    lines = report(done)
    assert done.returncode == 1
    assert lines["token"].startswith(
        f"FAIL token: Telegram at {telegram.url} could not check 123456:***: "
    )
    assert "webhook" not in lines


def test_a_database_from_a_newer_version_asks_to_upgrade_kiosdesa() -> None:
    newer = migrations_check(SchemaRevision("0099", "0014", known=False))

    assert newer.line == (
        "FAIL migrations: the database is at 0099, from a newer kiosdesa than this one "
        "(which knows up to 0014): upgrade kiosdesa"
    )
