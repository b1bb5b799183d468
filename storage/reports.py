"""What the manager's reports read: a center's requests submitted or completed in a window."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from bot.domain.money import Money
from bot.domain.payments import LedgerKind, PayMethod
from bot.domain.pipeline import RequestKind, RequestStatus
from bot.domain.reports import ReportRequest, SoldLine
from bot.domain.takings import PaymentEvent
from storage.db import Database
from storage.schema import payment_events, request_items, requests, users

_RECORDER = users.alias("recorder")


def service_summary(details: Mapping[str, Any]) -> str:
    """What a service request is for: the package, the bill and customer, the chosen offer."""
    options = details.get("options") or []
    chosen = details.get("chosen")
    if isinstance(chosen, int) and 1 <= chosen <= len(options):
        return str(options[chosen - 1].get("text", ""))
    parts = [details.get("product"), details.get("phone"), details.get("bill")]
    parts.append(details.get("customer"))
    return " ".join(str(part) for part in parts if part)


def _villager_name(row: Any) -> str:
    parts = (row.first_name, row.last_name)
    return " ".join(part for part in parts if part) or str(row.villager_id)


class Reports:
    """Read-only queries behind /today, /report and /export."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def requests_in_window(
        self, center_id: int, start: float, end: float
    ) -> list[ReportRequest]:
        """The center's requests submitted in [start, end) or completed in it, with their lines."""
        touched = sa.or_(
            sa.and_(requests.c.created_at >= start, requests.c.created_at < end),
            sa.and_(requests.c.completed_at >= start, requests.c.completed_at < end),
        )
        query = (
            sa.select(requests, users.c.first_name, users.c.last_name)
            .join(users, users.c.id == requests.c.villager_id)
            .where(requests.c.center_id == center_id, touched)
            .order_by(requests.c.id)
        )
        # The lines are chosen by the same conditions, not by a list of ids: asyncpg takes
        # at most 32,767 parameters, fewer than a busy center's requests in a month.
        items = (
            sa.select(request_items.c.request_id, request_items.c.name, request_items.c.quantity)
            .join(requests, requests.c.id == request_items.c.request_id)
            .where(requests.c.center_id == center_id, touched)
            .order_by(request_items.c.id)
        )
        async with self.db.read() as conn:
            rows = (await conn.execute(query)).all()
            lines: dict[int, list[SoldLine]] = {row.id: [] for row in rows}
            for item in (await conn.execute(items)).all():
                # PostgreSQL's second read may see a request submitted after the first.
                if item.request_id in lines:
                    lines[item.request_id].append(SoldLine(item.name, item.quantity))
        return [_report_row(row, lines[row.id]) for row in rows]

    async def ledger_in_window(
        self, center_id: int, start: float, end: float
    ) -> tuple[list[PaymentEvent], int]:
        """The center's payment events recorded in [start, end), oldest first, and what its
        villagers owed it at `end` (the sum of every earlier row's change to a debt)."""
        ledger = payment_events.c
        query = (
            sa.select(
                payment_events,
                users.c.first_name,
                users.c.last_name,
                _RECORDER.c.first_name.label("recorder_name"),
            )
            .join(users, users.c.id == ledger.villager_id)
            .outerjoin(_RECORDER, _RECORDER.c.id == ledger.actor_id)
            .where(
                ledger.center_id == center_id, ledger.created_at >= start, ledger.created_at < end
            )
            .order_by(ledger.id)
        )
        owed = sa.select(sa.func.coalesce(sa.func.sum(ledger.owed_change_minor), 0)).where(
            ledger.center_id == center_id, ledger.created_at < end
        )
        async with self.db.read() as conn:
            rows = (await conn.execute(query)).all()
            owed_minor = int((await conn.execute(owed)).scalar_one())
        return [_event(row) for row in rows], owed_minor


def _event(row: Any) -> PaymentEvent:
    return PaymentEvent(
        created_at=row.created_at,
        request_id=row.request_id,
        villager=_villager_name(row),
        kind=LedgerKind(row.kind),
        method=PayMethod(row.method) if row.method else None,
        amount=Money(row.amount_minor, row.currency),
        recorded_by=row.recorder_name or "",
    )


def _report_row(row: Any, lines: list[SoldLine]) -> ReportRequest:
    details = json.loads(row.details)
    return ReportRequest(
        id=row.id,
        kind=RequestKind(row.kind),
        status=RequestStatus(row.status),
        total=Money(row.total_minor, row.currency),
        commission=Money(row.commission_minor, row.currency),
        villager=_villager_name(row),
        created_at=row.created_at,
        completed_at=row.completed_at,
        lines=tuple(lines),
        summary="" if lines else service_summary(details),
    )
