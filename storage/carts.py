"""Carts live in the database, so they survive restarts."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.catalog import product_from_row
from storage.clock import now
from storage.db import Database
from storage.errors import CartFull, OutOfStock, RecordNotFound
from storage.models import CartLine
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
    rows = (await conn.execute(_CART_LINES, params)).all()
    return [CartLine(product_from_row(row, currency), row.quantity) for row in rows]


class Carts:
    """Repository of cart lines."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def lines(self, user_id: int, center_id: int, currency: str) -> list[CartLine]:
        """The cart as the villager sees it."""
        async with self.db.query() as conn:
            return await cart_lines_in(conn, user_id, center_id, currency)

    async def add(self, user_id: int, product_id: int, center_id: int, quantity: int) -> int:
        """Add `quantity` to the cart line; returns the new quantity (checked against stock)."""
        async with self.db.write() as conn:
            current = await self._quantity(conn, user_id, product_id)
            if current == 0 and await self._line_count(conn, user_id, center_id) >= MAX_LINES:
                raise CartFull()
            return await self._store(conn, user_id, product_id, center_id, current + quantity)

    @staticmethod
    async def _line_count(conn: AsyncConnection, user_id: int, center_id: int) -> int:
        """Lines in the user's cart at this center (a villager may have moved centers)."""
        query = (
            sa.select(sa.func.count())
            .select_from(cart_items.join(products, products.c.id == cart_items.c.product_id))
            .where(cart_items.c.user_id == user_id, products.c.center_id == center_id)
        )
        return int((await conn.execute(query)).scalar_one())

    async def set_quantity(
        self, user_id: int, product_id: int, center_id: int, quantity: int
    ) -> int:
        """Set the line's quantity; zero or less removes it. Returns the new quantity."""
        async with self.db.write() as conn:
            return await self._store(conn, user_id, product_id, center_id, quantity)

    async def change(self, user_id: int, product_id: int, center_id: int, delta: int) -> int:
        """Add `delta` (may be negative) to an existing line; returns the new quantity."""
        async with self.db.write() as conn:
            current = await self._quantity(conn, user_id, product_id)
            if current == 0:
                return 0
            return await self._store(conn, user_id, product_id, center_id, current + delta)

    async def remove(self, user_id: int, product_id: int) -> None:
        """Drop a line from the cart."""
        async with self.db.write() as conn:
            await conn.execute(self._line_delete(user_id, product_id))

    @staticmethod
    def _line_delete(user_id: int, product_id: int) -> sa.Delete:
        return cart_items.delete().where(
            cart_items.c.user_id == user_id, cart_items.c.product_id == product_id
        )

    @staticmethod
    async def _quantity(conn: AsyncConnection, user_id: int, product_id: int) -> int:
        query = sa.select(cart_items.c.quantity).where(
            cart_items.c.user_id == user_id, cart_items.c.product_id == product_id
        )
        return int((await conn.execute(query)).scalar() or 0)

    async def _store(
        self, conn: AsyncConnection, user_id: int, product_id: int, center_id: int, quantity: int
    ) -> int:
        """Write the line after checking the product and its tracked stock."""
        row = (
            await conn.execute(
                products.select().where(
                    products.c.id == product_id,
                    products.c.center_id == center_id,
                    products.c.active.is_(True),
                )
            )
        ).first()
        if row is None:
            raise RecordNotFound(str(product_id))
        if quantity <= 0:
            await conn.execute(self._line_delete(user_id, product_id))
            return 0
        limit = MAX_QUANTITY if row.stock is None else min(MAX_QUANTITY, row.stock)
        if quantity > limit:
            raise OutOfStock(row.name, limit)
        updated = await conn.execute(
            sa.update(cart_items)
            .where(cart_items.c.user_id == user_id, cart_items.c.product_id == product_id)
            .values(quantity=quantity)
        )
        if updated.rowcount == 0:
            await conn.execute(
                cart_items.insert().values(
                    user_id=user_id, product_id=product_id, quantity=quantity, added_at=now()
                )
            )
        return quantity
