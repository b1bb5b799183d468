"""/product: the manager adds a product step by step; villagers see its photo on the card."""

from __future__ import annotations

import pytest

from bot.config import Settings
from bot.devtools.emulator import BotApiEmulator, SentMessage
from bot.domain.entities import Product
from tests.e2e.conftest import (
    MANAGER,
    SITI,
    TOKEN,
    World,
    assert_all_answered,
    join,
    label,
    part_of,
    running_bot,
    seed,
    shown,
    start_manager,
)

pytestmark = pytest.mark.usefixtures("no_errors_logged")

PHOTO = b"\xff\xd8\xff\xe0 a jar of Pak Joko's honey"
# The dialog's questions, as the manager reads them.
ASK_NAME = part_of("product.ask_name")
ASK_CATEGORY = shown("product.ask_category")
ASK_PRICE = part_of("product.ask_price")
ASK_UNIT = part_of("product.ask_unit")
ASK_STOCK = shown("product.ask_stock")
ASK_PHOTO = shown("product.ask_photo")
SUMMARY = part_of("product.summary")
SAVED = part_of("product.saved")
CANCELLED = shown("product.cancelled")


async def all_products(world: World) -> list[Product]:
    """Every product of Leping, as the database holds them."""
    async with world.database() as store:
        center = await store.centers.by_code("LEPING")
        ids = [item.product_id for item in await store.catalog.search_items(center.id, "IDR")]
        return await store.catalog.products(center.id, center.currency, ids)


async def leping_products(world: World) -> dict[str, Product]:
    """Every product of Leping by name."""
    return {product.name: product for product in await all_products(world)}


async def answer(emu: BotApiEmulator, text: str, expect: str) -> SentMessage:
    """The manager types `text` and waits for the bot's next question."""
    emu.send_text(MANAGER, text)
    return await emu.wait_for(MANAGER, contains=expect)


async def describe_honey(emu: BotApiEmulator) -> SentMessage:
    """/product up to the photo step: name, existing category, price (after a typo), unit, stock."""
    await start_manager(emu)
    emu.send_text(MANAGER, "/product")
    await emu.wait_for(MANAGER, contains=ASK_NAME)
    categories = await answer(emu, "Madu Hutan Lokal 250 ml", ASK_CATEGORY)
    assert "Minuman" in categories.button_texts()
    emu.press(MANAGER, categories.message_id, button_text="Minuman")
    await emu.wait_for(MANAGER, contains=ASK_PRICE)
    refused = await answer(emu, "45,5", part_of("product.bad_price"))
    assert shown("amount.decimals.IDR") in refused.text
    await answer(emu, "Rp 45.000", ASK_UNIT)
    await answer(emu, "botol", ASK_STOCK)
    await answer(emu, "banyak", shown("product.bad_stock"))
    return await answer(emu, "6", ASK_PHOTO)


