"""Requests of every kind: submission, checked status changes with an audit trail, listings."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.entities import (
    CartLine,
    Center,
    Checkout,
    OutboxMessage,
    RequestItem,
    ServiceRequest,
    cart_snapshot,
)
from bot.domain.errors import CartChanged, EmptyCart, OutOfStock, RecordNotFound
from bot.domain.money import Money
from bot.domain.pipeline import (
    FINAL_STATUSES,
    OPEN_STATUSES,
    Action,
    CatalogEffect,
    Fulfilment,
    RequestKind,
    RequestStatus,
    Role,
    Transition,
    TransitionRefused,
    catalog_effect,
    plan,
)
from bot.domain.travel import without_id_numbers
from storage.carts import cart_lines_in
from storage.clock import now
from storage.db import Database
from storage.holdings import check_holding_in, check_room_in
from storage.outbox import enqueue
from storage.produce import Sale, SaleNotifier, list_offer_in, record_sales_in, unlist_offer_in
from storage.quotes import STILL_SEEN, seen, version_after
from storage.schema import cart_items, products, request_events, request_items, requests

# Renders the messages a change causes; called inside the transaction with the new state.
Notifier = Callable[[ServiceRequest, Transition], Sequence[OutboxMessage]]
# Decides the transition from the request as stored now; raises TransitionRefused.
Decider = Callable[[ServiceRequest], Transition]


def _request(row: Any, items: Sequence[RequestItem]) -> ServiceRequest:
    return ServiceRequest(
        id=row.id,
        center_id=row.center_id,
        villager_id=row.villager_id,
        kind=RequestKind(row.kind),
        status=RequestStatus(row.status),
        total=Money(row.total_minor, row.currency),
        fulfilment=Fulfilment(row.fulfilment) if row.fulfilment else None,
        lat=row.lat,
        lon=row.lon,
        distance_m=row.distance_m,
        note=row.note,
        details=json.loads(row.details),
        reason=row.reason,
        manager_chat_id=row.manager_chat_id,
        manager_message_id=row.manager_message_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
        items=tuple(items),
        quote_version=row.quote_version,
    )


async def _load(
    conn: AsyncConnection, where: Any, order: Any, limit: int, offset: int
) -> list[ServiceRequest]:
    """Requests matching `where` with their items, in two queries."""
    rows = (
        await conn.execute(
            requests.select().where(where).order_by(*order).limit(limit).offset(offset)
        )
    ).all()
    return await _with_items(conn, rows)


# A request by id with its items (a row each, or one row of nulls beside the request when it
# has none), read several times on every press on a request, so in one statement built once.
_ITEM_COLUMNS = [column.label(f"item_{column.name}") for column in request_items.c]
_ONE_REQUEST = (
    sa.select(requests, *_ITEM_COLUMNS)
    .select_from(requests.outerjoin(request_items, request_items.c.request_id == requests.c.id))
    .where(requests.c.id == sa.bindparam("request_id", type_=requests.c.id.type))
    .order_by(request_items.c.id)
)
_ITEMS_OF = (
    request_items.select()
    .where(request_items.c.request_id.in_(sa.bindparam("ids", expanding=True)))
    .order_by(request_items.c.id)
)


# Each order writes these; built once, with bound parameters not named as columns (those
# names are SQLAlchemy's for the SET and VALUES of an UPDATE or INSERT).
_PRODUCT = sa.bindparam("product", type_=products.c.id.type)
_WANTED = sa.bindparam("wanted", type_=products.c.stock.type)
_TAKE_STOCK = (
    sa.update(products)
    .where(products.c.id == _PRODUCT)
    .where(sa.or_(products.c.stock.is_(None), products.c.stock >= _WANTED))
    .values(stock=sa.case((products.c.stock.is_(None), None), else_=products.c.stock - _WANTED))
)
_STOCK_LEFT = sa.select(products.c.stock).where(products.c.id == _PRODUCT)
_NEW_REQUEST = requests.insert().returning(requests.c.id)
_ORDERED_LINES_DELETE = cart_items.delete().where(
    cart_items.c.user_id == sa.bindparam("villager", type_=cart_items.c.user_id.type),
    cart_items.c.product_id.in_(sa.bindparam("ordered", expanding=True)),
)
# A status change: the values to SET are the parameters named as columns.
_TRANSITION = sa.update(requests).where(
    requests.c.id == sa.bindparam("request", type_=requests.c.id.type),
    requests.c.status == sa.bindparam("from_status", type_=requests.c.status.type),
    STILL_SEEN,
)


async def _with_items(conn: AsyncConnection, rows: Sequence[Any]) -> list[ServiceRequest]:
    """The requests of these rows, with their items, read in one more query."""
    ids = [row.id for row in rows]
    items: dict[int, list[RequestItem]] = {i: [] for i in ids}
    if ids:
        for item in (await conn.execute(_ITEMS_OF, {"ids": ids})).all():
            currency = next(r.currency for r in rows if r.id == item.request_id)
            items[item.request_id].append(
                RequestItem(
                    sku=item.sku,
                    name=item.name,
                    unit=item.unit,
                    price=Money(item.price_minor, currency),
                    quantity=item.quantity,
                )
            )
    return [_request(row, items[row.id]) for row in rows]


async def _one_request(conn: AsyncConnection, request_id: int) -> ServiceRequest:
    """The request with its items, in one statement; RecordNotFound if there is none."""
    rows = (await conn.execute(_ONE_REQUEST, {"request_id": request_id})).all()
    return _request_from_joined(rows, request_id)


def _request_from_joined(rows: Sequence[Any], request_id: int) -> ServiceRequest:
    """The request of _ONE_REQUEST's rows; RecordNotFound if there are none."""
    if not rows:
        raise RecordNotFound(str(request_id))
    items = [
        RequestItem(
            sku=row.item_sku,
            name=row.item_name,
            unit=row.item_unit,
            price=Money(row.item_price_minor, row.currency),
            quantity=row.item_quantity,
        )
        for row in rows
        if row.item_id is not None
    ]
    return _request(rows[0], items)


