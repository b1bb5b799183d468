"""The kasbon book: what villagers owe a center, repayments, reminders and the credit limit.

Balances are sums of the append-only ledger (storage/ledger.py); a repayment appends a row and
nothing is ever updated or deleted there. A change to one villager's tab first locks their
`users` row, so two repayments (or two reminders) at once take turns and the second sees the
first: on PostgreSQL by `FOR UPDATE`, on SQLite by its one writer at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.entities import OutboxMessage
from bot.domain.errors import RecordNotFound
from bot.domain.payments import (
    LedgerKind,
    PaymentRefused,
    PayMethod,
    check_repayment,
    repayment_entry,
)
from bot.domain.pipeline import RequestKind
from bot.domain.tabs import (
    Debtor,
    ReminderRefusal,
    ReminderRefused,
    Repaid,
    RepaymentRefused,
    Tab,
    TabLine,
    may_remind,
)
from storage.clock import now
from storage.db import Database, upsert
from storage.ledger import add_in, lock_tab_in, owed_in
from storage.outbox import Outbox, enqueue
from storage.schema import centers, payment_events, requests, tab_reminders, users

# The messages a repayment or a reminder causes, built in its transaction.
RepaymentNotice = Callable[[Repaid], Sequence[OutboxMessage]]
ReminderNotice = Callable[[Tab], Sequence[OutboxMessage]]

_LINES = (
    sa.select(payment_events, requests.c.kind.label("request_kind"))
    .select_from(payment_events.outerjoin(requests, requests.c.id == payment_events.c.request_id))
    .where(
        payment_events.c.center_id == sa.bindparam("center_id"),
        payment_events.c.villager_id == sa.bindparam("villager_id"),
        payment_events.c.owed_change_minor != 0,
    )
    .order_by(payment_events.c.id)
)


def _debtors_query(center_id: int) -> sa.Select[Any]:
    """The center's villagers who owe something: balance, and the oldest unpaid credit's time.

    Repayments settle the oldest credit first, so the oldest unpaid credit is the first whose
    running total of credits passes what was repaid in all.
    """
    of_center = payment_events.c.center_id == center_id
    running = sa.func.sum(payment_events.c.owed_change_minor).over(
        partition_by=payment_events.c.villager_id, order_by=payment_events.c.id
    )
    credits = (
        sa.select(payment_events.c.villager_id, payment_events.c.created_at, running.label("run"))
        .where(of_center, payment_events.c.owed_change_minor > 0)
        .subquery("credits")
    )
    repaid = (
        sa.select(
            payment_events.c.villager_id,
            (-sa.func.sum(payment_events.c.owed_change_minor)).label("repaid"),
        )
        .where(of_center, payment_events.c.owed_change_minor < 0)
        .group_by(payment_events.c.villager_id)
        .subquery("repaid")
    )
    oldest = (
        sa.select(credits.c.villager_id, sa.func.min(credits.c.created_at).label("since"))
        .select_from(credits.outerjoin(repaid, repaid.c.villager_id == credits.c.villager_id))
        .where(credits.c.run > sa.func.coalesce(repaid.c.repaid, 0))
        .group_by(credits.c.villager_id)
        .subquery("oldest")
    )
    owed = sa.func.sum(payment_events.c.owed_change_minor)
    balances = (
        sa.select(payment_events.c.villager_id, owed.label("owed"))
        .where(of_center)
        .group_by(payment_events.c.villager_id)
        .having(owed > 0)
        .subquery("balances")
    )
    return (
        sa.select(
            balances.c.villager_id,
            balances.c.owed,
            oldest.c.since,
            users.c.first_name,
            users.c.last_name,
        )
        .select_from(
            balances.join(oldest, oldest.c.villager_id == balances.c.villager_id).join(
                users, users.c.id == balances.c.villager_id
            )
        )
        .order_by(oldest.c.since, balances.c.villager_id)
    )


async def tab_in(conn: AsyncConnection, center_id: int, villager_id: int) -> Tab:
    """The villager's tab at the center, read in the caller's transaction."""
    currency = (
        await conn.execute(sa.select(centers.c.currency).where(centers.c.id == center_id))
    ).scalar_one_or_none()
    if currency is None:
        raise RecordNotFound(str(center_id))
    rows = (await conn.execute(_LINES, {"center_id": center_id, "villager_id": villager_id})).all()
    return Tab(center_id, villager_id, currency, tuple(_line(row) for row in rows))


def _line(row: Any) -> TabLine:
    """A TabLine from a ledger row joined to its request's kind."""
    return TabLine(
        kind=LedgerKind(row.kind),
        request_id=row.request_id,
        request_kind=RequestKind(row.request_kind) if row.request_kind else None,
        method=PayMethod(row.method) if row.method else None,
        amount_minor=row.amount_minor,
        owed_change_minor=row.owed_change_minor,
        at=row.created_at,
    )


def _debtor(row: Any) -> Debtor:
    """A Debtor from a row of the debtors query."""
    name = " ".join(part for part in (row.first_name, row.last_name) if part)
    return Debtor(row.villager_id, name, int(row.owed), float(row.since))


