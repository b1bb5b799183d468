"""One process serving two bots: each center's villagers, manager and announcements stay with
the center's bot, and a center opened in the wrong bot points to the right one."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.config import Settings
from bot.devtools.emulator import BotApiEmulator, SentMessage
from bot.domain.catalog_csv import parse_catalog_csv
from bot.views.poster import deep_link
from tests.conftest import open_storage
from tests.e2e.conftest import (
    BUDI,
    MANAGER,
    SAMPLE_CATALOG,
    SITI,
    TOKEN,
    UNLIMITED_CHAT_RATE,
    fill_cart,
    label,
    part_of,
    register_users,
    running_bot,
    seed,
    shown,
)
from tests.e2e.token_router import TokenRouter

pytestmark = pytest.mark.usefixtures("no_errors_logged")

# The second bot, named "klaten" by the operator; its id is its token's number.
KLATEN_TOKEN = "654321:KLATEN-TEST-TOKEN"
KLATEN_BOT_ID = 654321
KLATEN_USERNAME = "kios_klaten_bot"
DEFAULT_USERNAME = "kiosdesa_bot"
MANAGER_B = 900002
OPERATOR = 900009
ROOT = Path(__file__).parents[2]
# A cold start imports PTB, SQLAlchemy and Alembic and migrates: allow for a slow machine.
START_TIMEOUT_S = 20.0


@dataclass
class TwoBots:
    """The default bot (center LEPING) and bot klaten (center KLATEN), served by one process."""

    default: BotApiEmulator
    klaten: BotApiEmulator
    database_url: str


async def seed_klaten(database_url: str) -> None:
    """The operator's set-up of the second bot and its center, with the sample catalog."""
    async with open_storage(database_url) as store:
        await store.bots.add(KLATEN_BOT_ID, "klaten", KLATEN_TOKEN, KLATEN_USERNAME)
        center = await store.centers.add_center(
            "KLATEN", "Kios Klaten", MANAGER_B, bot_id=KLATEN_BOT_ID, language="en"
        )
        rows = parse_catalog_csv(SAMPLE_CATALOG.read_text(encoding="utf-8"), "IDR")
        await store.catalog.import_rows(center.id, rows)


def people(emulator: BotApiEmulator) -> BotApiEmulator:
    """Everyone of the story, known to the emulator (the same people open both bots)."""
    register_users(emulator)
    emulator.user(MANAGER_B, "Bu Sri", language_code="en")
    emulator.user(OPERATOR, "Operator", language_code="en")
    return emulator


@pytest.fixture
async def two_bots(sqlite_url: str) -> AsyncIterator[TwoBots]:
    async with (
        BotApiEmulator(token=TOKEN, bot_username=DEFAULT_USERNAME) as default,
        BotApiEmulator(token=KLATEN_TOKEN, bot_username=KLATEN_USERNAME) as klaten,
        TokenRouter({TOKEN: people(default), KLATEN_TOKEN: people(klaten)}) as telegram,
    ):
        await seed(sqlite_url)
        await seed_klaten(sqlite_url)
        settings = Settings(
            bot_token=TOKEN,
            database_url=sqlite_url,
            telegram_api_url=telegram.url,
            outbox_poll_seconds=0.5,
            outbox_chat_rate_per_s=UNLIMITED_CHAT_RATE,
            admin_ids=frozenset({OPERATOR}),
        )
        async with running_bot(settings):
            yield TwoBots(default, klaten, sqlite_url)


async def order_at(emulator: BotApiEmulator, user_id: int, code: str, name: str) -> SentMessage:
    """The villager joins center `code` in this bot, fills the cart and orders for pickup."""
    emulator.send_text(user_id, f"/start {code}")
    await emulator.wait_for(user_id, contains=name)
    await fill_cart(emulator, user_id)
    emulator.send_text(user_id, "/cart")
    cart = await emulator.wait_for(user_id, contains=part_of("cart.summary"))
    emulator.press(user_id, cart.message_id, button_text=label("cart.checkout"))
    how = await emulator.wait_for(user_id, contains=part_of("checkout.how"))
    emulator.press(user_id, how.message_id, button_text=label("checkout.pickup"))
    note = await emulator.wait_for(user_id, contains=part_of("checkout.ask_note"))
    emulator.press(user_id, note.message_id, button_text=label("checkout.skip_note"))
    summary = await emulator.wait_for(user_id, contains=part_of("checkout.summary"))
    emulator.press(user_id, summary.message_id, button_text=label("checkout.confirm"))
    return await emulator.wait_for(user_id, contains=part_of("checkout.submitted"))


