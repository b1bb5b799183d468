"""End-to-end fixtures: the real bot talking HTTP to the project's Bot API emulator."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import string
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest

from bot.config import DEFAULT_CHAT_RATE, Settings
from bot.devtools.emulator import BotApiEmulator, SentMessage, parse_html
from bot.domain.catalog_csv import parse_catalog_csv
from bot.domain.entities import Checkout, ServiceRequest
from bot.domain.pipeline import Fulfilment
from bot.runner import run_bot
from bot.services.submissions import submit_order
from bot.views.texts import catalog, plain, t
from storage import Storage
from tests.conftest import open_storage

T = TypeVar("T")
SAMPLE_CATALOG = Path(__file__).parents[2] / "bot" / "data" / "sample_catalog.csv"
TOKEN = "123456:TEST-TOKEN"
MANAGER = 900001
SITI = 700001
BUDI = 700002
# The center stands in Leping; Siti lives 1.1 km away, Budi's farm is 5.6 km away.
CENTER_LAT, CENTER_LON = -7.5600, 110.8200
NEAR = (-7.5600, 110.8300)
FAR = (-7.5100, 110.8200)
# The emulator of `world` enforces no flood limit: the outbox need not keep Telegram's pace of
# one message a second a chat, which would only make these stories slow. Tests of the pace
# use `limited_world` or an emulator of their own with a per-chat limit.
UNLIMITED_CHAT_RATE = 1000.0


@pytest.fixture(autouse=True)
def no_edit_changes_nothing(
    monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Iterator[None]:
    """Fail any e2e test whose bot sent an edit that changed nothing (each costs a request).

    Telegram answers such an edit "message is not modified"; every emulator the test starts
    is watched, the fixtures' and the test's own. A test marked `edits_may_change_nothing`
    (a bot killed mid-way forgets what it just drew) is exempt.
    """
    started: list[BotApiEmulator] = []
    start = BotApiEmulator.start

    async def watched_start(
        emulator: BotApiEmulator, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        started.append(emulator)
        await start(emulator, host, port)

    monkeypatch.setattr(BotApiEmulator, "start", watched_start)
    yield
    if request.node.get_closest_marker("edits_may_change_nothing"):
        return
    wasted = [
        f"{e.method} in chat {e.params.get('chat_id')}: {str(e.params.get('text'))[:80]!r}"
        for emulator in started
        for e in emulator.not_modified
    ]
    assert not wasted, "edits that changed nothing:\n" + "\n".join(wasted)


@dataclass
class World:
    """A running bot with one center, its manager and two villagers on the emulator."""

    emu: BotApiEmulator
    database_url: str
    settings: Settings

    def database(self) -> contextlib.AbstractAsyncContextManager[Storage]:
        """A second connection to the bot's database for the block, to check what it holds."""
        return open_storage(self.database_url)


async def seed(database_url: str, manager_language: str | None = "en") -> None:
    """The operator's set-up: a center with the sample catalog, in Indonesian, whose manager
    chose to read English (`manager_language`; None: he chose nothing, and reads the center's)."""
    async with open_storage(database_url) as store:
        center = await store.centers.add_center(
            "LEPING", "Kios Desa Leping", MANAGER, lat=CENTER_LAT, lon=CENTER_LON, radius_km=3
        )
        rows = parse_catalog_csv(SAMPLE_CATALOG.read_text(encoding="utf-8"), "IDR")
        await store.catalog.import_rows(center.id, rows)
        if manager_language is not None:
            await store.users.seen(MANAGER, "Pak Joko", telegram_language="en")
            await store.users.set_language(MANAGER, manager_language)


@contextlib.asynccontextmanager
async def running_bot(settings: Settings) -> AsyncIterator[None]:
    """Run the bot in this event loop until the block ends."""
    stop = asyncio.Event()
    task = asyncio.create_task(run_bot(settings, stop))
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=30)


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    """A fresh Bot API emulator."""
    async with BotApiEmulator() as emulator:
        emulator.user(MANAGER, "Pak Joko", language_code="en")
        emulator.user(SITI, "Siti", language_code="en")
        emulator.user(BUDI, "Budi", language_code="en")
        yield emulator


