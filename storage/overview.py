"""The operator's view of every center: its manager and its figures."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from bot.domain.entities import Center
from bot.domain.money import Money
from bot.domain.pipeline import OPEN_STATUSES, SALE_KINDS, RequestStatus
from storage.centers import center_from_row
from storage.db import Database
from storage.schema import centers, requests, users


@dataclass(frozen=True)
class CenterFigures:
    """One center as the operator sees it in /centers."""

    center: Center
    # The manager's name as the bot knows it; None if they never wrote to the bot.
    manager_name: str | None
    villagers: int
    open_requests: int
    # Requests made since the given time, and what the completed ones among them earned.
    recent_requests: int
    recent_revenue: Money


def _count_requests(*where: Any) -> Any:
    return (
        sa.select(sa.func.count())
        .select_from(requests)
        .where(requests.c.center_id == centers.c.id, *where)
        .scalar_subquery()
    )


def _figures_query(since: float) -> Any:
    villagers = (
        sa.select(sa.func.count())
        .select_from(users)
        .where(users.c.center_id == centers.c.id, users.c.id != centers.c.manager_id)
        .scalar_subquery()
    )
    revenue = (
        sa.select(sa.func.coalesce(sa.func.sum(requests.c.total_minor), 0))
        .where(
            requests.c.center_id == centers.c.id,
            requests.c.status == RequestStatus.COMPLETED.value,
            requests.c.kind.in_([kind.value for kind in SALE_KINDS]),
            requests.c.completed_at >= since,
        )
        .scalar_subquery()
    )
    manager = users.alias("manager")
    return sa.select(
        centers,
        manager.c.first_name.label("manager_first_name"),
        manager.c.last_name.label("manager_last_name"),
        villagers.label("villagers"),
        _count_requests(requests.c.status.in_([s.value for s in OPEN_STATUSES])).label("open"),
        _count_requests(
            requests.c.status != RequestStatus.DRAFT.value, requests.c.created_at >= since
        ).label("recent"),
        revenue.label("revenue"),
    ).outerjoin(manager, manager.c.id == centers.c.manager_id)


def _figures(row: Any) -> CenterFigures:
    name = " ".join(p for p in (row.manager_first_name, row.manager_last_name) if p) or None
    return CenterFigures(
        center=center_from_row(row),
        manager_name=name,
        villagers=int(row.villagers),
        open_requests=int(row.open),
        recent_requests=int(row.recent),
        recent_revenue=Money(int(row.revenue), row.currency),
    )


class Overview:
    """Read-only repository behind the admin chat."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def count_centers(self) -> int:
        """How many centers there are."""
        async with self.db.read() as conn:
            query = sa.select(sa.func.count()).select_from(centers)
            return int((await conn.execute(query)).scalar_one())

    async def center_figures(
        self, since: float, limit: int, offset: int = 0
    ) -> list[CenterFigures]:
        """Centers by code with their manager and figures; "recent" means since `since`."""
        query = _figures_query(since).order_by(centers.c.code).limit(limit).offset(offset)
        async with self.db.read() as conn:
            return [_figures(row) for row in (await conn.execute(query)).all()]
