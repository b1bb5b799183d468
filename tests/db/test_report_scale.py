"""A month with more requests than PostgreSQL's driver takes parameters in one statement."""

from __future__ import annotations

import json

import sqlalchemy as sa

from bot.domain.clock import center_zone
from bot.domain.money import Money
from bot.domain.pipeline import RequestKind, RequestStatus
from bot.domain.reports import Period, summarize, window_for
from storage import Storage
from storage.clock import now
from storage.schema import request_items, requests

MANAGER, SITI = 500, 7001
DAY = 86_400.0
# asyncpg takes at most 32,767 parameters in a statement; the month holds more requests.
IN_MONTH = 33_100
# Every tenth order (by number) also had two bottles of oil.
WITH_OIL = IN_MONTH // 10
PRICE = 1_000


async def test_a_month_of_more_than_32767_requests_reports_every_one(postgres_url: str) -> None:
    store = await Storage.open(postgres_url)
    try:
        center = await store.centers.add_center("LEPING", "Kios Desa Leping", MANAGER)
        await store.users.seen(SITI, "Siti")
        stamp = now()
        window = window_for(Period.MONTH, stamp, center_zone("IDR"))
        # Ten orders of last year's harvest fair: outside the month, never counted.
        await add_completed_orders(store, center.id, IN_MONTH, created_at=stamp - 60)
        await add_completed_orders(store, center.id, 10, created_at=stamp - 400 * DAY)

        rows = await store.reports.requests_in_window(center.id, window.start, window.end)
        report = summarize(rows, window, "IDR")
    finally:
        await store.close()

    assert report.submitted == IN_MONTH
    assert report.by_kind == {RequestKind.GOODS: IN_MONTH}
    assert report.completed == IN_MONTH
    assert report.revenue == Money(IN_MONTH * PRICE, "IDR")
    assert report.items_sold == IN_MONTH + 2 * WITH_OIL
    assert report.top_products == [("Beras 5 kg", IN_MONTH), ("Minyak Goreng", 2 * WITH_OIL)]


async def add_completed_orders(
    store: Storage, center_id: int, count: int, *, created_at: float
) -> None:
    """`count` goods orders by Siti, completed a minute after `created_at`, in two statements.

    Each order has a bag of rice; every tenth (by id) also two bottles of oil.
    """
    numbers = sa.func.generate_series(1, count).table_valued("n")
    orders = sa.select(
        sa.literal(center_id),
        sa.literal(SITI),
        sa.literal(RequestKind.GOODS.value),
        sa.literal(RequestStatus.COMPLETED.value),
        sa.literal("IDR"),
        sa.literal(PRICE),
        sa.literal(0),
        sa.literal(json.dumps({})),
        sa.literal(created_at),
        sa.literal(created_at + 60),
        sa.literal(created_at + 60),
    ).select_from(numbers)
    columns = ["center_id", "villager_id", "kind", "status", "currency", "total_minor"]
    columns += ["commission_minor", "details", "created_at", "updated_at", "completed_at"]
    made = sa.select(requests.c.id).where(requests.c.created_at == created_at).subquery()
    async with store.db.write() as conn:
        await conn.execute(sa.insert(requests).from_select(columns, orders))
        for sku, name, quantity, which in (
            ("RICE", "Beras 5 kg", 1, sa.true()),
            ("OIL", "Minyak Goreng", 2, made.c.id % 10 == 0),
        ):
            lines = sa.select(
                made.c.id,
                sa.literal(sku),
                sa.literal(name),
                sa.literal("pcs"),
                sa.literal(PRICE),
                sa.literal(quantity),
            ).where(which)
            await conn.execute(
                sa.insert(request_items).from_select(
                    ["request_id", "sku", "name", "unit", "price_minor", "quantity"], lines
                )
            )