@pytest.fixture
async def world(emu: BotApiEmulator, sqlite_url: str) -> AsyncIterator[World]:
    """The running bot over a seeded SQLite database."""
    await seed(sqlite_url)
    settings = Settings(
        bot_token=TOKEN,
        database_url=sqlite_url,
        telegram_api_url=emu.url,
        outbox_poll_seconds=0.5,
        outbox_chat_rate_per_s=UNLIMITED_CHAT_RATE,
    )
    async with running_bot(settings):
        yield World(emu, sqlite_url, settings)


# --- Texts as the user reads them ----------------------------------------------------------
# Tests about behaviour find messages and buttons through the locale files, so that a change
# of wording breaks only the tests about wording.

# Stands for every placeholder of a template; a character no locale text uses.
_SLOT = "\ue000"


def shown(key: str, locale: str = "en", **values: object) -> str:
    """A locale text as the user reads it (HTML tags rendered away)."""
    return parse_html(t(locale, key, **values)).text


def part_of(key: str, locale: str = "en", **values: object) -> str:
    """The longest stretch of a locale text, with `values` filled in, that reads the same
    whatever fills its other placeholders."""
    template = catalog(locale).get(key) or catalog("en")[key]
    slots = {name: _SLOT for _, name, _, _ in string.Formatter().parse(template) if name}
    return max(shown(key, locale, **{**slots, **values}).split(_SLOT), key=len).strip()


def label(key: str, locale: str = "en", **values: object) -> str:
    """A button label or a toast (plain text) in `locale`."""
    return plain(locale, key, **values)


# --- Helpers shared by the journey, security and restart tests ----------------------------


def register_users(emulator: BotApiEmulator) -> None:
    """The people of the `emu` fixture, for tests that build their own emulator."""
    emulator.user(MANAGER, "Pak Joko", language_code="en")
    emulator.user(SITI, "Siti", language_code="en")
    emulator.user(BUDI, "Budi", language_code="en")


@contextlib.asynccontextmanager
async def world_on(
    emulator: BotApiEmulator,
    database_url: str,
    chat_rate: float = UNLIMITED_CHAT_RATE,
    **overrides: Any,
) -> AsyncIterator[World]:
    """Seed the database and run the bot against `emulator` until the block ends."""
    await seed(database_url)
    settings = Settings(
        bot_token=TOKEN,
        database_url=database_url,
        telegram_api_url=emulator.url,
        outbox_poll_seconds=0.5,
        outbox_chat_rate_per_s=chat_rate,
    )
    settings = dataclasses.replace(settings, **overrides)
    async with running_bot(settings):
        yield World(emulator, database_url, settings)


async def place_order(
    store: Storage,
    villager_id: int,
    items: dict[str, int] | None = None,
    note: str | None = None,
) -> ServiceRequest:
    """Submit a pickup order straight through the store (the bot only delivers its cards).

    `items` maps product names to quantities; by default one Minyak Goreng 1 liter.
    """
    center = await store.centers.by_code("LEPING")
    if await store.users.get(villager_id) is None:
        await store.users.seen(villager_id, f"User{villager_id}", telegram_language="en")
    villager = await store.users.join_center(villager_id, center.id)
    by_name = {
        item.name: item.product_id
        for item in await store.catalog.search_items(center.id, center.currency)
    }
    for name, quantity in (items or {"Minyak Goreng 1 liter": 1}).items():
        await store.carts.add(villager_id, by_name[name], center.id, quantity)
    return await submit_order(store, villager, center, Checkout(Fulfilment.PICKUP, note=note))


