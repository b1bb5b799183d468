"""Each center's service price lists; a center without one starts from the defaults."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.entities import Center, ServiceProduct
from bot.domain.errors import RecordNotFound
from bot.domain.money import Money
from bot.domain.pipeline import RequestKind
from bot.domain.prices_csv import PriceRow, in_list_order
from bot.domain.service_defaults import FEE_CODE, default_fees, default_topups
from storage.catalog import ImportResult
from storage.db import Database
from storage.schema import service_products


def _product(row: Any, currency: str) -> ServiceProduct:
    return ServiceProduct(
        id=row.id,
        center_id=row.center_id,
        kind=RequestKind(row.kind),
        operator=row.operator,
        code=row.code,
        name=row.name,
        price=Money(row.price_minor, currency),
        commission=Money(row.commission_minor, currency),
    )


class ServicePrices:
    """Repository of service products."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def topups_for(self, center: Center, operator: str) -> list[ServiceProduct]:
        """The credit and data products the center sells for this operator, cheapest first."""
        await self.ensure_defaults(center)
        query = (
            service_products.select()
            .where(
                service_products.c.center_id == center.id,
                service_products.c.kind == RequestKind.TOPUP.value,
                service_products.c.operator == operator,
                service_products.c.active.is_(True),
            )
            .order_by(service_products.c.price_minor, service_products.c.id)
        )
        async with self.db.read() as conn:
            return [_product(row, center.currency) for row in (await conn.execute(query)).all()]

    async def get(self, product_id: int, center: Center) -> ServiceProduct:
        """An active service product of this center; RecordNotFound for anything else."""
        query = service_products.select().where(
            service_products.c.id == product_id,
            service_products.c.center_id == center.id,
            service_products.c.active.is_(True),
        )
        async with self.db.read() as conn:
            row = (await conn.execute(query)).first()
        if row is None:
            raise RecordNotFound(str(product_id))
        return _product(row, center.currency)

    async def ensure_defaults(self, center: Center) -> None:
        """Give a center the default list of each kind it has no prices for yet."""
        defaults = [
            (RequestKind.TOPUP.value, operator, f"{operator}-{product.code}", product)
            for operator, product in default_topups(center.currency)
        ] + [(kind, None, product.code, product) for kind, product in default_fees(center.currency)]
        async with self.db.write() as conn:
            kinds_present = set(
                (
                    await conn.execute(
                        sa.select(service_products.c.kind)
                        .where(service_products.c.center_id == center.id)
                        .distinct()
                    )
                ).scalars()
            )
            missing = [
                dict(
                    center_id=center.id,
                    kind=kind,
                    operator=operator,
                    code=code,
                    name=product.name,
                    price_minor=product.price_minor,
                    commission_minor=product.commission_minor,
                    active=True,
                )
                for kind, operator, code, product in defaults
                if kind not in kinds_present
            ]
            if missing:
                await conn.execute(service_products.insert(), missing)

    async def fee_for(self, center: Center, kind: RequestKind) -> Money:
        """The center's service fee for a bill, ticket or room (its price list's "fee" row)."""
        await self.ensure_defaults(center)
        c = service_products.c
        query = sa.select(c.price_minor).where(
            c.center_id == center.id, c.kind == kind.value, c.code == FEE_CODE, c.active.is_(True)
        )
        async with self.db.read() as conn:
            value = (await conn.execute(query)).scalar()
        return Money(int(value or 0), center.currency)

    async def import_prices(self, center: Center, rows: Sequence[PriceRow]) -> ImportResult:
        """Add or update every row by (kind, code) in one transaction; others stay as they are."""
        # Seeded first, so a file listing a few products changes the defaults, not replaces them.
        await self.ensure_defaults(center)
        async with self.db.write() as conn:
            new, old = _new_and_changed(center, rows, await self._ids_by_code(conn, center))
            if new:
                await conn.execute(service_products.insert(), new)
            if old:
                by_id = service_products.c.id == sa.bindparam("b_id")
                await conn.execute(sa.update(service_products).where(by_id), old)
        return ImportResult(added=len(new), updated=len(old))

    async def export_prices(self, center: Center) -> list[PriceRow]:
        """The center's active service products in list order (the defaults until changed)."""
        await self.ensure_defaults(center)
        c = service_products.c
        query = service_products.select().where(c.center_id == center.id, c.active.is_(True))
        async with self.db.read() as conn:
            found = [_product(row, center.currency) for row in (await conn.execute(query)).all()]
        rows = [PriceRow(p.kind, p.operator, p.code, p.name, p.price, p.commission) for p in found]
        return in_list_order(rows, center.currency)

    async def _ids_by_code(
        self, conn: AsyncConnection, center: Center
    ) -> dict[tuple[str, str], int]:
        """(kind, case-folded code) -> id of every service product the center has."""
        c = service_products.c
        query = sa.select(c.kind, c.code, c.id).where(c.center_id == center.id)
        return {(kind, code.casefold()): id_ for kind, code, id_ in await conn.execute(query)}


def _new_and_changed(
    center: Center, rows: Sequence[PriceRow], ids_by_code: dict[tuple[str, str], int]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Insert parameters for rows the center lacks, update parameters for the others."""
    new, old = [], []
    for row in rows:
        # Codes match regardless of case, as they do within one file.
        found = ids_by_code.get((row.kind.value, row.code.casefold()))
        if found is None:
            new.append(dict(center_id=center.id, **_price_values(row)))
        else:
            old.append(dict(b_id=found, **_price_values(row)))
    return new, old


def _price_values(row: PriceRow) -> dict[str, Any]:
    """Column values for one imported price row; listing a product puts it on sale."""
    return dict(
        kind=row.kind.value,
        operator=row.operator,
        code=row.code,
        name=row.name,
        price_minor=row.price.minor,
        commission_minor=row.commission.minor,
        active=True,
    )
