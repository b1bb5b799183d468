"""Each center's service price lists; a center without one starts from the defaults."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from bot.money import Money
from bot.pipeline import RequestKind
from bot.service_defaults import default_topups
from storage.db import Database
from storage.errors import RecordNotFound
from storage.models import Center, ServiceProduct
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
        """Give a center that has no top-up price list the default one."""
        exists = (
            sa.select(sa.func.count())
            .select_from(service_products)
            .where(
                service_products.c.center_id == center.id,
                service_products.c.kind == RequestKind.TOPUP.value,
            )
        )
        async with self.db.write() as conn:
            if (await conn.execute(exists)).scalar_one():
                return
            await conn.execute(
                service_products.insert(),
                [
                    dict(
                        center_id=center.id,
                        kind=RequestKind.TOPUP.value,
                        operator=operator,
                        code=f"{operator}-{product.code}",
                        name=product.name,
                        price_minor=product.price_minor,
                        commission_minor=product.commission_minor,
                        active=True,
                    )
                    for operator, product in default_topups(center.currency)
                ],
            )
