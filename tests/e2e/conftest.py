"""End-to-end fixtures: the real bot talking HTTP to the project's Bot API emulator."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.catalog_csv import parse_catalog_csv
from bot.config import Settings
from bot.emulator import BotApiEmulator
from bot.runner import run_bot
from storage import Storage

SAMPLE_CATALOG = Path(__file__).parents[2] / "bot" / "data" / "sample_catalog.csv"
TOKEN = "123456:TEST-TOKEN"
MANAGER = 900001
SITI = 700001
BUDI = 700002
# The center stands in Leping; Siti lives 1.1 km away, Budi's farm is 5.6 km away.
CENTER_LAT, CENTER_LON = -7.5600, 110.8200
NEAR = (-7.5600, 110.8300)
FAR = (-7.5100, 110.8200)


@dataclass
class World:
    """A running bot with one center, its manager and two villagers on the emulator."""

    emu: BotApiEmulator
    database_url: str
    settings: Settings

    async def store(self) -> Storage:
        """A second connection to the bot's database, to check what it holds."""
        return await Storage.open(self.database_url)


async def seed(database_url: str) -> None:
    """The operator's set-up: a center with the sample catalog."""
    store = await Storage.open(database_url)
    try:
        center = await store.centers.add_center(
            "LEPING", "Kios Desa Leping", MANAGER, lat=CENTER_LAT, lon=CENTER_LON, radius_km=3
        )
        rows = parse_catalog_csv(SAMPLE_CATALOG.read_text(encoding="utf-8"), "IDR")
        await store.catalog.import_rows(center.id, rows)
    finally:
        await store.close()


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
    settings = Settings(bot_token=TOKEN, database_url=sqlite_url, telegram_api_url=emu.url,
                        outbox_poll_seconds=0.5)
    async with running_bot(settings):
        yield World(emu, sqlite_url, settings)
