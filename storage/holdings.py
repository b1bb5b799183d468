"""What a villager holds at a center (bot/domain/holding.py): their open requests and the stock
their unapproved orders reserve, checked inside the submitting transaction; and the goods
orders that have waited for approval longer than their center's time.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.entities import CartLine
from bot.domain.holding import check_hold, check_open_requests
from bot.domain.pipeline import OPEN_STATUSES, RequestKind, RequestStatus
from storage.db import Database
from storage.schema import centers, request_items, requests, users

_VILLAGER = sa.bindparam("villager", type_=requests.c.villager_id.type)
_CENTER = sa.bindparam("center", type_=requests.c.center_id.type)
# On PostgreSQL, a villager's submissions wait for each other here, so each counts the one
# before it (NO KEY: rows that only refer to the user do not wait); SQLite's writer lock
# (BEGIN IMMEDIATE) already runs them one at a time.
_LOCK_VILLAGER = (
    sa.select(users.c.id).where(users.c.id == _VILLAGER).with_for_update(key_share=True)
)
_OPEN_REQUESTS = (
    sa.select(sa.func.count())
    .select_from(requests)
    .where(
        requests.c.villager_id == _VILLAGER,
        requests.c.center_id == _CENTER,
        requests.c.status.in_([status.value for status in OPEN_STATUSES]),
    )
)
_UNAPPROVED_ORDER = sa.and_(
    requests.c.kind == RequestKind.GOODS.value,
    requests.c.status == RequestStatus.SUBMITTED.value,
)
_HELD = (
    sa.select(request_items.c.product_id, sa.func.sum(request_items.c.quantity))
    .join(requests, requests.c.id == request_items.c.request_id)
    .where(
        requests.c.villager_id == _VILLAGER,
        requests.c.center_id == _CENTER,
        _UNAPPROVED_ORDER,
        request_items.c.product_id.in_(sa.bindparam("products", expanding=True)),
    )
    .group_by(request_items.c.product_id)
)
_OVERDUE = (
    sa.select(requests.c.id)
    .join(centers, centers.c.id == requests.c.center_id)
    .where(_UNAPPROVED_ORDER, requests.c.created_at + centers.c.quote_ttl_s <= sa.bindparam("now"))
    .order_by(requests.c.id)
)


async def check_room_in(conn: AsyncConnection, villager_id: int, center_id: int) -> None:
    """Raise TooManyOpenRequests if the villager may open no more requests at this center.

    Call it first in the submitting transaction: it waits for the villager's other submits.
    """
    place = {"villager": villager_id, "center": center_id}
    if conn.dialect.name != "sqlite":  # where FOR UPDATE means something
        await conn.execute(_LOCK_VILLAGER, place)
    check_open_requests(int((await conn.execute(_OPEN_REQUESTS, place)).scalar_one()))


async def check_holding_in(
    conn: AsyncConnection, villager_id: int, center_id: int, lines: Sequence[CartLine]
) -> None:
    """Raise HoldLimitReached if an order of these lines (stock as read in this transaction)
    would take the villager past their share of a tracked product."""
    tracked = [line for line in lines if line.product.stock is not None]
    if not tracked:
        return
    place = {"villager": villager_id, "center": center_id}
    wanted = {"products": [line.product.id for line in tracked]}
    held = {row[0]: row[1] for row in await conn.execute(_HELD, {**place, **wanted})}
    for line in tracked:
        product, held_now = line.product, int(held.get(line.product.id, 0))
        check_hold(product.name, product.unit, int(product.stock or 0), held_now, line.quantity)


class Holdings:
    """Reads about what villagers hold, for the bot's own jobs."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def overdue_orders(self, now: float) -> list[int]:
        """Goods orders still waiting for approval a center's quote time after they were
        submitted, oldest first."""
        async with self.db.read() as conn:
            return list((await conn.execute(_OVERDUE, {"now": now})).scalars().all())