async def _take_stock(conn: AsyncConnection, line: CartLine) -> None:
    """Reserve tracked stock atomically; never below zero."""
    wanted = {"product": line.product.id, "wanted": line.quantity}
    result = await conn.execute(_TAKE_STOCK, wanted)
    if result.rowcount == 0:
        left = (await conn.execute(_STOCK_LEFT, wanted)).scalar()
        raise OutOfStock(line.product.name, int(left or 0))


async def _return_stock(conn: AsyncConnection, request_id: int) -> None:
    """Put reserved units back when an order is rejected or cancelled."""
    lines = (
        await conn.execute(
            sa.select(request_items.c.product_id, request_items.c.quantity).where(
                request_items.c.request_id == request_id, request_items.c.product_id.is_not(None)
            )
        )
    ).all()
    for product_id, quantity in lines:
        await conn.execute(
            sa.update(products)
            .where(products.c.id == product_id, products.c.stock.is_not(None))
            .values(stock=products.c.stock + quantity)
        )


async def _audit(
    conn: AsyncConnection,
    request_id: int,
    change: Transition,
    actor_id: int | None,
    role: Role,
    reason: str | None,
) -> None:
    event = {
        "request_id": request_id,
        "from_status": change.source.value,
        "to_status": change.target.value,
        "actor_id": actor_id,
        "actor_role": role.value,
        "reason": reason,
        "created_at": now(),
    }
    await conn.execute(request_events.insert(), event)


