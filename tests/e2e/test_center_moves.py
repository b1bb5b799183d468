"""A center given to another bot (`kiosdesa center set-bot`): the bot it leaves tells its
villagers the new link, and its photos, which only the old bot's file ids name, still show."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.devtools.emulator import BotApiEmulator, Fault, SentMessage
from bot.domain.entities import OutboxMessage
from bot.domain.errors import BotInUse
from bot.domain.money import Money
from bot.services.center_move import move_center
from bot.views.poster import deep_link
from storage.catalog_edits import NewProduct
from storage.outbox import enqueue
from tests.conftest import open_storage
from tests.e2e.conftest import BUDI, MANAGER, SITI, part_of, shown
from tests.e2e.test_two_bots import (
    DEFAULT_USERNAME,
    KLATEN_BOT_ID,
    KLATEN_USERNAME,
    TwoBots,
    start_as_manager,
    two_bots,  # noqa: F401 - the fixture
)

pytestmark = pytest.mark.usefixtures("no_errors_logged")

PHOTO = b"\xff\xd8\xff\xe0 a jar of forest honey"
VOICE = b"OggS a question about the honey"
HONEY = "Madu Hutan Lokal"


def photo_of(emulator: BotApiEmulator) -> str:
    """A photo this bot received: its file id is good with this bot alone, as in Telegram."""
    return emulator.state.store_file(PHOTO, "photos", None, "image/jpeg").file_id


async def add_honey(database_url: str, code: str, photo: str) -> None:
    """The manager's product with its photo, as /product saves it."""
    async with open_storage(database_url) as store:
        center = await store.centers.by_code(code)
        price = Money(45000, "IDR")
        await store.catalog_edits.add_product(
            center.id, NewProduct(HONEY, "Minuman", price, "botol", 6, photo)
        )


async def honey_card(emulator: BotApiEmulator, user_id: int) -> SentMessage:
    """The villager searches for the honey and opens its card."""
    emulator.send_text(user_id, "madu hutan")
    results = await emulator.wait_for(user_id, contains=shown("shop.results", query="madu hutan"))
    emulator.press(user_id, results.message_id, button_text=results.buttons[0][0].text)
    return await emulator.wait_for(
        user_id, lambda m: m.message_id > results.message_id and HONEY in m.text
    )


async def test_a_moved_centers_villager_sees_its_photos_through_the_new_bot(
    two_bots: TwoBots,  # noqa: F811 - the fixture imported above
) -> None:
    default, klaten = two_bots.default, two_bots.klaten
    await start_as_manager(default, MANAGER)
    default.send_text(SITI, "/start LEPING")
    await default.wait_for(SITI, contains="Kios Desa Leping")
    original = photo_of(default)
    await add_honey(two_bots.database_url, "LEPING", original)

    async with open_storage(two_bots.database_url) as store:
        move = await move_center(store, "LEPING", KLATEN_BOT_ID, KLATEN_USERNAME)
    assert sorted(person.id for person in move.told) == [SITI, MANAGER]
    link = deep_link(KLATEN_USERNAME, "LEPING")
    told = await default.wait_for(SITI, contains=part_of("bots.center_moved"))
    assert told.text == shown(
        "bots.center_moved", center="Kios Desa Leping", bot=KLATEN_USERNAME, link=link
    )
    desk = await default.wait_for(MANAGER, contains=part_of("bots.center_moved_desk"))
    assert link in desk.text and "/poster" in desk.text

    klaten.send_text(SITI, "/start LEPING")  # the link she was sent
    await klaten.wait_for(SITI, contains="Kios Desa Leping")
    card = await honey_card(klaten, SITI)
    assert card.kind == "photo" and card.photo is not None and card.photo.data == PHOTO
    async with open_storage(two_bots.database_url) as store:
        copy = await store.file_copies.own_id(original, KLATEN_BOT_ID)
    assert copy is not None and klaten.file_bytes(copy) == PHOTO
    refused = len(klaten.errors)  # Telegram refused the old bot's file id once, as it does
    assert [e.description for e in klaten.errors if "file identifier" in e.description]

    again = await honey_card(klaten, SITI)  # the second time, the new bot's own copy
    assert again.kind == "photo" and again.photo is not None and again.photo.data == PHOTO
    assert len(klaten.errors) == refused


