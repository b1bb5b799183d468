"""`kiosdesa run` that cannot start: one line for the operator, exit status 2, no secret in it."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import stat
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from bot.devtools.emulator import BotApiEmulator, Fault
from storage.revision import head_revision
from tests.test_cli import Kiosdesa, assert_one_line_failure

# The token @BotFather gave, and the same with its last character mistyped.
REAL_TOKEN = "123456:AAHdq-the-secret-part-of-the-token"
MISTYPED_TOKEN = "123456:AAHdq-the-secret-part-of-the-tokeN"
SECRET = "the-secret-part-of-the-toke"
PASSWORD = "s3cr3t-pw"
# Nothing listens on port 1 (tcpmux): a connection there is refused at once.
NOWHERE = "127.0.0.1:1"


async def kiosdesa_run(kiosdesa: Kiosdesa, **env: str) -> subprocess.CompletedProcess[str]:
    """`kiosdesa run` in its own process, while this test's event loop serves the emulator."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "run",
        cwd=kiosdesa.workdir,
        env={**kiosdesa.env, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode is not None
    return subprocess.CompletedProcess(
        ["kiosdesa", "run"], process.returncode, out.decode(), err.decode()
    )


def assert_masked_failure(done: subprocess.CompletedProcess[str], secret: str) -> str:
    """One line on stderr, nothing on stdout, exit status 2, and `secret` nowhere."""
    line = assert_one_line_failure(done)
    assert done.returncode == 2
    assert done.stdout == ""
    assert secret not in done.stderr
    return line


async def test_a_mistyped_token_is_one_line_with_only_the_bot_id(tmp_path: Path) -> None:
    kiosdesa = Kiosdesa(tmp_path, f"sqlite:///{tmp_path / 'k.db'}")
    async with BotApiEmulator(token=REAL_TOKEN) as telegram:
        done = await kiosdesa_run(kiosdesa, BOT_TOKEN=MISTYPED_TOKEN, TELEGRAM_API_URL=telegram.url)

    line = assert_masked_failure(done, SECRET)
    assert (
        line
        == "kiosdesa: Telegram rejected BOT_TOKEN 123456:***: copy the token from @BotFather again"
    )
    # A failed first start leaves no empty database, nor its lock file, behind.
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize(
    ("token", "shown"),
    [
        # The README's example, copied as it stands.
        ("123456:your-token", "123456:***"),
        # No bot id before a colon: nothing of it is shown.
        ("your-token", "***"),
        ("AAHdq-the-secret-part-of-the-token", "***"),
    ],
)
async def test_a_token_that_is_no_token_is_one_masked_line(
    tmp_path: Path, token: str, shown: str
) -> None:
    kiosdesa = Kiosdesa(tmp_path, f"sqlite:///{tmp_path / 'k.db'}")
    async with BotApiEmulator(token=REAL_TOKEN) as telegram:
        done = await kiosdesa_run(kiosdesa, BOT_TOKEN=token, TELEGRAM_API_URL=telegram.url)

    line = assert_masked_failure(done, token.rpartition(":")[2])
    assert line == (
        f"kiosdesa: Telegram rejected BOT_TOKEN {shown}: copy the token from @BotFather again"
    )


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        # A proxy or Telegram itself failing: the answer is an error, not the bot.
        (Fault.server_error(502), "cannot reach Telegram at {url}: "),
        # An answer that never comes (a network that drops the packets).
        (Fault.hang(8.0), "cannot reach Telegram at {url}: "),
    ],
)
async def test_telegram_failing_at_start_is_one_masked_line(
    tmp_path: Path, fault: Fault, expected: str
) -> None:
    kiosdesa = Kiosdesa(tmp_path, f"sqlite:///{tmp_path / 'k.db'}")
    async with BotApiEmulator(token=REAL_TOKEN) as telegram:
        telegram.faults.queue("getme", fault)
        done = await kiosdesa_run(kiosdesa, BOT_TOKEN=REAL_TOKEN, TELEGRAM_API_URL=telegram.url)

    line = assert_masked_failure(done, SECRET)
    assert line.startswith("kiosdesa: " + expected.format(url=telegram.url))


async def test_telegram_out_of_reach_at_start_is_one_line(tmp_path: Path) -> None:
    kiosdesa = Kiosdesa(tmp_path, f"sqlite:///{tmp_path / 'k.db'}")
    nowhere = f"http://{NOWHERE}"

    done = await kiosdesa_run(kiosdesa, BOT_TOKEN=REAL_TOKEN, TELEGRAM_API_URL=nowhere)

    line = assert_masked_failure(done, SECRET)
    assert line.startswith(f"kiosdesa: cannot reach Telegram at {nowhere}: ")
    assert os.listdir(tmp_path) == []


