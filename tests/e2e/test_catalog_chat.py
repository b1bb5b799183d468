"""The manager keeps the catalog from the chat: CSV upload and /catalog, /stock, /price."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from bot.devtools.emulator import BotApiEmulator
from bot.domain.catalog_csv import parse_catalog_csv
from bot.domain.entities import Product
from storage.schema import products as products_table
from tests.e2e.conftest import MANAGER, SITI, World, join, start_manager

pytestmark = pytest.mark.usefixtures("no_errors_logged")

HEADER = "sku,name,category,price,unit,stock,aliases\n"
GOOD_FILE = (
    HEADER
    + "MNM-KPB,Kopi Bubuk 165 gram,Minuman,16500,bungkus,30,kopi|kopi ireng\n"
    + "MNM-TBR,Kopi Tubruk Gayo 250 gram,Minuman,27000,bungkus,,kopi gayo|kopi aceh\n"
)


async def catalog_of_leping(world: World) -> tuple[dict[str, Product], int]:
    """Every product of Leping by sku, and the catalog version, as the database holds them."""
    store = await world.store()
    try:
        center = await store.centers.by_code("LEPING")
        ids = [item.product_id for item in await store.catalog.search_items(center.id, "IDR")]
        found = await store.catalog.products(center.id, center.currency, ids)
        return {product.sku: product for product in found}, center.catalog_version
    finally:
        await store.close()


def upload(emu: BotApiEmulator, user_id: int, text: str, name: str = "leping.csv") -> None:
    """Send a file as a document, as a phone sends a CSV."""
    emu.send_document(user_id, text.encode("utf-8"), name, "text/csv")


async def test_a_good_file_is_imported_and_villagers_find_its_products(world: World) -> None:
    emu = world.emu
    await start_manager(emu)
    upload(emu, MANAGER, GOOD_FILE)
    reply = await emu.wait_for(MANAGER, contains="imported")
    assert "2 products (1 new, 1 updated)" in reply.text
    products, _ = await catalog_of_leping(world)
    assert products["MNM-KPB"].price.minor == 16500 and products["MNM-KPB"].stock == 30
    assert products["MNM-TBR"].aliases == ("kopi gayo", "kopi aceh")

    await join(emu, SITI)
    emu.send_text(SITI, "kopi aceh")
    results = await emu.wait_for(SITI, contains="Results for")
    assert results.button_texts()[0].startswith("Kopi Tubruk Gayo 250 gram")


async def test_a_bad_file_names_every_bad_line_and_changes_nothing(world: World) -> None:
    emu = world.emu
    await start_manager(emu)
    before = await catalog_of_leping(world)
    upload(
        emu,
        MANAGER,
        HEADER
        + "NEW-1,Teh Celup,Minuman,5000,kotak,,\n"  # line 2 is good, yet not imported
        + "NEW-2,Gula Aren,Sembako,15.000,kg,,\n"  # IDR has no decimals
        + "NEW-3,,Sembako,9000,kg,,\n"
        + "NEW-1,Teh Melati,Minuman,6000,kotak,-3,\n",
    )
    reply = await emu.wait_for(MANAGER, contains="Nothing was imported")
    assert "4 problem(s)" in reply.text
    assert "line 3: price: IDR amounts have no decimals" in reply.text
    assert "line 4: name is empty" in reply.text
    assert "line 5: stock must be a whole number" in reply.text
    assert "line 5: sku 'NEW-1' is already used on line 2" in reply.text
    assert await catalog_of_leping(world) == before


async def test_a_file_with_many_bad_lines_names_the_first_twenty(world: World) -> None:
    emu = world.emu
    await start_manager(emu)
    before = await catalog_of_leping(world)
    rows = "".join(f"BAD-{n},Barang {n},Lain,gratis,buah,,\n" for n in range(2, 62))
    upload(emu, MANAGER, HEADER + rows)
    reply = await emu.wait_for(MANAGER, contains="Nothing was imported")
    assert "60 problem(s)" in reply.text
    assert "line 21:" in reply.text and "line 22:" not in reply.text
    assert "… and 40 more" in reply.text
    assert len(reply.text) < 4096
    assert await catalog_of_leping(world) == before


async def test_files_that_are_not_a_csv_catalog_are_refused_politely(world: World) -> None:
    emu = world.emu
    await start_manager(emu)
    before = await catalog_of_leping(world)
    emu.send_document(MANAGER, b"PK\x03\x04 spreadsheet", "katalog.xlsx", "application/zip")
    await emu.wait_for(MANAGER, contains="save it as CSV UTF-8")
    emu.send_document(MANAGER, b"\x89PNG picture", "foto.png", "image/png")
    await emu.wait_for(MANAGER, contains="only import a catalog from a .csv file")
    latin1 = (HEADER + "MNM-KPB,Café Bubuk,Minuman,16500,bungkus,,\n").encode("latin-1")
    emu.send_document(MANAGER, latin1, "leping.csv", "text/csv")
    await emu.wait_for(MANAGER, contains="can't read the letters")
    huge = HEADER + "X-1,Barang,Lain,1000,buah,,\n" * 40_000
    upload(emu, MANAGER, huge)
    await emu.wait_for(MANAGER, contains="too big")
    upload(emu, MANAGER, "")
    await emu.wait_for(MANAGER, contains="line 1: no products: the file is empty")
    assert await catalog_of_leping(world) == before


async def test_a_villager_sending_a_file_is_told_to_type_instead(world: World) -> None:
    emu = world.emu
    await join(emu, SITI)
    before = await catalog_of_leping(world)
    upload(emu, SITI, GOOD_FILE)
    await emu.wait_for(SITI, contains="I can't read files here")
    assert await catalog_of_leping(world) == before


async def test_catalog_sends_a_file_that_reads_back_as_the_catalog(world: World) -> None:
    emu = world.emu
    await start_manager(emu)
    emu.send_text(MANAGER, "/catalog")
    sent = await emu.wait_for(MANAGER, contains="Catalog of Kios Desa Leping")
    assert sent.document is not None and sent.document.filename == "catalog-LEPING.csv"
    rows = parse_catalog_csv(emu.file_bytes(sent.document.file_id).decode("utf-8-sig"), "IDR")
    products, _ = await catalog_of_leping(world)
    assert f"{len(products)} products" in sent.text
    assert {row.sku: (row.name, row.price, row.stock, row.aliases) for row in rows} == {
        p.sku: (p.name, p.price, p.stock, p.aliases) for p in products.values()
    }
    # Sent back unchanged, the same file updates every product and adds none.
    emu.send_document(MANAGER, emu.file_bytes(sent.document.file_id), "catalog-LEPING.csv")
    reply = await emu.wait_for(MANAGER, contains="imported")
    assert f"(0 new, {len(products)} updated)" in reply.text


async def test_stock_and_price_change_one_product(world: World) -> None:
    emu = world.emu
    await start_manager(emu)
    _, version = await catalog_of_leping(world)
    emu.send_text(MANAGER, "/stock SBK-MG-1 7")
    reply = await emu.wait_for(MANAGER, contains="Minyak Goreng 1 liter")
    assert "7 bungkus" in reply.text
    emu.send_text(MANAGER, "/price sbk-mg-1 19500")  # the sku in any case
    reply = await emu.wait_for(MANAGER, contains="Minyak Goreng 1 liter")
    assert "19,500" in reply.text
    products, new_version = await catalog_of_leping(world)
    assert products["SBK-MG-1"].stock == 7 and products["SBK-MG-1"].price.minor == 19500
    assert new_version == version + 2

    emu.send_text(MANAGER, "/stock SBK-MG-1 -")
    await emu.wait_for(MANAGER, contains="not counted")
    products, _ = await catalog_of_leping(world)
    assert products["SBK-MG-1"].stock is None

    await join(emu, SITI)
    emu.send_text(SITI, "migor")
    results = await emu.wait_for(SITI, contains="Results for")
    emu.press(SITI, results.message_id, button_text=results.buttons[0][0].text)
    card = await emu.wait_for(SITI, contains="Choose how many")
    assert "19,500" in card.text and "Available" in card.text


@pytest.mark.parametrize(
    ("command", "answer"),
    [
        ("/stock", "Set the stock like this"),
        ("/stock SBK-MG-1", "Set the stock like this"),
        ("/stock SBK-MG-1 -2", "Set the stock like this"),
        ("/stock SBK-MG-1 2.5", "Set the stock like this"),
        ("/stock SBK-MG-1 lima", "Set the stock like this"),
        ("/stock SBK-MG-1 99999999999999", "Set the stock like this"),
        ("/stock SBK MG 1 5", "Set the stock like this"),
        ("/stock NOPE-1 5", "No product has the SKU NOPE-1"),
        ("/price", "Set the price like this: /price SKU 15000"),
        ("/price SBK-MG-1 19.500", "Set the price like this"),
        ("/price SBK-MG-1 0", "Set the price like this"),
        ("/price SBK-MG-1 -100", "Set the price like this"),
        ("/price SBK-MG-1 Rp19500", "Set the price like this"),
        ("/price <b>X</b> 100", "No product has the SKU <b>X</b>"),
    ],
)
async def test_bad_stock_and_price_commands_explain_and_change_nothing(
    world: World, command: str, answer: str
) -> None:
    emu = world.emu
    await start_manager(emu)
    before = await catalog_of_leping(world)
    emu.send_text(MANAGER, command)
    await emu.wait_for(MANAGER, contains=answer)
    assert await catalog_of_leping(world) == before


async def test_villagers_cannot_change_stock_or_prices(world: World) -> None:
    emu = world.emu
    await join(emu, SITI)
    before = await catalog_of_leping(world)
    for command in ("/stock SBK-MG-1 0", "/price SBK-MG-1 1", "/catalog"):
        emu.send_text(SITI, command)
        await emu.wait_for(SITI, contains="for center managers")
    assert await catalog_of_leping(world) == before


async def test_a_photo_telegram_no_longer_has_leaves_the_text_card(world: World) -> None:
    emu = world.emu
    store = await world.store()
    try:
        async with store.db.write() as conn:
            await conn.execute(
                sa.update(products_table)
                .where(products_table.c.sku == "SBK-MG-1")
                .values(photo_file_id="AgACAgUAAxkBAAI-gone")
            )
    finally:
        await store.close()
    await join(emu, SITI)
    emu.send_text(SITI, "migor")
    results = await emu.wait_for(SITI, contains="Results for")
    emu.press(SITI, results.message_id, button_text=results.buttons[0][0].text)
    card = await emu.wait_for(SITI, contains="Choose how many")
    assert card.kind == "text" and "Minyak Goreng 1 liter" in card.text
    emu.press(SITI, card.message_id, button_text="Add to cart")
    await emu.wait_for(SITI, contains="In your cart: 1")


async def test_an_indonesian_manager_reads_the_bad_lines_in_indonesian(world: World) -> None:
    emu = world.emu
    emu.user(MANAGER, "Pak Joko", language_code="id")
    emu.send_text(MANAGER, "/start")
    await emu.wait_for(MANAGER, contains="Kios Desa Leping")
    before = await catalog_of_leping(world)
    upload(emu, MANAGER, HEADER + "NEW-1,,Sembako,15.000,kg,,\n" + "NEW 2,Gula,Sembako,0,kg,x,\n")
    reply = await emu.wait_for(MANAGER, contains="Tidak ada yang diimpor")
    assert "• baris 2: name kosong" in reply.text
    assert "• baris 2: harga: IDR amounts have no decimals" in reply.text  # money's own words
    assert "• baris 3: sku tidak boleh berisi spasi" in reply.text
    assert "• baris 3: harga harus lebih dari 0" in reply.text
    assert "• baris 3: stok harus bilangan bulat 0 atau lebih, atau kosong" in reply.text
    assert await catalog_of_leping(world) == before
