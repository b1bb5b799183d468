"""The manager keeps the catalog from the chat: CSV upload and /catalog, /stock, /price."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from bot.devtools.emulator import BotApiEmulator
from bot.domain.catalog_csv import parse_catalog_csv
from bot.domain.entities import Product
from storage.schema import products as products_table
from tests.e2e.conftest import MANAGER, SITI, World, join, label, part_of, shown, start_manager

pytestmark = pytest.mark.usefixtures("no_errors_logged")

HEADER = "sku,name,category,price,unit,stock,aliases\n"
GOOD_FILE = (
    HEADER
    + "MNM-KPB,Kopi Bubuk 165 gram,Minuman,16500,bungkus,30,kopi|kopi ireng\n"
    + "MNM-TBR,Kopi Tubruk Gayo 250 gram,Minuman,27000,bungkus,,kopi gayo|kopi aceh\n"
)
LEPING = "Kios Desa Leping"


def bad_line(line: int, key: str, **values: object) -> str:
    """One line of the manager's list of problems in a refused file."""
    return shown("sheet.error_line", line=line, message=label(key, **values))


async def catalog_of_leping(world: World) -> tuple[dict[str, Product], int]:
    """Every product of Leping by sku, and the catalog version, as the database holds them."""
    async with world.database() as store:
        center = await store.centers.by_code("LEPING")
        ids = [item.product_id for item in await store.catalog.search_items(center.id, "IDR")]
        found = await store.catalog.products(center.id, center.currency, ids)
        return {product.sku: product for product in found}, center.catalog_version


def upload(emu: BotApiEmulator, user_id: int, text: str, name: str = "leping.csv") -> None:
    """Send a file as a document, as a phone sends a CSV."""
    emu.send_document(user_id, text.encode("utf-8"), name, "text/csv")


async def test_a_good_file_is_imported_and_villagers_find_its_products(world: World) -> None:
    emu = world.emu
    await start_manager(emu)
    upload(emu, MANAGER, GOOD_FILE)
    imported = shown("catalog.imported", center=LEPING, products="2 products", added=1, updated=1)
    await emu.wait_for(MANAGER, contains=imported)
    products, _ = await catalog_of_leping(world)
    assert products["MNM-KPB"].price.minor == 16500 and products["MNM-KPB"].stock == 30
    assert products["MNM-TBR"].aliases == ("kopi gayo", "kopi aceh")

    await join(emu, SITI)
    emu.send_text(SITI, "kopi aceh")
    results = await emu.wait_for(SITI, contains=shown("shop.results", query="kopi aceh"))
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
    reply = await emu.wait_for(MANAGER, contains=part_of("sheet.rejected", problems="4 problems"))
    no_decimals = "IDR amounts have no decimals"  # money's own words
    assert bad_line(3, "sheet.bad_price", reason=no_decimals) in reply.text
    assert bad_line(4, "sheet.empty", column="name") in reply.text
    assert bad_line(5, "catalog.row.bad_stock") in reply.text
    assert bad_line(5, "sheet.repeated", column="sku", value="'NEW-1'", first=2) in reply.text
    assert await catalog_of_leping(world) == before


async def test_a_file_with_many_bad_lines_names_the_first_twenty(world: World) -> None:
    emu = world.emu
    await start_manager(emu)
    before = await catalog_of_leping(world)
    rows = "".join(f"BAD-{n},Barang {n},Lain,gratis,buah,,\n" for n in range(2, 62))
    upload(emu, MANAGER, HEADER + rows)
    reply = await emu.wait_for(MANAGER, contains=part_of("sheet.rejected", problems="60 problems"))
    assert "line 21:" in reply.text and "line 22:" not in reply.text
    assert shown("sheet.error_more", count=40) in reply.text
    assert len(reply.text) < 4096
    assert await catalog_of_leping(world) == before


async def test_files_that_are_not_a_csv_catalog_are_refused_politely(world: World) -> None:
    emu = world.emu
    await start_manager(emu)
    before = await catalog_of_leping(world)
    emu.send_document(MANAGER, b"PK\x03\x04 spreadsheet", "katalog.xlsx", "application/zip")
    await emu.wait_for(MANAGER, contains=shown("catalog.file_spreadsheet"))
    emu.send_document(MANAGER, b"\x89PNG picture", "foto.png", "image/png")
    await emu.wait_for(MANAGER, contains=shown("catalog.file_not_csv"))
    latin1 = (HEADER + "MNM-KPB,Café Bubuk,Minuman,16500,bungkus,,\n").encode("latin-1")
    emu.send_document(MANAGER, latin1, "leping.csv", "text/csv")
    await emu.wait_for(MANAGER, contains=shown("catalog.file_not_utf8"))
    huge = HEADER + "X-1,Barang,Lain,1000,buah,,\n" * 40_000
    upload(emu, MANAGER, huge)
    await emu.wait_for(MANAGER, contains=shown("catalog.file_too_big"))
    upload(emu, MANAGER, "")
    await emu.wait_for(MANAGER, contains=bad_line(1, "catalog.row.file_empty"))
    assert await catalog_of_leping(world) == before


async def test_a_villager_sending_a_file_is_told_to_type_instead(world: World) -> None:
    emu = world.emu
    await join(emu, SITI)
    before = await catalog_of_leping(world)
    upload(emu, SITI, GOOD_FILE)
    await emu.wait_for(SITI, contains=shown("catalog.file_not_manager"))
    assert await catalog_of_leping(world) == before