class Tabs:
    """Repository of the kasbon book."""

    def __init__(self, db: Database, outbox: Outbox) -> None:
        self.db = db
        self.outbox = outbox

    async def tab(self, center_id: int, villager_id: int) -> Tab:
        """The villager's tab at the center, oldest row first; RecordNotFound for no center."""
        async with self.db.read() as conn:
            return await tab_in(conn, center_id, villager_id)

    async def owed(self, center_id: int, villager_id: int) -> int:
        """What the villager owes the center now, in minor units."""
        async with self.db.read() as conn:
            return await owed_in(conn, center_id, villager_id)

    async def count_debtors(self, center_id: int) -> int:
        """How many villagers owe the center something."""
        query = sa.select(sa.func.count()).select_from(_debtors_query(center_id).subquery())
        async with self.db.read() as conn:
            return int((await conn.execute(query)).scalar_one())

    async def debtors(self, center_id: int, limit: int, offset: int = 0) -> list[Debtor]:
        """A page of the villagers who owe the center, oldest unpaid credit first."""
        query = _debtors_query(center_id).limit(limit).offset(offset)
        async with self.db.read() as conn:
            return [_debtor(row) for row in (await conn.execute(query)).all()]

    async def repay(
        self,
        center_id: int,
        villager_id: int,
        method: PayMethod,
        amount_minor: int,
        actor_id: int,
        notice: RepaymentNotice,
    ) -> Repaid:
        """Append a repayment to the villager's tab with the messages `notice` builds.

        RepaymentRefused, with what is owed now and nothing stored, when the villager owes
        nothing or less than `amount_minor`.
        """
        async with self.db.write() as conn:
            await lock_tab_in(conn, villager_id)
            tab = await tab_in(conn, center_id, villager_id)
            try:
                check_repayment(amount_minor, tab.balance_minor)
            except PaymentRefused as refused:
                raise RepaymentRefused(refused.reason, tab.balance_minor) from None
            entry = repayment_entry(
                center_id, villager_id, method, amount_minor, tab.currency, actor_id
            )
            await add_in(conn, entry)
            repaid = Repaid(
                center_id,
                villager_id,
                method,
                amount_minor,
                tab.balance_minor - amount_minor,
                tab.currency,
            )
            await enqueue(conn, notice(repaid), center_id=center_id)
        self.outbox.wake()
        return repaid

    async def remind(self, center_id: int, villager_id: int, notice: ReminderNotice) -> Tab:
        """Send the villager the reminder `notice` builds from their tab, and note when.

        ReminderRefused, with nothing stored, when they owe nothing, turned reminders off, or
        were reminded at this center less than a week ago (a double press is the latter).
        """
        stamp = now()
        async with self.db.write() as conn:
            await lock_tab_in(conn, villager_id)
            tab = await tab_in(conn, center_id, villager_id)
            if tab.balance_minor <= 0:
                raise ReminderRefused(ReminderRefusal.NOTHING_OWED)
            if await _reminders_off_in(conn, villager_id):
                raise ReminderRefused(ReminderRefusal.OPTED_OUT)
            last = await _last_reminder_in(conn, center_id, villager_id)
            if not may_remind(last, stamp):
                raise ReminderRefused(ReminderRefusal.TOO_SOON, last)
            row = {"center_id": center_id, "villager_id": villager_id, "sent_at": stamp}
            await conn.execute(upsert(conn, tab_reminders), row)
            await enqueue(conn, notice(tab), center_id=center_id)
        self.outbox.wake()
        return tab

    async def last_reminder(self, center_id: int, villager_id: int) -> float | None:
        """When the villager was last reminded of their tab at the center, if ever."""
        async with self.db.read() as conn:
            return await _last_reminder_in(conn, center_id, villager_id)

    async def reminders_off(self, user_id: int) -> bool:
        """Whether the user asked not to be reminded of their tabs."""
        async with self.db.read() as conn:
            return await _reminders_off_in(conn, user_id)

    async def set_reminders_off(self, user_id: int, off: bool) -> None:
        """Turn the user's tab reminders off (True) or back on; RecordNotFound if unknown."""
        query = sa.update(users).where(users.c.id == user_id).values(reminders_off=off)
        async with self.db.write() as conn:
            if (await conn.execute(query)).rowcount == 0:
                raise RecordNotFound(str(user_id))

    async def credit_limit(self, center_id: int) -> int:
        """What one villager may owe the center, in minor units (0: no credit)."""
        query = sa.select(centers.c.credit_limit_minor).where(centers.c.id == center_id)
        async with self.db.read() as conn:
            limit = (await conn.execute(query)).scalar_one_or_none()
        if limit is None:
            raise RecordNotFound(str(center_id))
        return int(limit)

    async def set_credit_limit(self, center_id: int, limit_minor: int) -> None:
        """Set what one villager may owe the center (0 turns credit off); debts stay as they are."""
        if limit_minor < 0:
            raise ValueError("a credit limit is never negative")
        query = (
            sa.update(centers)
            .where(centers.c.id == center_id)
            .values(credit_limit_minor=limit_minor)
        )
        async with self.db.write() as conn:
            if (await conn.execute(query)).rowcount == 0:
                raise RecordNotFound(str(center_id))


async def _reminders_off_in(conn: AsyncConnection, user_id: int) -> bool:
    """Whether the user turned tab reminders off."""
    query = sa.select(users.c.reminders_off).where(users.c.id == user_id)
    return bool((await conn.execute(query)).scalar_one_or_none())


async def _last_reminder_in(
    conn: AsyncConnection, center_id: int, villager_id: int
) -> float | None:
    """When the villager was last reminded at the center, in the caller's transaction."""
    query = sa.select(tab_reminders.c.sent_at).where(
        tab_reminders.c.center_id == center_id, tab_reminders.c.villager_id == villager_id
    )
    sent = (await conn.execute(query)).scalar_one_or_none()
    return float(sent) if sent is not None else None
