"""Recording how a request was paid: the request's payment, its ledger row and the messages
it causes, in one transaction.

A payment is written only while the request is still unpaid, in the status and with the quote
it was decided on (`_RECORD`'s WHERE): a second press, or a cancel committed meanwhile, makes
it match no row, and it is refused. Fulfilment's changes never read or write these columns.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.entities import OutboxMessage, ServiceRequest
from bot.domain.payments import (
    Payment,
    PaymentRefusal,
    PaymentRefused,
    check_payment,
    payable,
    payment_entry,
)
from storage.clock import now
from storage.db import Database
from storage.ledger import add_in, lock_tab_in, owed_in
from storage.outbox import Outbox, enqueue
from storage.quotes import STILL_SEEN, seen
from storage.request_reads import one_request_in
from storage.schema import centers, requests

# Renders the messages a recorded payment causes; called inside the transaction with the
# request as it is after the payment.
PaymentNotifier = Callable[[ServiceRequest], Sequence[OutboxMessage]]

_RECORD = (
    sa.update(requests)
    .where(
        requests.c.id == sa.bindparam("request", type_=requests.c.id.type),
        requests.c.payment == Payment.UNPAID.value,
        requests.c.status == sa.bindparam("seen_status", type_=requests.c.status.type),
        STILL_SEEN,
    )
    .values(
        payment=sa.bindparam("new_payment", type_=requests.c.payment.type),
        payment_by=sa.bindparam("actor", type_=requests.c.payment_by.type),
        payment_at=sa.bindparam("at", type_=requests.c.payment_at.type),
    )
)
_CREDIT_LIMIT = sa.select(centers.c.credit_limit_minor).where(
    centers.c.id == sa.bindparam("center_id", type_=centers.c.id.type)
)


async def credit_limit_in(conn: AsyncConnection, center_id: int) -> int:
    """What one villager may owe the center, in minor units (0: the center gives no credit)."""
    return int((await conn.execute(_CREDIT_LIMIT, {"center_id": center_id})).scalar_one())


async def record_in(
    conn: AsyncConnection,
    request_id: int,
    wanted: Payment,
    actor_id: int | None,
    notify: PaymentNotifier,
    expected_version: int | None = None,
) -> ServiceRequest:
    """Record the request's payment with its ledger row and messages (Payments.record)."""
    current = await one_request_in(conn, request_id)
    owed = limit = 0
    if wanted is Payment.CREDIT:
        await lock_tab_in(conn, current.villager_id)
        owed = await owed_in(conn, current.center_id, current.villager_id)
        limit = await credit_limit_in(conn, current.center_id)
    amount = current.total.minor
    check_payment(
        current.status, current.payment, wanted, amount, owed_minor=owed, credit_limit_minor=limit
    )
    if not payable(current.kind, current.status):
        raise PaymentRefused(PaymentRefusal.NOT_PAYABLE)
    if expected_version is not None and expected_version != current.quote_version:
        raise PaymentRefused(PaymentRefusal.STALE)
    values = {"new_payment": wanted.value, "actor": actor_id, "at": now()}
    where = {"request": request_id, "seen_status": current.status.value, **seen(current)}
    updated = await conn.execute(_RECORD, {**values, **where})
    if updated.rowcount != 1:  # paid, cancelled or quoted again since it was read
        raise PaymentRefused(PaymentRefusal.ALREADY_RECORDED)
    entry = payment_entry(
        current.center_id,
        current.villager_id,
        request_id,
        wanted,
        amount,
        current.total.currency,
        actor_id,
    )
    await add_in(conn, entry)
    after = await one_request_in(conn, request_id)
    await enqueue(conn, notify(after), center_id=after.center_id)
    return after


class Payments:
    """Repository of request payments; the kasbon book's repayments live beside them."""

    def __init__(self, db: Database, outbox: Outbox) -> None:
        self.db = db
        self.outbox = outbox

    async def record(
        self,
        request_id: int,
        wanted: Payment,
        actor_id: int | None,
        notify: PaymentNotifier,
        expected_version: int | None = None,
    ) -> ServiceRequest:
        """Record that the request was paid `wanted` (cash, QRIS or on credit), at most once.

        Checked against the request as it is now (unpaid, payable, the quote
        `expected_version` the recorder saw, when given) and, for credit, against what the
        villager owes and the center's limit; PaymentRefused otherwise, and nothing is written.
        """
        async with self.db.write() as conn:
            after = await record_in(conn, request_id, wanted, actor_id, notify, expected_version)
        self.outbox.wake()
        return after

    async def owed(self, center_id: int, villager_id: int) -> int:
        """What the villager owes the center now, in minor units."""
        async with self.db.read() as conn:
            return await owed_in(conn, center_id, villager_id)