async def start_as_manager(emulator: BotApiEmulator, manager_id: int) -> None:
    """The manager opens their center's bot."""
    emulator.send_text(manager_id, "/start")
    await emulator.wait_for(manager_id, contains=part_of("onboarding.welcome_manager"))


def texts(emulator: BotApiEmulator, chat_id: int) -> list[str]:
    """Everything the bot of this emulator wrote in the chat."""
    return [m.text for m in emulator.messages(chat_id)]


async def test_each_center_orders_through_its_own_bot(two_bots: TwoBots) -> None:
    default, klaten = two_bots.default, two_bots.klaten
    await start_as_manager(default, MANAGER)
    await start_as_manager(klaten, MANAGER_B)

    await order_at(default, SITI, "LEPING", "Kios Desa Leping")
    await default.wait_for(MANAGER, contains="🧾 #1 ·", after=0)
    await order_at(klaten, BUDI, "KLATEN", "Kios Klaten")
    card = await klaten.wait_for(MANAGER_B, contains="🧾 #2 ·", after=0)
    klaten.press(MANAGER_B, card.message_id, button_text=label("action.approve"))
    await klaten.wait_for(BUDI, contains=part_of("notify.approve"))  # the news, from Klaten too

    # Each card came through its center's bot alone.
    assert not [text for text in texts(klaten, MANAGER) if "🧾" in text]
    assert not [text for text in texts(default, MANAGER_B) if "🧾" in text]
    assert texts(default, BUDI) == [] and texts(klaten, SITI) == []


async def test_a_center_opened_in_the_wrong_bot_points_to_its_own(two_bots: TwoBots) -> None:
    default, klaten = two_bots.default, two_bots.klaten
    default.send_text(SITI, "/start LEPING")
    await default.wait_for(SITI, contains="Kios Desa Leping")

    klaten.send_text(SITI, "/start LEPING")
    pointer = await klaten.wait_for(SITI, contains=part_of("bots.wrong_bot"))
    link = deep_link(DEFAULT_USERNAME, "LEPING")
    assert pointer.text == shown(
        "bots.wrong_bot", center="Kios Desa Leping", bot=DEFAULT_USERNAME, link=link
    )
    default.send_text(BUDI, "/start KLATEN")
    pointer = await default.wait_for(BUDI, contains=part_of("bots.wrong_bot"))
    assert deep_link(KLATEN_USERNAME, "KLATEN") in pointer.text
    # In the Klaten bot, Siti is of no center yet: Leping lives in the other bot.
    klaten.send_text(SITI, "/start")
    await klaten.wait_for(SITI, contains=part_of("onboarding.ask_center"))
    klaten.send_text(SITI, "Leping")
    await klaten.wait_for(SITI, contains=part_of("onboarding.no_center", query="Leping"))
    async with open_storage(two_bots.database_url) as store:  # nobody changed center
        leping = await store.centers.by_code("LEPING")
        assert (await store.users.get(SITI)).center_id == leping.id  # type: ignore[union-attr]
        assert (await store.users.get(BUDI)).center_id is None  # type: ignore[union-attr]


async def test_the_poster_link_is_the_center_bots(two_bots: TwoBots) -> None:
    klaten = two_bots.klaten
    klaten.send_text(MANAGER_B, "/poster")
    poster = await klaten.wait_for(MANAGER_B, contains=part_of("poster.caption"))
    assert deep_link(KLATEN_USERNAME, "KLATEN") in poster.text


