"""The manager's changes to one product from the chat: stock, price, and a new product.

Every change bumps the center's catalog version in the same transaction, so search and
the categories list see it at once (bot/search_cache.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.catalog_chat import new_sku
from bot.domain.entities import Product
from bot.domain.money import Money
from storage.catalog import product_from_row
from storage.clock import now
from storage.db import Database
from storage.schema import centers, products


@dataclass(frozen=True)
class NewProduct:
    """A product the manager described step by step; the sku is chosen when it is saved."""

    name: str
    category: str
    price: Money
    unit: str
    stock: int | None
    photo_file_id: str | None


class CatalogEdits:
    """Repository of the manager's one-product changes."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def set_stock(self, center_id: int, sku: str, stock: int | None) -> Product | None:
        """Set the stock of the product with this sku (None: not tracked); None if no such sku."""
        return await self._change(center_id, sku, stock=stock)

    async def set_price(self, center_id: int, sku: str, price: Money) -> Product | None:
        """Set the price of the product with this sku; None if no such sku."""
        return await self._change(center_id, sku, price_minor=price.minor)

    async def add_product(self, center_id: int, product: NewProduct) -> Product:
        """Save a new product under a sku unused in the center, and return it."""
        async with self.db.write() as conn:
            taken = (
                await conn.execute(
                    sa.select(products.c.sku).where(products.c.center_id == center_id)
                )
            ).scalars()
            values = dict(
                center_id=center_id,
                sku=new_sku(product.name, list(taken)),
                name=product.name,
                category=product.category,
                price_minor=product.price.minor,
                unit=product.unit,
                stock=product.stock,
                aliases="",
                active=True,
                updated_at=now(),
                photo_file_id=product.photo_file_id,
            )
            inserted = await conn.execute(products.insert().values(values).returning(products))
            row = inserted.one()
            await _bump_version(conn, center_id)
        return product_from_row(row, product.price.currency)

    async def categories(self, center_id: int) -> list[str]:
        """The center's categories in use, by name."""
        query = (
            sa.select(products.c.category)
            .where(products.c.center_id == center_id, products.c.active.is_(True))
            .distinct()
            .order_by(products.c.category)
        )
        async with self.db.read() as conn:
            return list((await conn.execute(query)).scalars())

    async def _change(self, center_id: int, sku: str, **values: Any) -> Product | None:
        """Update one active product found by sku, bump the version, return the product."""
        async with self.db.write() as conn:
            found = await _find_by_sku(conn, center_id, sku)
            if found is None:
                return None
            await conn.execute(
                sa.update(products).where(products.c.id == found).values(updated_at=now(), **values)
            )
            await _bump_version(conn, center_id)
            row = (await conn.execute(products.select().where(products.c.id == found))).one()
            currency = (
                await conn.execute(sa.select(centers.c.currency).where(centers.c.id == center_id))
            ).scalar_one()
        return product_from_row(row, currency)


async def _find_by_sku(conn: AsyncConnection, center_id: int, sku: str) -> int | None:
    """The id of the active product with this sku: exact, else the only one ignoring case.

    Villagers' produce is not found here: it changes through its offer only.
    """
    query = sa.select(products.c.id, products.c.sku).where(
        products.c.center_id == center_id,
        products.c.active.is_(True),
        products.c.seller_id.is_(None),
        sa.func.lower(products.c.sku) == sku.lower(),
    )
    rows = (await conn.execute(query)).all()
    exact = [row.id for row in rows if row.sku == sku]
    if exact:
        return int(exact[0])
    return int(rows[0].id) if len(rows) == 1 else None


async def _bump_version(conn: AsyncConnection, center_id: int) -> None:
    """Tell the search cache the center's catalog changed."""
    await conn.execute(
        sa.update(centers)
        .where(centers.c.id == center_id)
        .values(catalog_version=centers.c.catalog_version + 1)
    )