async def test_a_photo_and_voice_note_written_after_the_move_reach_the_new_bots_chat(
    two_bots: TwoBots,  # noqa: F811 - the fixture imported above
) -> None:
    default, klaten = two_bots.default, two_bots.klaten
    await start_as_manager(default, MANAGER)
    photo = photo_of(default)  # as a villager's question, received by the old bot
    voice = default.state.store_file(VOICE, "voice", None, "audio/ogg").file_id
    async with open_storage(two_bots.database_url) as store:
        await move_center(store, "LEPING", KLATEN_BOT_ID, KLATEN_USERNAME)
        await default.wait_for(MANAGER, contains=part_of("bots.center_moved_desk"))
        klaten.send_text(MANAGER, "/start")  # the manager opens the link he was sent
        await klaten.wait_for(MANAGER, contains=part_of("onboarding.welcome_manager"))
        leping = await store.centers.by_code("LEPING")
        relayed = [
            OutboxMessage(MANAGER, "Siti asks: this one?", media_kind="photo", file_id=photo),
            OutboxMessage(MANAGER, "Siti says", media_kind="voice", file_id=voice),
        ]
        async with store.db.write() as conn:  # as a handover relays her question again
            await enqueue(conn, relayed, center_id=leping.id)

    shown_photo = await klaten.wait_for(MANAGER, contains="this one?")
    heard = await klaten.wait_for(MANAGER, contains="Siti says")
    assert shown_photo.photo is not None and shown_photo.photo.data == PHOTO
    assert heard.voice is not None and heard.voice.data == VOICE


async def test_a_photo_fetched_while_telegram_fails_arrives_once_it_is_back(
    two_bots: TwoBots,  # noqa: F811 - the fixture imported above
) -> None:
    default, klaten = two_bots.default, two_bots.klaten
    await start_as_manager(default, MANAGER)
    photo = photo_of(default)
    async with open_storage(two_bots.database_url) as store:
        await move_center(store, "LEPING", KLATEN_BOT_ID, KLATEN_USERNAME)
        await default.wait_for(MANAGER, contains=part_of("bots.center_moved_desk"))
        klaten.send_text(MANAGER, "/start")
        await klaten.wait_for(MANAGER, contains=part_of("onboarding.welcome_manager"))
        # The old bot's Telegram answers 502 to the fetch once: a passing outage, not a
        # file gone, so the message waits and goes out whole rather than without its photo.
        default.faults.queue("getfile", Fault.server_error(502))
        leping = await store.centers.by_code("LEPING")
        relayed = OutboxMessage(MANAGER, "Siti asks: this one?", media_kind="photo", file_id=photo)
        async with store.db.write() as conn:
            await enqueue(conn, [relayed], center_id=leping.id)

    shown_photo = await klaten.wait_for(MANAGER, contains="this one?")
    assert shown_photo.photo is not None and shown_photo.photo.data == PHOTO
    assert [i.method for i in default.faults.injected] == ["getfile"]


async def test_a_photo_whose_bot_was_removed_leaves_the_card_without_it(
    two_bots: TwoBots,  # noqa: F811 - the fixture imported above
    caplog: pytest.LogCaptureFixture,
) -> None:
    default, klaten = two_bots.default, two_bots.klaten
    klaten.send_text(BUDI, "/start KLATEN")
    await klaten.wait_for(BUDI, contains="Kios Klaten")
    await add_honey(two_bots.database_url, "KLATEN", photo_of(klaten))

    async with open_storage(two_bots.database_url) as store:
        await move_center(store, "KLATEN", None, DEFAULT_USERNAME)
        told = await klaten.wait_for(BUDI, contains=part_of("bots.center_moved"))
        assert deep_link(DEFAULT_USERNAME, "KLATEN") in told.text
        await remove_when_sent(store.bots.remove)

    default.send_text(BUDI, "/start KLATEN")
    await default.wait_for(BUDI, contains="Kios Klaten")
    with caplog.at_level(logging.WARNING):
        card = await honey_card(default, BUDI)
    assert card.kind == "text" and shown("shop.stock_left", stock=6, unit="botol") in card.text
    assert "no longer held by any bot" in caplog.text


async def remove_when_sent(remove: object) -> None:
    """Forget bot klaten as soon as its last message is recorded sent (a removal waits)."""
    assert callable(remove)
    for _ in range(200):
        try:
            await remove("klaten")
            return
        except BotInUse:
            await asyncio.sleep(0.05)
    raise AssertionError("bot klaten kept messages to send")
