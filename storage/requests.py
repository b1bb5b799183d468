"""Requests of every kind: the repository handlers and services call.

Each method is one transaction; the work inside lives with its flow: submitting in
request_submissions.py, acting on a request (checked status changes with an audit trail) in
request_changes.py, reading in request_reads.py.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from functools import partial
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.entities import Center, Checkout, ServiceRequest
from bot.domain.money import Money
from bot.domain.pipeline import OPEN_STATUSES, RequestKind, RequestStatus, Role
from storage.db import Database
from storage.outbox import Outbox
from storage.produce import SaleNotifier
from storage.request_changes import Decider, Notifier, apply_in
from storage.request_reads import (
    ONE_REQUEST,
    REQUEST_ROW,
    request_from_joined,
    requests_in,
    with_items_in,
)
from storage.request_submissions import made_with_in, submit_goods_order_in, submit_service_in
from storage.schema import request_events, requests

__all__ = ["Decider", "Notifier", "Requests"]


class Requests:
    """Repository of requests; every status change goes through `apply`."""

    def __init__(self, db: Database, outbox: Outbox) -> None:
        self.db = db
        self.outbox = outbox

    async def submit_goods_order(
        self,
        villager_id: int,
        center: Center,
        checkout: Checkout,
        notify: Notifier,
        draft_key: str | None = None,
    ) -> ServiceRequest:
        """Turn the villager's cart into a submitted order, reserving stock, in one transaction;
        the order made from the draft with `draft_key` already, if there is one."""
        submit = partial(
            submit_goods_order_in,
            villager_id=villager_id,
            center=center,
            checkout=checkout,
            notify=notify,
            draft_key=draft_key,
        )
        return await self._submit_once(villager_id, draft_key, submit)

    async def submit_service(
        self,
        villager_id: int,
        center: Center,
        kind: RequestKind,
        details: Mapping[str, Any],
        price: Money,
        commission: Money,
        notify: Notifier,
        draft_key: str | None = None,
    ) -> ServiceRequest:
        """Record a service request (top-up, bill, ...) as submitted, with its messages; the
        request made from the draft with `draft_key` already, if there is one."""
        submit = partial(
            submit_service_in,
            villager_id=villager_id,
            center=center,
            kind=kind,
            details=details,
            price=price,
            commission=commission,
            notify=notify,
            draft_key=draft_key,
        )
        return await self._submit_once(villager_id, draft_key, submit)

    async def made_with(self, villager_id: int, draft_key: str | None) -> ServiceRequest | None:
        """The request the villager made from the draft with `draft_key`, if any."""
        async with self.db.read() as conn:
            return await made_with_in(conn, villager_id, draft_key)

    async def _submit_once(
        self,
        villager_id: int,
        draft_key: str | None,
        submit: Callable[[AsyncConnection], Awaitable[ServiceRequest]],
    ) -> ServiceRequest:
        """Run one submission's transaction; its messages go out after it.

        Two submissions of one draft at once (the same Confirm handled by two processes) both
        find no request with its key yet; the unique index refuses the second one's row, which
        then answers with the first one's request.
        """
        try:
            async with self.db.write() as conn:
                submitted = await submit(conn)
        except IntegrityError:
            first = await self.made_with(villager_id, draft_key)
            if first is None:
                raise
            return first
        self.outbox.wake()
        return submitted

    async def apply(
        self,
        request_id: int,
        decide: Decider,
        actor_id: int | None,
        role: Role,
        notify: Notifier,
        reason: str | None = None,
        details: Mapping[str, Any] | None = None,
        price: tuple[Money, Money] | None = None,
        on_sale: SaleNotifier | None = None,
    ) -> ServiceRequest:
        """Apply the transition `decide` picks, atomically and at most once, with its messages.

        `details` (e.g. a top-up's serial number) are merged into the request's details;
        `price` (total, commission) sets what a quote asks of the villager; `on_sale` renders
        the news of each villager's produce a completed order sold.
        """
        async with self.db.write() as conn:
            after = await apply_in(
                conn, request_id, decide, actor_id, role, notify, reason, details, price, on_sale
            )
        self.outbox.wake()
        return after

    async def get(self, request_id: int) -> ServiceRequest:
        """One request with its items; RecordNotFound otherwise."""
        # One statement: it sees one state of both tables, without a transaction around it.
        rows = await self.db.fetch(ONE_REQUEST, {"request_id": request_id})
        return request_from_joined(rows, request_id)

    async def of_villager(
        self, villager_id: int, limit: int, offset: int = 0
    ) -> list[ServiceRequest]:
        """A villager's requests, newest first."""
        async with self.db.read() as conn:
            return await requests_in(
                conn, requests.c.villager_id == villager_id, [requests.c.id.desc()], limit, offset
            )

    async def count_of_villager(self, villager_id: int) -> int:
        """How many requests the villager has made."""
        return await self._count(requests.c.villager_id == villager_id)

    async def with_status(self, status: RequestStatus) -> list[ServiceRequest]:
        """Every request in `status`, oldest first (e.g. the quotes that may expire)."""
        async with self.db.read() as conn:
            return await requests_in(
                conn, requests.c.status == status.value, [requests.c.id], 10_000, 0
            )

    async def open_for_center(
        self, center_id: int, limit: int, offset: int = 0
    ) -> list[ServiceRequest]:
        """The center's open requests, oldest first: the manager's queue."""
        async with self.db.read() as conn:
            return await requests_in(conn, self._open(center_id), [requests.c.id], limit, offset)

    async def count_open(self, center_id: int) -> int:
        """How many requests wait for the manager."""
        return await self._count(self._open(center_id))

    @staticmethod
    def _open(center_id: int) -> Any:
        return sa.and_(
            requests.c.center_id == center_id,
            requests.c.status.in_([s.value for s in OPEN_STATUSES]),
        )

    async def _count(self, where: Any) -> int:
        rows = await self.db.fetch(sa.select(sa.func.count()).select_from(requests).where(where))
        return int(rows[0][0])

    async def history(self, request_id: int) -> list[dict[str, Any]]:
        """The audit trail of a request, oldest first."""
        query = (
            request_events.select()
            .where(request_events.c.request_id == request_id)
            .order_by(request_events.c.id)
        )
        rows = await self.db.fetch(query)
        return [dict(row._mapping) for row in rows]


async def open_requests_in(conn: AsyncConnection, center_id: int) -> list[ServiceRequest]:
    """Every open request of the center with its items, oldest first, on the caller's connection."""
    query = REQUEST_ROW.where(Requests._open(center_id)).order_by(requests.c.id)
    return await with_items_in(conn, (await conn.execute(query)).all())
