"""Upgrading a live database: a center that ran on revision 0001 keeps everything it had.

Each test runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.catalog_csv import CatalogRow
from bot.domain.entities import Checkout
from bot.domain.money import Money
from bot.domain.pipeline import Fulfilment, RequestStatus
from bot.services.submissions import submit_order
from storage import Storage
from storage.db import Database, alembic_config
from storage.schema import metadata
from tests.conftest import open_storage

MANAGER, SITI, BUDI = 900001, 700001, 700002
# The newest revision, read from the migrations themselves.
HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()
TABLES_OF_0001 = ("centers", "users", "products")


async def database_at(url: str, revision: str) -> Database:
    """A database migrated only up to `revision`, as an older release left it."""
    db = Database(url)

    def upgrade(connection: Connection) -> None:
        command.upgrade(alembic_config(connection), revision)

    async with db.write() as conn:
        await conn.run_sync(upgrade)
    return db


async def revision_of(conn: AsyncConnection) -> str:
    version = await conn.execute(sa.text("SELECT version_num FROM alembic_version"))
    return str(version.scalar_one())


async def snapshot(conn: AsyncConnection) -> dict[str, list[dict[str, Any]]]:
    """Every row of the 0001 tables, as plain dicts ordered by key."""
    rows: dict[str, list[dict[str, Any]]] = {}
    for table in TABLES_OF_0001:
        result = await conn.execute(sa.text(f"SELECT * FROM {table} ORDER BY id"))
        rows[table] = [dict(row._mapping) for row in result]
    return rows


async def an_old_center(url: str) -> dict[str, list[dict[str, Any]]]:
    """Leping as release 0001 stored it: the center, its manager and villagers, two products."""
    db = await database_at(url, "0001")
    try:
        async with db.write() as conn:
            await conn.execute(
                sa.text(
                    "INSERT INTO centers (code, name, manager_id, currency, language, lat, lon,"
                    " created_at) VALUES ('LEPING', 'Kios Leping', :manager, 'IDR', 'id',"
                    " -7.56, 110.82, 1700000000.5)"
                ),
                {"manager": MANAGER},
            )
            center_id = (
                await conn.execute(sa.text("SELECT id FROM centers WHERE code = 'LEPING'"))
            ).scalar_one()
            users = sa.table(
                "users",
                sa.column("id"),
                sa.column("first_name"),
                sa.column("last_name"),
                sa.column("username"),
                sa.column("telegram_language"),
                sa.column("language"),
                sa.column("phone"),
                sa.column("center_id"),
                sa.column("muted"),
                sa.column("created_at"),
            )
            await conn.execute(
                users.insert(),
                [
                    dict(
                        id=MANAGER,
                        first_name="Pak Joko",
                        last_name=None,
                        username="joko",
                        telegram_language="id",
                        language=None,
                        phone=None,
                        center_id=None,
                        muted=False,
                        created_at=1700000001.0,
                    ),
                    dict(
                        id=SITI,
                        first_name="Siti",
                        last_name="Aminah",
                        username=None,
                        telegram_language="id",
                        language="jv",
                        phone="+6281234567890",
                        center_id=center_id,
                        muted=False,
                        created_at=1700000002.0,
                    ),
                    dict(
                        id=BUDI,
                        first_name="Budi",
                        last_name=None,
                        username=None,
                        telegram_language="en",
                        language=None,
                        phone=None,
                        center_id=center_id,
                        muted=True,
                        created_at=1700000003.0,
                    ),
                ],
            )
            products = sa.table(
                "products",
                sa.column("center_id"),
                sa.column("sku"),
                sa.column("name"),
                sa.column("category"),
                sa.column("price_minor"),
                sa.column("unit"),
                sa.column("stock"),
                sa.column("aliases"),
                sa.column("updated_at"),
            )
            await conn.execute(
                products.insert(),
                [
                    dict(
                        center_id=center_id,
                        sku="SBK-BRS-M5",
                        name="Beras Medium 5 kg",
                        category="Sembako",
                        price_minor=72000,
                        unit="sak",
                        stock=20,
                        aliases="beas|wos",
                        updated_at=1700000004.0,
                    ),
                    dict(
                        center_id=center_id,
                        sku="SBK-MG-1",
                        name="Minyak Goreng 1 liter",
                        category="Sembako",
                        price_minor=18000,
                        unit="bungkus",
                        stock=None,
                        aliases="migor",
                        updated_at=1700000005.0,
                    ),
                ],
            )
        async with db.read() as conn:
            assert await revision_of(conn) == "0001"
            return await snapshot(conn)
    finally:
        await db.close()


async def test_upgrading_keeps_every_center_user_and_product_unchanged(database_url: str) -> None:
    before = await an_old_center(database_url)

    async with open_storage(database_url) as store, store.db.read() as conn:
        assert await revision_of(conn) == HEAD
        after = await snapshot(conn)

    # Every value an old release stored is unchanged; columns added since hold their defaults.
    kept = {
        table: [
            {key: row[key] for key in old} for old, row in zip(before[table], rows, strict=True)
        ]
        for table, rows in after.items()
    }
    assert kept == before
    assert [c["quote_ttl_s"] for c in after["centers"]] == [86_400]
    assert [c["code"] for c in after["centers"]] == ["LEPING"]
    assert [u["id"] for u in after["users"]] == [SITI, BUDI, MANAGER]
    assert [p["sku"] for p in after["products"]] == ["SBK-BRS-M5", "SBK-MG-1"]
    # Products from before photos and villagers' produce: no photo, sold by the center.
    assert [(p["photo_file_id"], p["seller_id"]) for p in after["products"]] == [(None, None)] * 2


async def test_old_rows_read_back_through_the_new_code(database_url: str) -> None:
    await an_old_center(database_url)

    async with open_storage(database_url) as store:
        center = await store.centers.by_code("leping")
        siti = await store.users.get(SITI)
        budi = await store.users.get(BUDI)
        catalog = await store.catalog.export_rows(center.id, center.currency)

    assert (center.name, center.manager_id, center.lat, center.lon) == (
        "Kios Leping",
        MANAGER,
        -7.56,
        110.82,
    )
    assert (center.radius_km, center.catalog_version) == (3.0, 0)  # 0001's server defaults
    assert siti is not None and budi is not None
    assert (siti.display_name, siti.phone, siti.language, siti.muted) == (
        "Siti Aminah",
        "+6281234567890",
        "jv",
        False,
    )
    assert (siti.center_id, budi.center_id, budi.muted) == (center.id, center.id, True)
    assert catalog == [
        CatalogRow(
            "SBK-BRS-M5",
            "Beras Medium 5 kg",
            "Sembako",
            Money(72000, "IDR"),
            "sak",
            20,
            ("beas", "wos"),
        ),
        CatalogRow(
            "SBK-MG-1",
            "Minyak Goreng 1 liter",
            "Sembako",
            Money(18000, "IDR"),
            "bungkus",
            None,
            ("migor",),
        ),
    ]


async def test_a_villager_from_before_the_upgrade_can_fill_a_cart_and_order(
    database_url: str,
) -> None:
    await an_old_center(database_url)

    async with open_storage(database_url) as store:
        center = await store.centers.by_code("LEPING")
        rice = next(
            p
            for p in await store.catalog.search_items(center.id, center.currency)
            if p.name.startswith("Beras")
        )
        await store.carts.add(SITI, rice.product_id, center.id, 2)
        assert [
            (line.product.sku, line.quantity)
            for line in await store.carts.lines(SITI, center.id, center.currency)
        ] == [("SBK-BRS-M5", 2)]

        siti = await store.users.get(SITI)
        assert siti is not None
        order = await submit_order(store, siti, center, Checkout(Fulfilment.PICKUP))

        assert order.status is RequestStatus.SUBMITTED
        assert order.total == Money(144000, "IDR")
        assert [(i.sku, i.quantity) for i in order.items] == [("SBK-BRS-M5", 2)]
        stock = {r.sku: r.stock for r in await store.catalog.export_rows(center.id, "IDR")}
        assert stock == {"SBK-BRS-M5": 18, "SBK-MG-1": None}
        assert await store.requests.count_open(center.id) == 1
        assert [e["to_status"] for e in await store.requests.history(order.id)] == ["submitted"]
        assert await store.outbox.counts() == {"pending": 1}  # the manager hears of it


async def test_new_centers_and_products_get_fresh_ids_after_the_upgrade(database_url: str) -> None:
    before = await an_old_center(database_url)

    async with open_storage(database_url) as store:
        other = await store.centers.add_center("KARANG", "Kios Karang", MANAGER)
        await store.catalog.import_rows(
            other.id,
            [CatalogRow("GAS-3", "Gas LPG 3 kg", "Rumah Tangga", Money(22000, "IDR"), "tabung", 5)],
        )
        async with store.db.read() as conn:
            after = await snapshot(conn)

    assert other.id not in {c["id"] for c in before["centers"]}
    assert len(after["products"]) == 3
    old_columns = before["products"][0].keys()
    kept = [{key: row[key] for key in old_columns} for row in after["products"][:2]]
    assert kept == before["products"]


def columns_by_table(connection: Connection) -> dict[str, dict[str, bool]]:
    """Column name -> nullable, per table, as the database reports them."""
    inspector = sa.inspect(connection)
    return {
        table: {c["name"]: bool(c["nullable"]) for c in inspector.get_columns(table)}
        for table in inspector.get_table_names()
        if table != "alembic_version"
    }


async def test_schema_module_describes_exactly_what_the_migrations_create(store: Storage) -> None:
    async with store.db.read() as conn:
        migrated = await conn.run_sync(columns_by_table)

    declared = {
        table.name: {c.name: bool(c.nullable) for c in table.columns}
        for table in metadata.sorted_tables
    }
    assert sorted(migrated) == sorted(declared)
    for name, columns in declared.items():
        assert list(migrated[name]) == list(columns), name
        assert migrated[name] == columns, name


async def test_opening_an_up_to_date_database_again_changes_nothing(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with open_storage(database_url) as first:
        await first.centers.add_center("LEPING", "Kios Leping", MANAGER)
        async with first.db.read() as conn:
            before = await snapshot(conn)
            schema_before = await conn.run_sync(columns_by_table)

    caplog.set_level(logging.INFO, logger="alembic")
    async with open_storage(database_url) as again, again.db.read() as conn:
        assert await revision_of(conn) == HEAD
        assert await snapshot(conn) == before
        assert await conn.run_sync(columns_by_table) == schema_before

    assert not [r for r in caplog.records if "Running upgrade" in r.getMessage()]


async def test_request_ids_outlast_32_bits_and_old_requests_keep_theirs(postgres_url: str) -> None:
    """A deployment of thousands of centers passes 2**31 outbox rows within months (SQLite's
    rowid is 64 bits already: PostgreSQL alone changes)."""
    old = await database_at(postgres_url, "0017")
    await old.close()
    async with open_storage(postgres_url) as store:
        center = await store.centers.add_center("LEPING", "Kios Desa Leping", MANAGER)
        await store.users.seen(SITI, "Siti")
        villager = await store.users.join_center(SITI, center.id)
        async with store.db.write() as conn:
            for table in ("requests", "request_items", "request_events", "outbox"):
                await conn.execute(sa.text(f"SELECT setval('{table}_id_seq', 3000000000)"))
        rows = [CatalogRow("OIL", "Minyak", "Sembako", Money(18000, "IDR"), "pcs", None, ())]
        await store.catalog.import_rows(center.id, rows)
        item = (await store.catalog.search_items(center.id, "IDR"))[0]
        await store.carts.add(SITI, item.product_id, center.id, 1)
        order = await submit_order(store, villager, center, Checkout(Fulfilment.PICKUP))
        assert order.id > 2**31
        assert (await store.requests.get(order.id)).status is RequestStatus.SUBMITTED