async def test_a_new_product_with_a_photo_reaches_villagers_card_and_cart(world: World) -> None:
    emu = world.emu
    await describe_honey(emu)
    emu.send_text(MANAGER, "here it is")
    await emu.wait_for(MANAGER, contains=shown("product.photo_expected"))
    emu.send_photo(MANAGER, PHOTO)
    summary = await emu.wait_for(MANAGER, contains=SUMMARY)
    assert summary.kind == "photo" and summary.photo is not None and summary.photo.data == PHOTO
    assert "45,000 per botol" in summary.text and "6 botol" in summary.text
    emu.press(MANAGER, summary.message_id, button_text=label("product.save"))
    saved = await emu.wait_for(MANAGER, contains=SAVED)
    assert saved.message_id == summary.message_id  # the summary's caption now says so
    assert part_of("product.saved", sku="MADU-HUTAN-LOKAL-250-ML") in saved.text

    honey = (await leping_products(world))["Madu Hutan Lokal 250 ml"]
    assert (honey.sku, honey.category, honey.price.minor, honey.unit, honey.stock) == (
        "MADU-HUTAN-LOKAL-250-ML",
        "Minuman",
        45000,
        "botol",
        6,
    )
    assert honey.photo_file_id is not None
    assert emu.file_bytes(honey.photo_file_id) == PHOTO

    await join(emu, SITI)
    emu.send_text(SITI, "madu hutan")
    results = await emu.wait_for(SITI, contains=shown("shop.results", query="madu hutan"))
    emu.press(SITI, results.message_id, button_text=results.buttons[0][0].text)
    card = await emu.wait_for(SITI, contains=part_of("shop.product"))
    assert card.kind == "photo" and card.photo is not None and card.photo.data == PHOTO
    assert (
        "Madu Hutan Lokal 250 ml" in card.text
        and shown("shop.stock_left", stock=6, unit="botol") in card.text
    )
    emu.press(SITI, card.message_id, button_text="2")
    card = await emu.wait_for(SITI, contains=part_of("shop.product"))
    assert "✓ 2" in card.button_texts()
    emu.press(SITI, card.message_id, button_text=label("shop.add_to_cart"))
    card = await emu.wait_for(SITI, contains=shown("shop.in_cart", quantity=2).strip())
    assert card.kind == "photo"
    await assert_all_answered(emu)

    async with world.database() as store:
        center = await store.centers.by_code("LEPING")
        lines = await store.carts.lines(SITI, center.id, center.currency)
    assert [(line.product.name, line.quantity) for line in lines] == [
        ("Madu Hutan Lokal 250 ml", 2)
    ]


async def test_a_product_without_photo_or_stock_in_a_new_category(world: World) -> None:
    emu = world.emu
    await start_manager(emu)
    emu.send_text(MANAGER, "/product")
    await emu.wait_for(MANAGER, contains=ASK_NAME)
    await answer(emu, "Kerupuk\u2028Udang", shown("product.text_lines"))
    await answer(emu, "x" * 201, shown("product.text_long", limit=200))
    await answer(emu, "Kerupuk Udang <Sidoarjo> & Co", ASK_CATEGORY)
    await answer(emu, "oleh-oleh", ASK_PRICE)
    await answer(emu, "12000", ASK_UNIT)
    stock = await answer(emu, "bungkus", ASK_STOCK)
    emu.press(MANAGER, stock.message_id, button_text=label("product.no_stock"))
    photo = await emu.wait_for(MANAGER, contains=ASK_PHOTO)
    emu.press(MANAGER, photo.message_id, button_text=label("product.no_photo"))
    summary = await emu.wait_for(MANAGER, contains=SUMMARY)
    assert summary.kind == "text" and label("catalog.stock_untracked") in summary.text
    emu.press(MANAGER, summary.message_id, button_text=label("product.save"))
    await emu.wait_for(MANAGER, contains=SAVED)

    product = (await leping_products(world))["Kerupuk Udang <Sidoarjo> & Co"]
    assert (product.category, product.stock, product.photo_file_id) == ("oleh-oleh", None, None)
    assert product.sku == "KERUPUK-UDANG-SIDOARJO-C"

    await join(emu, SITI)
    emu.send_text(SITI, "sidoarjo")
    results = await emu.wait_for(SITI, contains=shown("shop.results", query="sidoarjo"))
    emu.press(SITI, results.message_id, button_text=results.buttons[0][0].text)
    card = await emu.wait_for(SITI, contains=part_of("shop.product"))
    assert card.kind == "text" and "Kerupuk Udang <Sidoarjo> & Co" in card.text


async def test_the_same_name_twice_gets_two_skus(world: World) -> None:
    emu = world.emu
    await start_manager(emu)
    for _ in range(2):
        emu.send_text(MANAGER, "/product")
        await emu.wait_for(MANAGER, contains=ASK_NAME)
        await answer(emu, "Gula Aren", ASK_CATEGORY)
        await answer(emu, "Sembako", ASK_PRICE)
        await answer(emu, "20000", ASK_UNIT)
        await answer(emu, "kg", ASK_STOCK)
        photo = await answer(emu, "0", ASK_PHOTO)
        emu.press(MANAGER, photo.message_id, button_text=label("product.no_photo"))
        summary = await emu.wait_for(MANAGER, contains=SUMMARY)
        emu.press(MANAGER, summary.message_id, button_text=label("product.save"))
        await emu.wait_for(MANAGER, contains=SAVED)
    skus = sorted(p.sku for p in await all_products(world) if p.name == "Gula Aren")
    assert skus == ["GULA-AREN", "GULA-AREN-2"]


