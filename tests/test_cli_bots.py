"""`kiosdesa bot` and `kiosdesa center ... --bot` as an operator runs them: a real process, a
real database file, getMe answered by the emulator. The token is never shown whole."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.devtools.emulator import BotApiEmulator
from tests.conftest import open_storage
from tests.test_cli import Kiosdesa, add_leping, assert_one_line_failure
from tests.test_startup_failures import kiosdesa_run

TOKEN = "654321:AAEklaten-the-secret-part-XYZ"
SECRET = "klaten-the-secret-part"
DEFAULT_TOKEN = "123456:AAHdefault-the-secret-part"
USERNAME = "kios_klaten_bot"


async def run(
    kiosdesa: Kiosdesa, *args: str, stdin: str = "", **env: str
) -> subprocess.CompletedProcess[str]:
    """A `kiosdesa` command in its own process, fed `stdin`, while this loop serves Telegram."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        *args,
        cwd=kiosdesa.workdir,
        env={**kiosdesa.env, **env},
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(stdin.encode()), timeout=120)
    assert process.returncode is not None
    return subprocess.CompletedProcess(args, process.returncode, out.decode(), err.decode())


async def ok(kiosdesa: Kiosdesa, *args: str, stdin: str = "") -> str:
    """Run a command that must succeed; what it printed, with no secret in it."""
    done = await run(kiosdesa, *args, stdin=stdin)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert SECRET not in done.stdout
    return done.stdout


@pytest.fixture
def kiosdesa(tmp_path: Path) -> Kiosdesa:
    return Kiosdesa(tmp_path, f"sqlite:///{tmp_path / 'k.db'}")


@pytest.fixture
async def telegram(kiosdesa: Kiosdesa) -> AsyncIterator[BotApiEmulator]:
    """Telegram knowing the klaten bot's token, where the commands look (TELEGRAM_API_URL)."""
    async with BotApiEmulator(token=TOKEN, bot_username=USERNAME) as emulator:
        kiosdesa.env["TELEGRAM_API_URL"] = emulator.url
        kiosdesa.env["BOT_TOKEN"] = DEFAULT_TOKEN
        yield emulator


async def test_a_bot_is_added_from_standard_input_and_listed_masked(
    kiosdesa: Kiosdesa, telegram: BotApiEmulator
) -> None:
    added = await ok(kiosdesa, "bot", "add", "klaten", stdin=TOKEN + "\n")
    assert added == f"added bot klaten: @{USERNAME}, token 654321:AAE…XYZ\n"
    add_leping(kiosdesa)
    await ok(
        kiosdesa,
        "center",
        "add",
        "KLATEN",
        "--name",
        "Kios Klaten",
        "--manager",
        "43",
        "--bot",
        "klaten",
    )

    assert kiosdesa.ok("center", "list").splitlines()[0].endswith("no location\tbot=klaten")
    listed = await ok(kiosdesa, "bot", "list")
    assert listed.splitlines() == [
        "default\t(BOT_TOKEN)\tcenters: LEPING\t123456:AAH…art",
        f"klaten\t@{USERNAME}\tcenters: KLATEN\t654321:AAE…XYZ",
    ]
    async with open_storage(kiosdesa.env["DATABASE_URL"]) as store:
        [bot] = await store.bots.all_bots()
        assert (bot.id, bot.token) == (654321, TOKEN)
        assert (await store.centers.by_code("KLATEN")).bot_id == 654321


async def test_a_token_file_is_read_too(
    kiosdesa: Kiosdesa, telegram: BotApiEmulator, tmp_path: Path
) -> None:
    path = tmp_path / "klaten.token"
    path.write_text(f"  {TOKEN}\n", encoding="utf-8")
    added = await ok(kiosdesa, "bot", "add", "Klaten", "--token-file", str(path))
    assert added.startswith(f"added bot klaten: @{USERNAME}")


