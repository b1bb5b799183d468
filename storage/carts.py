"""Carts live in the database, so they survive restarts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.entities import CartLine
from bot.domain.errors import CartFull, OutOfStock, RecordNotFound
from storage.catalog import product_from_row
from storage.clock import now
from storage.db import Database
from storage.schema import cart_items, products

# No villager needs more of one product in a single order; larger numbers are typos.
MAX_QUANTITY = 999
# Keeps the cart (4 buttons a line) within Telegram's 100-button keyboard and 4096 characters.
MAX_LINES = 20


# Read on most villager updates, so built once, with the bound parameters user_id, center_id.
_CART_LINES = (
    sa.select(products, cart_items.c.quantity)
    .join(cart_items, cart_items.c.product_id == products.c.id)
    .where(
        cart_items.c.user_id == sa.bindparam("user_id", type_=cart_items.c.user_id.type),
        products.c.center_id == sa.bindparam("center_id", type_=products.c.center_id.type),
        products.c.active.is_(True),
    )
    .order_by(cart_items.c.added_at, products.c.id)
)


async def cart_lines_in(
    conn: AsyncConnection, user_id: int, center_id: int, currency: str
) -> list[CartLine]:
    """The user's cart lines for active products of this center, oldest first."""
    params = {"user_id": user_id, "center_id": center_id}
    return _cart_lines_from((await conn.execute(_CART_LINES, params)).all(), currency)


def _cart_lines_from(rows: Sequence[sa.Row[Any]], currency: str) -> list[CartLine]:
    return [CartLine(product_from_row(row, currency), row.quantity) for row in rows]


def _param(name: str, column: sa.Column[int]) -> sa.BindParameter[int]:
    return sa.bindparam(name, type_=column.type)


_USER = _param("villager", cart_items.c.user_id)
_PRODUCT = _param("product", cart_items.c.product_id)
_CENTER = _param("center", products.c.center_id)
_THIS_LINE = sa.and_(cart_items.c.user_id == _USER, cart_items.c.product_id == _PRODUCT)

# Built once: these run on every press of Add, + and -, with the bound parameters villager, product
# and center (not named as columns: SQLAlchemy keeps those names for SET values).
_IS_ORDERABLE = sa.and_(
    products.c.id == _PRODUCT, products.c.center_id == _CENTER, products.c.active.is_(True)
)
_ORDERABLE = sa.select(products).where(_IS_ORDERABLE)
# The product and what of it the cart already holds (0 when none), in one read.
_ORDERABLE_AND_HELD = (
    sa.select(products, sa.func.coalesce(cart_items.c.quantity, 0).label("held"))
    .select_from(
        products.outerjoin(
            cart_items,
            sa.and_(cart_items.c.product_id == products.c.id, cart_items.c.user_id == _USER),
        )
    )
    .where(_IS_ORDERABLE)
)
_HELD = sa.select(cart_items.c.quantity).where(_THIS_LINE)
# Lines at this center only: a villager may have moved centers.
_LINE_COUNT = (
    sa.select(sa.func.count())
    .select_from(cart_items.join(products, products.c.id == cart_items.c.product_id))
    .where(cart_items.c.user_id == _USER, products.c.center_id == _CENTER)
)
_LINE_DELETE = cart_items.delete().where(_THIS_LINE)
_LINE_UPDATE = (
    cart_items.update()
    .where(_THIS_LINE)
    .values(quantity=sa.bindparam("new_quantity", type_=cart_items.c.quantity.type))
)


class Carts:
    """Repository of cart lines."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def lines(self, user_id: int, center_id: int, currency: str) -> list[CartLine]:
        """The cart as the villager sees it."""
        rows = await self.db.fetch(_CART_LINES, {"user_id": user_id, "center_id": center_id})
        return _cart_lines_from(rows, currency)

    async def add(self, user_id: int, product_id: int, center_id: int, quantity: int) -> int:
        """Add `quantity` to the cart line; returns the new quantity (checked against stock)."""
        line = {"villager": user_id, "product": product_id, "center": center_id}
        async with self.db.write() as conn:
            row = (await conn.execute(_ORDERABLE_AND_HELD, line)).first()
            if row is None:
                raise RecordNotFound(str(product_id))
            held = int(row.held)
            if held == 0 and (await conn.execute(_LINE_COUNT, line)).scalar_one() >= MAX_LINES:
                raise CartFull()
            return await self._write(conn, line, row, held, held + quantity)

    async def set_quantity(
        self, user_id: int, product_id: int, center_id: int, quantity: int
    ) -> int:
        """Set the line's quantity; zero or less removes it. Returns the new quantity."""
        line = {"villager": user_id, "product": product_id, "center": center_id}
        async with self.db.write() as conn:
            row = (await conn.execute(_ORDERABLE_AND_HELD, line)).first()
            if row is None:
                raise RecordNotFound(str(product_id))
            return await self._write(conn, line, row, int(row.held), quantity)

    async def change(self, user_id: int, product_id: int, center_id: int, delta: int) -> int:
        """Add `delta` (may be negative) to an existing line; returns the new quantity."""
        line = {"villager": user_id, "product": product_id, "center": center_id}
        async with self.db.write() as conn:
            held = int((await conn.execute(_HELD, line)).scalar() or 0)
            if held == 0:
                return 0  # the line went (checked out or removed in another chat)
            row = (await conn.execute(_ORDERABLE, line)).first()
            if row is None:
                raise RecordNotFound(str(product_id))
            return await self._write(conn, line, row, held, held + delta)

    async def remove(self, user_id: int, product_id: int) -> None:
        """Drop a line from the cart."""
        async with self.db.write() as conn:
            await conn.execute(_LINE_DELETE, {"villager": user_id, "product": product_id})

    @staticmethod
    async def _write(
        conn: AsyncConnection, line: dict[str, int], product: sa.Row[Any], held: int, quantity: int
    ) -> int:
        """Store `quantity` of the product (`held` now), after checking its tracked stock."""
        if quantity <= 0:
            await conn.execute(_LINE_DELETE, line)
            return 0
        limit = MAX_QUANTITY if product.stock is None else min(MAX_QUANTITY, product.stock)
        if quantity > limit:
            raise OutOfStock(product.name, limit)
        if held > 0:
            await conn.execute(_LINE_UPDATE, {**line, "new_quantity": quantity})
        else:
            await conn.execute(
                cart_items.insert(),
                {
                    "user_id": line["villager"],
                    "product_id": line["product"],
                    "quantity": quantity,
                    "added_at": now(),
                },
            )
        return quantity
