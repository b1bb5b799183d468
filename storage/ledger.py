"""The money ledger: append-only rows, one per payment event; balances are sums of rows.

The `*_in` functions run inside the caller's transaction, so a payment, its ledger row and the
messages it causes commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.payments import LedgerEntry, LedgerKind, PayMethod
from storage.clock import now
from storage.schema import payment_events, users

_OWED = sa.select(sa.func.coalesce(sa.func.sum(payment_events.c.owed_change_minor), 0)).where(
    payment_events.c.center_id == sa.bindparam("center_id"),
    payment_events.c.villager_id == sa.bindparam("villager_id"),
)

_LOCK_VILLAGER = (
    sa.select(users.c.id)
    .where(users.c.id == sa.bindparam("villager", type_=users.c.id.type))
    .with_for_update()
)


async def lock_tab_in(conn: AsyncConnection, villager_id: int) -> None:
    """Hold the villager's row until the transaction ends, so that two changes of one
    villager's debt (two credits, a credit and a repayment) are decided one after the other.

    On PostgreSQL a row lock; SQLite's writers take turns already (BEGIN IMMEDIATE).
    """
    if conn.dialect.name == "postgresql":
        await conn.execute(_LOCK_VILLAGER, {"villager": villager_id})


async def add_in(conn: AsyncConnection, entry: LedgerEntry) -> int:
    """Append `entry` to the ledger; returns its row id. Rows are never updated or deleted."""
    values = {
        "center_id": entry.center_id,
        "villager_id": entry.villager_id,
        "request_id": entry.request_id,
        "kind": entry.kind.value,
        "method": entry.method.value if entry.method else None,
        "amount_minor": entry.amount_minor,
        "owed_change_minor": entry.owed_change_minor,
        "currency": entry.currency,
        "actor_id": entry.actor_id,
        "created_at": now(),
    }
    result = await conn.execute(payment_events.insert().returning(payment_events.c.id), values)
    return int(result.scalar_one())


async def owed_in(conn: AsyncConnection, center_id: int, villager_id: int) -> int:
    """What the villager owes the center now, in minor units: the sum of their ledger rows."""
    result = await conn.execute(_OWED, {"center_id": center_id, "villager_id": villager_id})
    return int(result.scalar_one())


async def entries_in(
    conn: AsyncConnection, center_id: int, villager_id: int | None = None
) -> Sequence[LedgerEntry]:
    """The center's ledger rows (one villager's when given), oldest first."""
    query = payment_events.select().where(payment_events.c.center_id == center_id)
    if villager_id is not None:
        query = query.where(payment_events.c.villager_id == villager_id)
    rows = (await conn.execute(query.order_by(payment_events.c.id))).all()
    return [
        LedgerEntry(
            center_id=row.center_id,
            villager_id=row.villager_id,
            request_id=row.request_id,
            kind=LedgerKind(row.kind),
            method=PayMethod(row.method) if row.method else None,
            amount_minor=row.amount_minor,
            owed_change_minor=row.owed_change_minor,
            currency=row.currency,
            actor_id=row.actor_id,
        )
        for row in rows
    ]