async def test_a_token_on_the_command_line_is_refused_without_echoing_it(
    kiosdesa: Kiosdesa, telegram: BotApiEmulator
) -> None:
    done = await run(kiosdesa, "bot", "add", "klaten", TOKEN)

    line = assert_one_line_failure(done)
    assert "standard input" in line and SECRET not in done.stderr + done.stdout
    assert "klaten" not in await ok(kiosdesa, "bot", "list")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (
            "654321:AAEklaten-the-secret-part-XYy",
            "kiosdesa: Telegram rejected the token 654321:AAE…XYy",
        ),
        (
            "not a token",
            "kiosdesa: that is not a bot token: @BotFather gives one like 123456789:AAE...",
        ),
        (
            DEFAULT_TOKEN,
            "kiosdesa: that is the token of BOT_TOKEN, the default bot: it is served already",
        ),
    ],
)
async def test_a_token_telegram_refuses_is_one_line_and_nothing_is_kept(
    kiosdesa: Kiosdesa, telegram: BotApiEmulator, given: str, expected: str
) -> None:
    done = await run(kiosdesa, "bot", "add", "klaten", stdin=given + "\n")

    assert assert_one_line_failure(done) == expected
    assert done.returncode == 2 and "klaten-the-secret" not in done.stderr
    assert "klaten" not in await ok(kiosdesa, "bot", "list")


async def test_a_bot_serving_centers_is_not_removed_until_they_move(
    kiosdesa: Kiosdesa, telegram: BotApiEmulator
) -> None:
    await ok(kiosdesa, "bot", "add", "klaten", stdin=TOKEN)
    add_leping(kiosdesa)
    moved = await ok(kiosdesa, "center", "set-bot", "LEPING", "klaten")
    assert moved.splitlines() == [
        f"villagers of LEPING now talk to bot klaten (@{USERNAME}): "
        f"share https://t.me/{USERNAME}?start=LEPING",
        "the bot it left sends 0 of its people this link (while `kiosdesa run` runs); "
        "the new bot can write to nobody who has not opened it: put up the new /poster",
    ]

    refused = await run(kiosdesa, "bot", "remove", "klaten")
    assert assert_one_line_failure(refused) == (
        "kiosdesa: bot klaten still serves LEPING: "
        "move them first with `kiosdesa center set-bot CODE BOT`"
    )
    # This Telegram does not know BOT_TOKEN: the default bot's @username cannot be asked.
    back = await ok(kiosdesa, "center", "set-bot", "LEPING", "default")
    assert back.splitlines() == [
        "villagers of LEPING now talk to the default bot (BOT_TOKEN): "
        "its @username is unknown here,",
        "so nobody was told; share https://t.me/USERNAME?start=LEPING yourself",
    ]
    again = await ok(kiosdesa, "center", "set-bot", "LEPING", "default")
    assert again == "LEPING is served by bot default already: nothing changed\n"
    assert await ok(kiosdesa, "bot", "remove", "klaten") == f"removed bot klaten (@{USERNAME})\n"
    assert (await ok(kiosdesa, "bot", "list")).splitlines() == [
        "default\t(BOT_TOKEN)\tcenters: LEPING\t123456:AAH…art"
    ]


async def test_an_unknown_bot_is_named_and_changes_nothing(
    kiosdesa: Kiosdesa, telegram: BotApiEmulator
) -> None:
    add_leping(kiosdesa)
    for args in (
        ("center", "set-bot", "LEPING", "solo"),
        ("center", "add", "SOLO", "--name", "Kios Solo", "--manager", "44", "--bot", "solo"),
        ("bot", "remove", "solo"),
    ):
        done = await run(kiosdesa, *args)
        assert "no bot named solo" in assert_one_line_failure(done)
    assert "SOLO" not in kiosdesa.ok("center", "list")
    assert (await ok(kiosdesa, "bot", "list")).startswith("default\t(BOT_TOKEN)\tcenters: LEPING")


async def test_a_bot_whose_token_was_revoked_stops_the_start_in_one_masked_line(
    kiosdesa: Kiosdesa,
) -> None:
    async with open_storage(kiosdesa.env["DATABASE_URL"]) as store:
        await store.bots.add(654321, "klaten", TOKEN, USERNAME)
    # Telegram knows the default bot's token, no longer klaten's.
    async with BotApiEmulator(token=DEFAULT_TOKEN) as emulator:
        done = await kiosdesa_run(kiosdesa, BOT_TOKEN=DEFAULT_TOKEN, TELEGRAM_API_URL=emulator.url)

    # The schema was upgraded first (logged); then one line says which bot, masked.
    assert done.returncode == 2 and SECRET not in done.stderr + done.stdout
    assert "Traceback" not in done.stderr and " ERROR " not in done.stderr, done.stderr
    assert done.stderr.strip().splitlines()[-1] == (
        "kiosdesa: Telegram rejected the token of bot klaten 654321:AAE…XYZ: "
        "copy the token from @BotFather again"
    )