async def test_a_second_kiosdesa_run_on_the_same_sqlite_file_is_refused(tmp_path: Path) -> None:
    kiosdesa = Kiosdesa(tmp_path, f"sqlite:///{tmp_path / 'k.db'}")
    env = {**kiosdesa.env, "BOT_TOKEN": REAL_TOKEN}
    async with BotApiEmulator(token=REAL_TOKEN) as telegram:
        env["TELEGRAM_API_URL"] = telegram.url
        first = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "bot.cli", "run"),
            cwd=tmp_path,
            env=env,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            await telegram.state.notifier.wait_until(
                lambda: telegram.stats.requests["getUpdates"] or None, 60
            )
            second = await kiosdesa_run(
                kiosdesa, BOT_TOKEN=REAL_TOKEN, TELEGRAM_API_URL=telegram.url
            )
            restore = await asyncio.to_thread(kiosdesa, "restore", "k.db", "--replace")
        finally:
            first.send_signal(signal.SIGINT)
            await asyncio.wait_for(first.communicate(), timeout=60)

    assert assert_masked_failure(second, SECRET) == (
        f"kiosdesa: another kiosdesa is running on k.db (pid {first.pid}): stop it first "
        "(one process at a time may run bots on a SQLite file)"
    )
    assert restore.returncode == 2
    assert restore.stderr == (
        f"kiosdesa: the bot is running on this database (pid {first.pid}): stop it first\n"
    )
    assert first.returncode == 0  # the first bot ran on undisturbed
    # The database the first start made is the operator's alone.
    assert stat.S_IMODE((tmp_path / "k.db").stat().st_mode) == 0o600


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # A file that is no SQLite database (a backup copied half, another program's file).
        (
            "sqlite:///k.db",
            "kiosdesa: cannot open the database sqlite:///k.db: file is not a database",
        ),
        # A directory where the file should be.
        (
            "sqlite:///.",
            "kiosdesa: cannot open the database sqlite:///.: unable to open database file",
        ),
        # PostgreSQL not running (or not listening where the URL says).
        (
            f"postgresql://kios:{PASSWORD}@{NOWHERE}/kiosdesa",
            f"kiosdesa: cannot open the database postgresql://kios:***@{NOWHERE}/kiosdesa: "
            "[Errno 111] Connection refused",
        ),
    ],
)
async def test_a_database_down_or_unreadable_is_one_line_before_telegram_is_asked(
    tmp_path: Path, url: str, expected: str
) -> None:
    (tmp_path / "k.db").write_text("a shopping list, not a database\n")
    kiosdesa = Kiosdesa(tmp_path, url)
    async with BotApiEmulator(token=REAL_TOKEN) as telegram:
        done = await kiosdesa_run(kiosdesa, BOT_TOKEN=REAL_TOKEN, TELEGRAM_API_URL=telegram.url)

    assert assert_masked_failure(done, PASSWORD) == expected
    assert SECRET not in done.stderr
    assert not telegram.stats.requests  # the database was checked first


async def test_a_database_of_a_newer_version_is_one_line_and_left_as_it_is(tmp_path: Path) -> None:
    kiosdesa = Kiosdesa(tmp_path, f"sqlite:///{tmp_path / 'k.db'}")
    kiosdesa.ok("center", "list")
    with closing(sqlite3.connect(tmp_path / "k.db")) as conn, conn:
        conn.execute("UPDATE alembic_version SET version_num = '0099'")
    async with BotApiEmulator(token=REAL_TOKEN) as telegram:
        done = await kiosdesa_run(kiosdesa, BOT_TOKEN=REAL_TOKEN, TELEGRAM_API_URL=telegram.url)

    assert assert_masked_failure(done, SECRET) == (
        "kiosdesa: the database is at migration 0099, which this kiosdesa does not know "
        f"(it knows up to {head_revision()}): upgrade kiosdesa, or use a backup of this version"
    )
    with closing(sqlite3.connect(tmp_path / "k.db")) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [("0099",)]


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        # A colon left out after the scheme: not a URL at all.
        ("postgresql//kios:s3cr3t-pw@db/kiosdesa", "'postgresql//kios:***@db/kiosdesa'"),
        ("postgresql:/kios:s3cr3t-pw@db/kiosdesa", "'postgresql:/kios:***@db/kiosdesa'"),
        # A port that is no number.
        (
            "postgresql://kios:s3cr3t-pw@db:port/kiosdesa",
            "'postgresql://kios:***@db:port/kiosdesa'",
        ),
        # A server and a user given to SQLite, which takes a file.
        ("sqlite://kios:s3cr3t-pw@db/k.db", "'sqlite://kios:***@db/k.db'"),
    ],
)
def test_a_malformed_database_url_is_one_line_without_its_password(
    tmp_path: Path, url: str, shown: str
) -> None:
    kiosdesa = Kiosdesa(tmp_path, url)

    line = assert_masked_failure(kiosdesa("run", BOT_TOKEN=REAL_TOKEN), PASSWORD)

    assert line.startswith("kiosdesa: DATABASE_URL ")
    assert line.endswith(shown)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # libpq's option name, which asyncpg does not take (it wants ?ssl=require).
        (
            f"postgresql://kios:{PASSWORD}@{NOWHERE}/kiosdesa?sslmode=require",
            "has an option the driver does not take: ",
        ),
        # A password passed as a query option, which SQLAlchemy itself does not hide.
        (
            f"postgresql://kios@{NOWHERE}/kiosdesa?password={PASSWORD}",
            "?password=***: ",
        ),
    ],
)
def test_a_database_url_the_driver_refuses_is_one_line_without_its_password(
    tmp_path: Path, url: str, expected: str
) -> None:
    kiosdesa = Kiosdesa(tmp_path, url)

    line = assert_masked_failure(kiosdesa("center", "list"), PASSWORD)

    assert expected in line