async def join(emulator: BotApiEmulator, user_id: int) -> SentMessage:
    """The user opens the center's deep link and is welcomed."""
    emulator.send_text(user_id, "/start LEPING")
    return await emulator.wait_for(user_id, contains="Kios Desa Leping")


async def start_manager(emulator: BotApiEmulator) -> SentMessage:
    """The manager says /start, so the bot knows them (and their language)."""
    emulator.send_text(MANAGER, "/start")
    return await emulator.wait_for(MANAGER, contains=part_of("onboarding.welcome_manager"))


async def fill_cart(emulator: BotApiEmulator, user_id: int, search: str = "minyak goreng") -> None:
    """Search, open the first hit and add one to the cart."""
    emulator.send_text(user_id, search)
    results = await emulator.wait_for(user_id, contains=shown("shop.results", query=search))
    emulator.press(user_id, results.message_id, button_text=results.buttons[0][0].text)
    card = await emulator.wait_for(user_id, contains=part_of("shop.product"))
    emulator.press(user_id, card.message_id, button_text=label("shop.add_to_cart"))
    await emulator.wait_for(user_id, contains=shown("shop.in_cart", quantity=1).strip())


async def to_summary(emu: BotApiEmulator, user_id: int) -> SentMessage:
    """Join, put one item in the cart and go through checkout (pickup, no note) up to the
    summary to confirm."""
    await join(emu, user_id)
    await fill_cart(emu, user_id)
    emu.send_text(user_id, "/cart")
    cart = await emu.wait_for(user_id, contains=part_of("cart.summary"))
    emu.press(user_id, cart.message_id, button_text=label("cart.checkout"))
    how = await emu.wait_for(user_id, contains=part_of("checkout.how"))
    emu.press(user_id, how.message_id, button_text=label("checkout.pickup"))
    note = await emu.wait_for(user_id, contains=part_of("checkout.ask_note"))
    emu.press(user_id, note.message_id, button_text=label("checkout.skip_note"))
    return await emu.wait_for(user_id, contains=part_of("checkout.summary"))


async def order_in_chat(emulator: BotApiEmulator, user_id: int) -> SentMessage:
    """Join, fill the cart and check out for pickup without a note; returns "Order sent"."""
    await join(emulator, user_id)
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


async def eventually(
    check: Callable[[], Awaitable[T | None]],
    what: str,
    timeout: float = 10.0,  # noqa: ASYNC109 - a plain deadline
) -> T:
    """Poll `check` (e.g. a database query) until it returns something other than None."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await check()
        if result is not None:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.05)


async def assert_all_answered(emulator: BotApiEmulator) -> None:
    """Every button press of the test got an answer (no endless spinner)."""
    for query_id in list(emulator.state.callback_queries):
        await emulator.wait_callback_answered(query_id)


def assert_html_always_valid(emulator: BotApiEmulator) -> None:
    """The bot never sent HTML that Telegram would refuse to parse."""
    broken = [e for e in emulator.errors if "parse entities" in e.description]
    assert not broken, broken


@pytest.fixture
async def limited_emu() -> AsyncIterator[BotApiEmulator]:
    """An emulator enforcing one message per second per chat, like Telegram's flood control."""
    async with BotApiEmulator(per_chat_rate_per_s=1.0) as emulator:
        register_users(emulator)
        yield emulator


@pytest.fixture
async def limited_world(limited_emu: BotApiEmulator, sqlite_url: str) -> AsyncIterator[World]:
    """The running bot behind a rate-limiting emulator, keeping Telegram's pace (the default)."""
    async with world_on(limited_emu, sqlite_url, DEFAULT_CHAT_RATE) as running:
        yield running


@pytest.fixture
def no_errors_logged(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Fail the test if the bot (or the emulator) logged an error while it ran."""
    yield
    errors = [
        f"{r.name}: {r.getMessage()}\n{r.exc_text or ''}"
        for r in caplog.get_records("call")
        if r.levelno >= logging.ERROR
    ]
    assert not errors, "\n".join(errors)