async def test_cancel_and_forged_presses_save_nothing(world: World) -> None:
    emu = world.emu
    before = await leping_products(world)
    await describe_honey(emu)
    emu.send_photo(MANAGER, PHOTO)
    summary = await emu.wait_for(MANAGER, contains=SUMMARY)
    emu.send_text(MANAGER, "ok")
    await emu.wait_for(MANAGER, contains=shown("product.use_buttons"))
    forged = [
        emu.press(MANAGER, summary.message_id, forge=data)
        for data in ("pnw:0:cat", "pnw:0:save", "pnw:99999999999:save", "pnw:x:save")
    ]
    for query in forged:
        assert (await emu.wait_callback_answered(query)).get("show_alert")
    emu.press(MANAGER, summary.message_id, button_text=label("product.cancel"))
    cancelled = await emu.wait_for(MANAGER, contains=CANCELLED)
    assert cancelled.message_id == summary.message_id and cancelled.kind == "photo"
    emu.press(MANAGER, summary.message_id, forge="pnw:0:save")  # Save after Cancel
    await assert_all_answered(emu)
    assert await leping_products(world) == before

    emu.send_text(MANAGER, "/product")
    await emu.wait_for(MANAGER, contains=ASK_NAME)
    categories = await answer(emu, "Teh Hijau", ASK_CATEGORY)
    query = emu.press(MANAGER, categories.message_id, forge="pnw:500:cat")
    answered = await emu.wait_callback_answered(query)
    assert answered.get("text") == label("common.stale")
    await answer(emu, "/cancel", CANCELLED)
    emu.send_text(MANAGER, "teh")  # a search again, not a product's category
    await emu.wait_for(MANAGER, contains=shown("shop.results", query="teh"))
    assert await leping_products(world) == before


async def test_villagers_cannot_add_products(world: World) -> None:
    emu = world.emu
    await join(emu, SITI)
    before = await leping_products(world)
    emu.send_text(SITI, "/product")
    await emu.wait_for(SITI, contains=part_of("common.unknown_command", command="/product"))
    emu.send_text(SITI, "minyak")
    results = await emu.wait_for(SITI, contains=shown("shop.results", query="minyak"))
    query = emu.press(SITI, results.message_id, forge="pnw:0:save")
    answered = await emu.wait_callback_answered(query)
    assert answered.get("text") == label("common.stale")
    assert await leping_products(world) == before


async def test_the_dialog_carries_on_after_a_restart(emu: BotApiEmulator, sqlite_url: str) -> None:
    await seed(sqlite_url)
    settings = Settings(
        bot_token=TOKEN, database_url=sqlite_url, telegram_api_url=emu.url, outbox_poll_seconds=0.5
    )
    async with running_bot(settings):
        await start_manager(emu)
        emu.send_text(MANAGER, "/product")
        await emu.wait_for(MANAGER, contains=ASK_NAME)
        categories = await answer(emu, "Gula Semut", ASK_CATEGORY)
    async with running_bot(settings):
        emu.press(MANAGER, categories.message_id, button_text="Sembako")
        await emu.wait_for(MANAGER, contains=ASK_PRICE)
        await answer(emu, "22000", ASK_UNIT)
        await answer(emu, "kg", ASK_STOCK)
        photo = await answer(emu, "3", ASK_PHOTO)
        emu.press(MANAGER, photo.message_id, button_text=label("product.no_photo"))
        summary = await emu.wait_for(MANAGER, contains=SUMMARY)
        emu.press(MANAGER, summary.message_id, button_text=label("product.save"))
        await emu.wait_for(MANAGER, contains=part_of("product.saved", sku="GULA-SEMUT"))
