"""What reports read from the database, on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa

from bot.domain.catalog_csv import CatalogRow
from bot.domain.entities import Center, Checkout, ServiceRequest
from bot.domain.money import Money
from bot.domain.pipeline import Action, Fulfilment, RequestKind, RequestStatus
from bot.domain.reports import SoldLine
from bot.services.acting import act
from bot.services.submissions import submit_order
from storage import Storage
from storage.clock import now
from storage.schema import requests

MANAGER, OTHER_MANAGER, SITI = 500, 501, 7001
DAY = 86_400.0


async def order(store: Storage, center: Center, quantities: dict[str, int]) -> ServiceRequest:
    """Siti orders goods by sku, for pickup."""
    villager = await store.users.get(SITI)
    assert villager is not None
    by_sku = {r.sku: r for r in await store.catalog.export_rows(center.id, center.currency)}
    items = {i.name: i.product_id for i in await store.catalog.search_items(center.id, "IDR")}
    for sku, quantity in quantities.items():
        await store.carts.add(SITI, items[by_sku[sku].name], center.id, quantity)
    return await submit_order(store, villager, center, Checkout(Fulfilment.PICKUP))


async def deliver(store: Storage, request_id: int) -> None:
    """The manager approves, readies and hands over the order."""
    for action in (Action.APPROVE, Action.MARK_READY, Action.COMPLETE):
        await act(store, request_id, action, MANAGER)


async def move_back(store: Storage, request_id: int, days: float) -> None:
    """Pretend a request was made (and completed) `days` earlier."""
    async with store.db.write() as conn:
        await conn.execute(
            sa.update(requests)
            .where(requests.c.id == request_id)
            .values(
                created_at=requests.c.created_at - days * DAY,
                completed_at=requests.c.completed_at - days * DAY,
            )
        )


def goods(sku: str, name: str, price: int) -> CatalogRow:
    return CatalogRow(sku, name, "Sembako", Money(price, "IDR"), "pcs", None, ())


async def test_requests_of_the_window_with_lines_and_villager_names(store: Storage) -> None:
    center = await store.centers.add_center("LEPING", "Kios Desa Leping", MANAGER)
    other = await store.centers.add_center("SUKA", "Kios Desa Suka", OTHER_MANAGER)
    catalog = [goods("OIL", "Minyak Goreng", 18000), goods("RICE", "Beras 5 kg", 72000)]
    await store.catalog.import_rows(center.id, catalog)
    await store.catalog.import_rows(other.id, catalog)
    await store.users.seen(MANAGER, "Pak Joko")
    await store.users.seen(SITI, "Siti", "Aminah")
    await store.users.join_center(SITI, center.id)

    today = await order(store, center, {"OIL": 2, "RICE": 1})
    await deliver(store, today.id)
    waiting = await order(store, center, {"OIL": 1})
    old = await order(store, center, {"RICE": 3})
    await deliver(store, old.id)
    await move_back(store, old.id, 10)
    await store.users.join_center(SITI, other.id)
    elsewhere = await order(store, other, {"OIL": 5})

    stamp = now()
    rows = await store.reports.requests_in_window(center.id, stamp - DAY, stamp + 60)

    assert [r.id for r in rows] == [today.id, waiting.id]
    first = rows[0]
    assert (first.kind, first.status) == (RequestKind.GOODS, RequestStatus.COMPLETED)
    assert first.total == Money(2 * 18000 + 72000, "IDR")
    assert first.villager == "Siti Aminah"
    assert first.lines == (SoldLine("Minyak Goreng", 2), SoldLine("Beras 5 kg", 1))
    assert first.completed_at is not None and first.completed_at >= first.created_at
    assert rows[1].completed_at is None and rows[1].status is RequestStatus.SUBMITTED
    # Ten days back the old order is there, alone; the other center's order never is.
    back = await store.reports.requests_in_window(center.id, stamp - 11 * DAY, stamp - 9 * DAY)
    assert [r.id for r in back] == [old.id]
    assert elsewhere.id not in [
        r.id
        for r in await store.reports.requests_in_window(center.id, stamp - 30 * DAY, stamp + 60)
    ]