class Requests:
    """Repository of requests; every status change goes through `apply`."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def submit_goods_order(
        self, villager_id: int, center: Center, checkout: Checkout, notify: Notifier
    ) -> ServiceRequest:
        """Turn the villager's cart into a submitted order, reserving stock, in one transaction."""
        change = Transition(Action.SUBMIT, RequestStatus.DRAFT, RequestStatus.SUBMITTED)
        async with self.db.write() as conn:
            await check_room_in(conn, villager_id, center.id)
            lines = await cart_lines_in(conn, villager_id, center.id, center.currency)
            if not lines:
                raise EmptyCart()
            expected = checkout.expected_lines
            if expected is not None and cart_snapshot(lines) != expected:
                raise CartChanged()
            await check_holding_in(conn, villager_id, center.id, lines)
            for line in lines:
                await _take_stock(conn, line)
            request_id = await self._insert_order(conn, villager_id, center, checkout, lines)
            ordered = [line.product.id for line in lines]
            await conn.execute(_ORDERED_LINES_DELETE, {"villager": villager_id, "ordered": ordered})
            await _audit(conn, request_id, change, villager_id, Role.VILLAGER, None)
            submitted = await _one_request(conn, request_id)
            await enqueue(conn, notify(submitted, change))
        self.db.outbox_ready.set()
        return submitted

    async def submit_service(
        self,
        villager_id: int,
        center: Center,
        kind: RequestKind,
        details: Mapping[str, Any],
        price: Money,
        commission: Money,
        notify: Notifier,
    ) -> ServiceRequest:
        """Record a service request (top-up, bill, ...) as submitted, with its messages."""
        change = Transition(Action.SUBMIT, RequestStatus.DRAFT, RequestStatus.SUBMITTED)
        stamp = now()
        async with self.db.write() as conn:
            await check_room_in(conn, villager_id, center.id)
            result = await conn.execute(
                requests.insert()
                .values(
                    center_id=center.id,
                    villager_id=villager_id,
                    kind=kind.value,
                    status=RequestStatus.SUBMITTED.value,
                    currency=center.currency,
                    total_minor=price.minor,
                    commission_minor=commission.minor,
                    details=json.dumps(dict(details), ensure_ascii=False),
                    created_at=stamp,
                    updated_at=stamp,
                )
                .returning(requests.c.id)
            )
            request_id = int(result.scalar_one())
            await _audit(conn, request_id, change, villager_id, Role.VILLAGER, None)
            submitted = await _one_request(conn, request_id)
            await enqueue(conn, notify(submitted, change))
        self.db.outbox_ready.set()
        return submitted

    async def _insert_order(
        self,
        conn: AsyncConnection,
        villager_id: int,
        center: Center,
        checkout: Checkout,
        lines: Sequence[CartLine],
    ) -> int:
        total = sum(line.subtotal.minor for line in lines)
        stamp = now()
        order = {
            "center_id": center.id,
            "villager_id": villager_id,
            "kind": RequestKind.GOODS.value,
            "status": RequestStatus.SUBMITTED.value,
            "currency": center.currency,
            "total_minor": total,
            "commission_minor": 0,
            "fulfilment": checkout.fulfilment.value,
            "lat": checkout.lat,
            "lon": checkout.lon,
            "distance_m": checkout.distance_m,
            "note": checkout.note,
            "details": "{}",
            "created_at": stamp,
            "updated_at": stamp,
        }
        result = await conn.execute(_NEW_REQUEST, order)
        request_id = int(result.scalar_one())
        await conn.execute(
            request_items.insert(),
            [
                dict(
                    request_id=request_id,
                    product_id=line.product.id,
                    sku=line.product.sku,
                    name=line.product.name,
                    unit=line.product.unit,
                    price_minor=line.product.price.minor,
                    quantity=line.quantity,
                )
                for line in lines
            ],
        )
        return request_id

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
            current = await _one_request(conn, request_id)
            change = decide(current)
            values = {**self._changes(change, reason), **version_after(current, change)}
            merged = {**current.details, **(details or {})}
            if change.target in FINAL_STATUSES:  # kept only while the booking needs them
                merged = without_id_numbers(merged)
            if merged != current.details:
                values["details"] = json.dumps(merged, ensure_ascii=False)
            if price is not None:
                values["total_minor"], values["commission_minor"] = (m.minor for m in price)
            where = {"request": request_id, "from_status": change.source.value, **seen(current)}
            updated = await conn.execute(_TRANSITION, {**values, **where})
            if updated.rowcount != 1:
                raise TransitionRefused("stale")
            if change.target in (RequestStatus.REJECTED, RequestStatus.CANCELLED):
                await _return_stock(conn, request_id)
            await _audit(conn, request_id, change, actor_id, role, reason)
            sales = await self._catalog_side(conn, current, change)
            after = await _one_request(conn, request_id)
            await enqueue(conn, notify(after, change))
            if on_sale is not None:
                for sale in sales:
                    await enqueue(conn, on_sale(await _one_request(conn, sale.offer_id), sale))
        self.db.outbox_ready.set()
        return after

    async def _catalog_side(
        self, conn: AsyncConnection, current: ServiceRequest, change: Transition
    ) -> list[Sale]:
        """What the change does to the catalog (see pipeline.catalog_effect), in its transaction;
        returns the sales of villagers' produce it records."""
        effect = catalog_effect(current.kind, change.target)
        if effect is CatalogEffect.LIST_PRODUCE:
            await list_offer_in(conn, current)
        elif effect is CatalogEffect.UNLIST_PRODUCE:
            await unlist_offer_in(conn, current.id, current.center_id)
        elif effect is CatalogEffect.RECORD_SALES:
            recorded = await record_sales_in(conn, current)
            for sale, finished in recorded:
                if finished:
                    await self._close_sold_out(conn, sale.offer_id)
            return [sale for sale, _ in recorded]
        return []

    async def _close_sold_out(self, conn: AsyncConnection, offer_id: int) -> None:
        """Every unit paid for: the bot completes the offer and takes it off sale."""
        offer = await _one_request(conn, offer_id)
        try:
            change = plan(offer.kind, None, offer.status, Action.COMPLETE, Role.SYSTEM)
        except TransitionRefused:  # closed by the manager already
            return
        where = {"request": offer_id, "from_status": change.source.value, **seen(offer)}
        updated = await conn.execute(_TRANSITION, {**self._changes(change, None), **where})
        if updated.rowcount == 1:
            await unlist_offer_in(conn, offer_id, offer.center_id)
            await _audit(conn, offer_id, change, None, Role.SYSTEM, None)

    @staticmethod
    def _changes(change: Transition, reason: str | None) -> dict[str, Any]:
        stamp = now()
        values: dict[str, Any] = dict(status=change.target.value, updated_at=stamp)
        if reason is not None:
            values["reason"] = reason
        if change.target is RequestStatus.COMPLETED:
            values["completed_at"] = stamp
        return values

    async def get(self, request_id: int) -> ServiceRequest:
        """One request with its items; RecordNotFound otherwise."""
        # One statement: it sees one state of both tables, without a transaction around it.
        rows = await self.db.fetch(_ONE_REQUEST, {"request_id": request_id})
        return _request_from_joined(rows, request_id)

    async def of_villager(
        self, villager_id: int, limit: int, offset: int = 0
    ) -> list[ServiceRequest]:
        """A villager's requests, newest first."""
        async with self.db.read() as conn:
            return await _load(
                conn, requests.c.villager_id == villager_id, [requests.c.id.desc()], limit, offset
            )

    async def count_of_villager(self, villager_id: int) -> int:
        """How many requests the villager has made."""
        return await self._count(requests.c.villager_id == villager_id)

    async def with_status(self, status: RequestStatus) -> list[ServiceRequest]:
        """Every request in `status`, oldest first (e.g. the quotes that may expire)."""
        async with self.db.read() as conn:
            return await _load(conn, requests.c.status == status.value, [requests.c.id], 10_000, 0)

    async def open_for_center(
        self, center_id: int, limit: int, offset: int = 0
    ) -> list[ServiceRequest]:
        """The center's open requests, oldest first: the manager's queue."""
        async with self.db.read() as conn:
            return await _load(conn, self._open(center_id), [requests.c.id], limit, offset)

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
        async with self.db.read() as conn:
            return int(
                (
                    await conn.execute(
                        sa.select(sa.func.count()).select_from(requests).where(where)
                    )
                ).scalar_one()
            )

    async def history(self, request_id: int) -> list[dict[str, Any]]:
        """The audit trail of a request, oldest first."""
        query = (
            request_events.select()
            .where(request_events.c.request_id == request_id)
            .order_by(request_events.c.id)
        )
        async with self.db.read() as conn:
            return [dict(row._mapping) for row in (await conn.execute(query)).all()]


async def open_requests_in(conn: AsyncConnection, center_id: int) -> list[ServiceRequest]:
    """Every open request of the center with its items, oldest first, on the caller's connection."""
    query = requests.select().where(Requests._open(center_id)).order_by(requests.c.id)
    return await _with_items(conn, (await conn.execute(query)).all())
