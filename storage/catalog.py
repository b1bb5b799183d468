"""Each center's catalog of products."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from bot.domain.catalog_csv import CatalogRow
from bot.domain.entities import Product
from bot.domain.errors import RecordNotFound
from bot.domain.money import Money
from bot.domain.search import SearchItem
from storage.clock import now
from storage.db import Database
from storage.schema import centers, products

ALIAS_SEPARATOR = "|"


def _aliases(text: str) -> tuple[str, ...]:
    """The aliases stored in one column, separated by ALIAS_SEPARATOR."""
    return tuple(alias for alias in text.split(ALIAS_SEPARATOR) if alias)


def product_from_row(row: Any, currency: str) -> Product:
    """Build a Product from a `products` row; prices carry the center's currency."""
    aliases = _aliases(row.aliases)
    return Product(
        id=row.id,
        center_id=row.center_id,
        sku=row.sku,
        name=row.name,
        category=row.category,
        price=Money(row.price_minor, currency),
        unit=row.unit,
        stock=row.stock,
        aliases=aliases,
        active=bool(row.active),
        photo_file_id=row.photo_file_id,
        seller_id=row.seller_id,
    )


@dataclass(frozen=True)
class ImportResult:
    """How many products an import added and updated."""

    added: int
    updated: int


def _row_values(row: CatalogRow) -> dict[str, Any]:
    """Column values for one imported CSV row."""
    return dict(
        name=row.name,
        category=row.category,
        price_minor=row.price.minor,
        unit=row.unit,
        stock=row.stock,
        aliases=ALIAS_SEPARATOR.join(row.aliases),
        active=True,
        updated_at=now(),
    )


# Products by id (a cart, a product card): built once, bound "center_id" and expanding "ids".
_PRODUCTS_AMONG = products.select().where(
    products.c.center_id == sa.bindparam("center_id", type_=products.c.center_id.type),
    products.c.active.is_(True),
    products.c.id.in_(sa.bindparam("ids", expanding=True)),
)


class Catalog:
    """Repository of products."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def import_rows(self, center_id: int, rows: Sequence[CatalogRow]) -> ImportResult:
        """Add or update (by sku) every row in one transaction, and bump the catalog version."""
        async with self.db.write() as conn:
            existing = {
                sku
                for (sku,) in await conn.execute(
                    sa.select(products.c.sku).where(products.c.center_id == center_id)
                )
            }
            new = [
                dict(center_id=center_id, sku=r.sku, **_row_values(r))
                for r in rows
                if r.sku not in existing
            ]
            old = [dict(b_sku=r.sku, **_row_values(r)) for r in rows if r.sku in existing]
            if new:
                await conn.execute(products.insert(), new)
            if old:
                update = sa.update(products).where(
                    products.c.center_id == center_id, products.c.sku == sa.bindparam("b_sku")
                )
                await conn.execute(update, old)
            await conn.execute(
                sa.update(centers)
                .where(centers.c.id == center_id)
                .values(catalog_version=centers.c.catalog_version + 1)
            )
        return ImportResult(added=len(new), updated=len(old))

    async def export_rows(self, center_id: int, currency: str) -> list[CatalogRow]:
        """Every active product of the center as CSV rows, by sku; villagers' produce, which
        changes through its offer only, is left out."""
        return [
            CatalogRow(
                sku=p.sku,
                name=p.name,
                category=p.category,
                price=p.price,
                unit=p.unit,
                stock=p.stock,
                aliases=p.aliases,
            )
            for p in await self._query(center_id, currency, order=products.c.sku)
            if p.seller_id is None
        ]

    async def search_items(self, center_id: int, currency: str) -> list[SearchItem]:
        """What the search index is built from."""
        # Only the four columns searched: a 100,000-product catalogue's full rows and
        # Product objects would cost the bot tens of MB at the moment the index is built.
        query = (
            sa.select(products.c.id, products.c.name, products.c.category, products.c.aliases)
            .where(products.c.center_id == center_id, products.c.active.is_(True))
            .order_by(products.c.id)
        )
        # Categories and aliases repeat across thousands of products: keep one copy of each.
        shared: dict[str, str] = {}
        aliases: dict[str, tuple[str, ...]] = {}
        async with self.db.read() as conn:
            result = await conn.stream(query)
            return [
                SearchItem(
                    product_id=id_,
                    name=name,
                    category=shared.setdefault(category, category),
                    aliases=aliases.get(text) or aliases.setdefault(text, _aliases(text)),
                )
                async for id_, name, category, text in result
            ]

    async def _query(self, center_id: int, currency: str, order: Any) -> list[Product]:
        """Active products of a center."""
        query = (
            products.select()
            .where(products.c.center_id == center_id, products.c.active.is_(True))
            .order_by(order)
        )
        async with self.db.read() as conn:
            rows = (await conn.execute(query)).all()
        return [product_from_row(row, currency) for row in rows]

    async def product(self, product_id: int, center_id: int, currency: str) -> Product:
        """An active product of this center; RecordNotFound for anything else."""
        found = await self.products(center_id, currency, [product_id])
        if not found:
            raise RecordNotFound(str(product_id))
        return found[0]

    async def products(self, center_id: int, currency: str, ids: Iterable[int]) -> list[Product]:
        """The active products of this center among `ids`, in the order of `ids`."""
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return []
        params = {"center_id": center_id, "ids": wanted}
        rows = {row.id: row for row in await self.db.fetch(_PRODUCTS_AMONG, params)}
        return [product_from_row(rows[i], currency) for i in wanted if i in rows]

    async def count(self, center_id: int) -> int:
        """How many active products the center has."""
        query = (
            sa.select(sa.func.count())
            .select_from(products)
            .where(products.c.center_id == center_id, products.c.active.is_(True))
        )
        async with self.db.read() as conn:
            return int((await conn.execute(query)).scalar_one())
