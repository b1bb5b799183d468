"""The manager's one-product changes, on SQLite and PostgreSQL: stock, price, a new product."""

from __future__ import annotations

from bot.domain.catalog_csv import parse_catalog_csv
from bot.domain.money import Money
from storage import Storage
from storage.catalog_edits import NewProduct

CSV = (
    "sku,name,category,price,unit,stock,aliases\n"
    "SBK-MG-1,Minyak Goreng 1 liter,Sembako,18000,bungkus,24,migor\n"
    "mnm-kpb,Kopi Bubuk,Minuman,15000,bungkus,,kopi\n"
)


async def leping(store: Storage) -> int:
    """A center with two products; its id."""
    center = await store.centers.add_center("LEPING", "Kios Desa Leping", 500)
    await store.catalog.import_rows(center.id, parse_catalog_csv(CSV, "IDR"))
    return center.id


async def version(store: Storage) -> int:
    """Leping's catalog version."""
    return (await store.centers.by_code("LEPING")).catalog_version


async def test_stock_and_price_change_the_product_and_the_catalog_version(store: Storage) -> None:
    center_id = await leping(store)
    before = await version(store)
    oil = await store.catalog_edits.set_stock(center_id, "sbk-mg-1", 3)
    assert oil is not None and (oil.sku, oil.stock) == ("SBK-MG-1", 3)
    coffee = await store.catalog_edits.set_price(center_id, "MNM-KPB", Money(16500, "IDR"))
    assert coffee is not None and coffee.price == Money(16500, "IDR")
    assert await store.catalog_edits.set_stock(center_id, "SBK-MG-1", None) is not None
    assert await version(store) == before + 3
    rows = {row.sku: row for row in await store.catalog.export_rows(center_id, "IDR")}
    assert (rows["SBK-MG-1"].stock, rows["mnm-kpb"].price.minor) == (None, 16500)


async def test_an_unknown_sku_changes_nothing(store: Storage) -> None:
    center_id = await leping(store)
    other = await store.centers.add_center("JATI", "Desa Jati", 501)
    before = await version(store)
    assert await store.catalog_edits.set_stock(center_id, "NOPE", 3) is None
    assert await store.catalog_edits.set_price(other.id, "SBK-MG-1", Money(1, "IDR")) is None
    assert await version(store) == before


async def test_a_new_product_gets_a_free_sku_and_keeps_its_photo_across_imports(
    store: Storage,
) -> None:
    center_id = await leping(store)
    new = NewProduct("Kopi Bubuk", "Minuman", Money(20000, "IDR"), "bungkus", 5, "PHOTO-1")
    saved = await store.catalog_edits.add_product(center_id, new)
    assert saved.sku == "KOPI-BUBUK" and saved.photo_file_id == "PHOTO-1"
    again = await store.catalog_edits.add_product(center_id, new)
    assert again.sku == "KOPI-BUBUK-2"
    assert await store.catalog_edits.categories(center_id) == ["Minuman", "Sembako"]

    line = "KOPI-BUBUK,Kopi Bubuk Robusta,Minuman,21000,bungkus,4,\n"
    await store.catalog.import_rows(center_id, parse_catalog_csv(CSV + line, "IDR"))
    product = await store.catalog.product(saved.id, center_id, "IDR")
    assert (product.name, product.photo_file_id) == ("Kopi Bubuk Robusta", "PHOTO-1")