async def test_an_announcement_goes_out_through_its_centers_bot_only(two_bots: TwoBots) -> None:
    default, klaten = two_bots.default, two_bots.klaten
    for emulator, user_id, code, name in (
        (klaten, BUDI, "KLATEN", "Kios Klaten"),
        (default, SITI, "LEPING", "Kios Desa Leping"),
    ):
        emulator.send_text(user_id, f"/start {code}")
        await emulator.wait_for(user_id, contains=name)
    await start_as_manager(klaten, MANAGER_B)

    klaten.send_text(MANAGER_B, "/broadcast")
    await klaten.wait_for(MANAGER_B, contains=part_of("broadcast.ask"))
    klaten.send_text(MANAGER_B, "Pasar murah besok di Klaten")
    prompt = await klaten.wait_for(MANAGER_B, contains=part_of("broadcast.confirm"))
    klaten.press(MANAGER_B, prompt.message_id, button_text=label("broadcast.send"))
    await klaten.wait_for(
        MANAGER_B,
        lambda m: m.message_id == prompt.message_id and part_of("broadcast.report") in m.text,
    )

    assert [t for t in texts(klaten, BUDI) if "Pasar murah" in t]
    everyone = (SITI, BUDI, MANAGER, MANAGER_B)
    assert not [t for user in everyone for t in texts(default, user) if "Pasar murah" in t]


async def test_one_process_serves_both_bots_until_sigterm_stops_both(
    sqlite_url: str, tmp_path: Path
) -> None:
    async with (
        BotApiEmulator(token=TOKEN, bot_username=DEFAULT_USERNAME) as default,
        BotApiEmulator(token=KLATEN_TOKEN, bot_username=KLATEN_USERNAME) as klaten,
        TokenRouter({TOKEN: people(default), KLATEN_TOKEN: people(klaten)}) as telegram,
    ):
        await seed(sqlite_url)
        await seed_klaten(sqlite_url)
        env = {
            **os.environ,
            "BOT_TOKEN": TOKEN,
            "DATABASE_URL": sqlite_url,
            "TELEGRAM_API_URL": telegram.url,
            "PYTHONPATH": str(ROOT),
            "PYTHONUNBUFFERED": "1",
        }
        log = tmp_path / "kiosdesa.log"
        with log.open("wb") as out:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot.cli", "run", env=env, stdout=out, stderr=out
            )
        try:
            default.send_text(SITI, "/start LEPING")
            await default.wait_for(SITI, contains="Kios Desa Leping", timeout=START_TIMEOUT_S)
            klaten.send_text(BUDI, "/start KLATEN")
            await klaten.wait_for(BUDI, contains="Kios Klaten", timeout=START_TIMEOUT_S)
            process.send_signal(signal.SIGTERM)
            code = await asyncio.wait_for(process.wait(), START_TIMEOUT_S)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    output = log.read_text(encoding="utf-8", errors="replace")
    assert code == 0, output
    assert f"running as @{DEFAULT_USERNAME}, @{KLATEN_USERNAME}" in output
    assert "stopping" in output and "Traceback" not in output, output
    assert KLATEN_TOKEN not in output and TOKEN not in output


async def test_a_managers_commands_are_in_the_bot_of_their_center(two_bots: TwoBots) -> None:
    default, klaten = two_bots.default, two_bots.klaten
    await start_as_manager(klaten, MANAGER_B)
    default.send_text(MANAGER_B, "/start")  # the other bot knows no center of hers
    await default.wait_for(MANAGER_B, contains=part_of("onboarding.ask_center"))

    assert "queue" in [name for name, _ in klaten.visible_commands(MANAGER_B, "en")]
    assert "queue" not in [name for name, _ in default.visible_commands(MANAGER_B, "en")]


async def test_a_center_handed_over_from_another_bot_moves_the_menus_of_its_own(
    two_bots: TwoBots,
) -> None:
    default, klaten = two_bots.default, two_bots.klaten
    await start_as_manager(klaten, MANAGER_B)
    klaten.send_text(MANAGER, "/start")  # Pak Joko has opened the Klaten bot before
    await klaten.wait_for(MANAGER, contains=part_of("onboarding.ask_center"))

    default.send_text(OPERATOR, f"/setmanager KLATEN {MANAGER}")
    await default.wait_for(OPERATOR, contains=part_of("admin.manager_set"))

    told = await klaten.wait_for(MANAGER, contains=part_of("admin.notify_assigned"))
    assert deep_link(KLATEN_USERNAME, "KLATEN") in told.text
    assert "queue" in [name for name, _ in klaten.visible_commands(MANAGER, "en")]
    assert "queue" not in [name for name, _ in klaten.visible_commands(MANAGER_B, "en")]
