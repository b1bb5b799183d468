"""A bot's seat on PostgreSQL, taken again while its last Application still runs (a start that
failed half-way and was never stopped): the old Application is stopped first, and the bot
answers from the new one. The real PTB Application talks HTTP to the Bot API emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.app import KiosApplication, build_application
from bot.config import Settings
from bot.context import SERVICES_KEY
from bot.devtools.emulator import BotApiEmulator
from bot.runner import _polling_failed
from bot.serving import LeasedSeats
from storage import Storage
from tests.conftest import open_storage
from tests.e2e.conftest import SITI, TOKEN, UNLIMITED_CHAT_RATE, join, seed


@pytest.fixture
async def app(
    emu: BotApiEmulator, postgres_url: str
) -> AsyncIterator[tuple[KiosApplication, Settings, Storage]]:
    await seed(postgres_url)
    settings = Settings(
        bot_token=TOKEN,
        database_url=postgres_url,
        telegram_api_url=emu.url,
        outbox_chat_rate_per_s=UNLIMITED_CHAT_RATE,
    )
    async with open_storage(postgres_url) as store:
        built = build_application(settings, store)
        await built.initialize()
        built.bot_data[SERVICES_KEY].peers = {built.bot.id: built.bot}
        yield built, settings, store


async def test_a_bot_taken_again_while_its_application_still_runs_answers_from_the_new_one(
    emu: BotApiEmulator, app: tuple[KiosApplication, Settings, Storage]
) -> None:
    first_app, settings, store = app
    apps = [first_app]
    seats = LeasedSeats(apps, settings, _polling_failed)
    process = await store.leases.join("host", 1)
    lease = await store.leases.claim(first_app.bot.id, process, 60.0)
    assert lease is not None
    await seats.start(lease)
    try:
        await seats.start(lease)  # taken again, the first Application never stopped
        assert not first_app.running
        assert apps[0] is not first_app and apps[0].running
        await join(emu, SITI)  # the villager is welcomed by the bot, served again
    finally:
        await seats.stop(first_app.bot.id)
        for each in {first_app, apps[0]}:
            await each.shutdown()
