"""Villagers' produce: an approved offer becomes a product, and paid orders count as its sales.

The `*_in` functions run inside the transaction of the status change that causes them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.catalog_csv import PRODUCE_SKU_PREFIX
from bot.domain.entities import OutboxMessage, ServiceRequest
from bot.domain.money import Money
from bot.domain.pipeline import sold_out
from storage.clock import now
from storage.db import Database
from storage.schema import centers, products, request_items, requests, users

# Keys of a produce offer's details.
NAME, QUANTITY, UNIT, UNIT_PRICE = "name", "quantity", "unit", "unit_price_minor"
PHOTO, CATEGORY, PRODUCT_ID = "photo_file_id", "category", "product_id"
SOLD_QUANTITY, SOLD_MINOR = "sold_quantity", "sold_minor"


def offer_sku(offer_id: int) -> str:
    """The product code of the produce listed from offer #`offer_id`."""
    return f"{PRODUCE_SKU_PREFIX}{offer_id}"


@dataclass(frozen=True)
class Sale:
    """Units of a villager's produce in one goods order."""

    seller_id: int
    offer_id: int
    order_id: int
    name: str
    unit: str
    quantity: int
    amount: Money


# Renders the news of a sale from the offer as it stands after it (seller's note, manager's card).
SaleNotifier = Callable[[ServiceRequest, Sale], Sequence[OutboxMessage]]


async def _bump_catalog(conn: AsyncConnection, center_id: int) -> None:
    """The search index is rebuilt from the changed catalog."""
    await conn.execute(
        sa.update(centers)
        .where(centers.c.id == center_id)
        .values(catalog_version=centers.c.catalog_version + 1)
    )


async def list_offer_in(conn: AsyncConnection, offer: ServiceRequest) -> int:
    """Put an approved offer on sale: the seller's product, stock-tracked; returns its id."""
    d = offer.details
    result = await conn.execute(
        products.insert()
        .values(
            center_id=offer.center_id,
            sku=offer_sku(offer.id),
            name=str(d[NAME]),
            category=str(d[CATEGORY]),
            price_minor=int(d[UNIT_PRICE]),
            unit=str(d[UNIT]),
            stock=int(d[QUANTITY]),
            aliases="",
            active=True,
            updated_at=now(),
            photo_file_id=d.get(PHOTO),
            seller_id=offer.villager_id,
            offer_id=offer.id,
        )
        .returning(products.c.id)
    )
    product_id = int(result.scalar_one())
    await _merge_details(conn, offer.id, {PRODUCT_ID: product_id})
    await _bump_catalog(conn, offer.center_id)
    return product_id


async def unlist_offer_in(conn: AsyncConnection, offer_id: int, center_id: int) -> None:
    """Take a closed offer's product off sale (orders already placed go on)."""
    await conn.execute(
        sa.update(products)
        .where(products.c.offer_id == offer_id)
        .values(active=False, updated_at=now())
    )
    await _bump_catalog(conn, center_id)


async def _merge_details(conn: AsyncConnection, request_id: int, values: dict[str, Any]) -> None:
    row = (
        await conn.execute(sa.select(requests.c.details).where(requests.c.id == request_id))
    ).scalar_one()
    merged = {**json.loads(row), **values}
    await conn.execute(
        sa.update(requests)
        .where(requests.c.id == request_id)
        .values(details=json.dumps(merged, ensure_ascii=False))
    )


async def sales_in(conn: AsyncConnection, order_id: int, currency: str) -> list[Sale]:
    """The produce lines of goods order `order_id`, one Sale per line."""
    query = (
        sa.select(
            products.c.seller_id,
            products.c.offer_id,
            request_items.c.name,
            request_items.c.unit,
            request_items.c.quantity,
            request_items.c.price_minor,
        )
        .select_from(request_items.join(products, products.c.id == request_items.c.product_id))
        .where(request_items.c.request_id == order_id, products.c.offer_id.is_not(None))
        .order_by(request_items.c.id)
    )
    return [
        Sale(
            row.seller_id,
            row.offer_id,
            order_id,
            row.name,
            row.unit,
            row.quantity,
            Money(row.price_minor * row.quantity, currency),
        )
        for row in (await conn.execute(query)).all()
    ]


async def record_sales_in(conn: AsyncConnection, order: ServiceRequest) -> list[tuple[Sale, bool]]:
    """Add a paid order's produce to each offer's sold figures: each sale, and whether its
    offer is now sold out."""
    recorded = []
    for sale in await sales_in(conn, order.id, order.total.currency):
        row = (
            await conn.execute(sa.select(requests.c.details).where(requests.c.id == sale.offer_id))
        ).scalar_one()
        d = json.loads(row)
        quantity = int(d.get(SOLD_QUANTITY, 0)) + sale.quantity
        minor = int(d.get(SOLD_MINOR, 0)) + sale.amount.minor
        await _merge_details(conn, sale.offer_id, {SOLD_QUANTITY: quantity, SOLD_MINOR: minor})
        recorded.append((sale, sold_out(int(d.get(QUANTITY, 0)), quantity)))
    return recorded


class Produce:
    """Reads about villagers' produce: who sells it, what an order sold of it."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def sales_in_order(self, order: ServiceRequest) -> list[Sale]:
        """The villagers' produce in a goods order (its lines never change after submission)."""
        async with self.db.read() as conn:
            return await sales_in(conn, order.id, order.total.currency)

    async def seller_names(self, seller_ids: Iterable[int | None]) -> dict[int, str]:
        """Sellers' first names by id: all a buyer is shown of them."""
        wanted = {i for i in seller_ids if i is not None}
        if not wanted:
            return {}
        query = sa.select(users.c.id, users.c.first_name).where(users.c.id.in_(wanted))
        async with self.db.read() as conn:
            return {row.id: row.first_name for row in (await conn.execute(query)).all()}