async def test_catalog_sends_a_file_that_reads_back_as_the_catalog(world: World) -> None:
    emu = world.emu
    await start_manager(emu)
    emu.send_text(MANAGER, "/catalog")
    sent = await emu.wait_for(MANAGER, contains=part_of("catalog.exported", center=LEPING))
    assert sent.document is not None and sent.document.filename == "catalog-LEPING.csv"
    rows = parse_catalog_csv(emu.file_bytes(sent.document.file_id).decode("utf-8-sig"), "IDR")
    products, _ = await catalog_of_leping(world)
    assert sent.text == shown(
        "catalog.exported", center=LEPING, products=f"{len(products)} products"
    )
    assert {row.sku: (row.name, row.price, row.stock, row.aliases) for row in rows} == {
        p.sku: (p.name, p.price, p.stock, p.aliases) for p in products.values()
    }
    # Sent back unchanged, the same file updates every product and adds none.
    emu.send_document(MANAGER, emu.file_bytes(sent.document.file_id), "catalog-LEPING.csv")
    count = len(products)
    imported = shown(
        "catalog.imported", center=LEPING, products=f"{count} products", added=0, updated=count
    )
    await emu.wait_for(MANAGER, contains=imported)


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
    await emu.wait_for(MANAGER, contains=label("catalog.stock_untracked"))
    products, _ = await catalog_of_leping(world)
    assert products["SBK-MG-1"].stock is None

    await join(emu, SITI)
    emu.send_text(SITI, "migor")
    results = await emu.wait_for(SITI, contains=shown("shop.results", query="migor"))
    emu.press(SITI, results.message_id, button_text=results.buttons[0][0].text)
    card = await emu.wait_for(SITI, contains=part_of("shop.product"))
    assert "19,500" in card.text and label("shop.stock_untracked") in card.text


STOCK_USAGE, PRICE_USAGE = part_of("catalog.stock_usage"), part_of("catalog.price_usage")


@pytest.mark.parametrize(
    ("command", "answer"),
    [
        ("/stock", STOCK_USAGE),
        ("/stock SBK-MG-1", STOCK_USAGE),
        ("/stock SBK-MG-1 -2", STOCK_USAGE),
        ("/stock SBK-MG-1 2.5", STOCK_USAGE),
        ("/stock SBK-MG-1 lima", STOCK_USAGE),
        ("/stock SBK-MG-1 99999999999999", STOCK_USAGE),
        ("/stock SBK MG 1 5", STOCK_USAGE),
        ("/stock NOPE-1 5", shown("catalog.unknown_sku", sku="NOPE-1")),
        ("/price", part_of("catalog.price_usage", example="15000")),
        ("/price SBK-MG-1 19,5", PRICE_USAGE),
        ("/price SBK-MG-1 0", PRICE_USAGE),
        ("/price SBK-MG-1 -100", PRICE_USAGE),
        ("/price SBK-MG-1 ¥19500", PRICE_USAGE),
        ("/price <b>X</b> 100", shown("catalog.unknown_sku", sku="<b>X</b>")),
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
        unknown = part_of("common.unknown_command", command=command.split()[0])
        await emu.wait_for(SITI, contains=unknown)
    assert await catalog_of_leping(world) == before


async def test_a_photo_telegram_no_longer_has_leaves_the_text_card(world: World) -> None:
    emu = world.emu
    async with world.database() as store, store.db.write() as conn:
        await conn.execute(
            sa.update(products_table)
            .where(products_table.c.sku == "SBK-MG-1")
            .values(photo_file_id="AgACAgUAAxkBAAI-gone")
        )
    await join(emu, SITI)
    emu.send_text(SITI, "migor")
    results = await emu.wait_for(SITI, contains=shown("shop.results", query="migor"))
    emu.press(SITI, results.message_id, button_text=results.buttons[0][0].text)
    card = await emu.wait_for(SITI, contains=part_of("shop.product"))
    assert card.kind == "text" and "Minyak Goreng 1 liter" in card.text
    emu.press(SITI, card.message_id, button_text=label("shop.add_to_cart"))
    await emu.wait_for(SITI, contains=shown("shop.in_cart", quantity=1).strip())


async def test_an_indonesian_manager_reads_the_bad_lines_in_indonesian(world: World) -> None:
    emu = world.emu
    async with world.database() as store:
        await store.users.set_language(MANAGER, "id")
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


async def test_a_file_that_is_not_utf8_is_named_so_in_the_managers_language(world: World) -> None:
    emu = world.emu
    emu.user(MANAGER, "Pak Joko", language_code="zh")
    emu.send_text(MANAGER, "/start")
    await emu.wait_for(MANAGER, contains="Kios Desa Leping")
    async with world.database() as store:  # the manager chose Chinese (/language)
        await store.users.set_language(MANAGER, "zh")
    before = await catalog_of_leping(world)
    # "Café" as a spreadsheet on Windows saves it when "CSV" is chosen instead of "CSV UTF-8".
    western = (HEADER + "MNM-KPB,Café Bubuk,Minuman,16500,bungkus,,\n").encode("cp1252")
    emu.send_document(MANAGER, western, "leping.csv", "text/csv")
    reply = await emu.wait_for(MANAGER, contains=shown("catalog.file_not_utf8", "zh"))
    assert "CSV UTF-8" in reply.text
    assert await catalog_of_leping(world) == before
