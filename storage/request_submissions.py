"""Submitting requests: a villager's cart becomes an order (stock reserved), or a service asked.

The `*_in` functions run inside the caller's transaction, with the audit row and messages.
A submission names the key of the draft it comes from: when the villager has made a request
with that key already (their Confirm went through, but its reply was lost to a kill, so they
press it again), that request is returned and nothing is submitted or checked again.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.entities import CartLine, Center, Checkout, ServiceRequest, cart_snapshot
from bot.domain.errors import CartChanged, EmptyCart, OutOfStock
from bot.domain.money import Money
from bot.domain.pipeline import Action, RequestKind, RequestStatus, Role, Transition
from storage.carts import cart_lines_in
from storage.clock import now
from storage.holdings import check_holding_in, check_room_in
from storage.outbox import enqueue
from storage.request_changes import Notifier, audit_in
from storage.request_reads import one_request_in
from storage.schema import cart_items, products, request_items, requests

_SUBMIT = Transition(Action.SUBMIT, RequestStatus.DRAFT, RequestStatus.SUBMITTED)

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
_MADE_WITH = sa.select(requests.c.id).where(
    requests.c.villager_id == sa.bindparam("villager", type_=requests.c.villager_id.type),
    requests.c.draft_key == sa.bindparam("key", type_=requests.c.draft_key.type),
)
_ORDERED_LINES_DELETE = cart_items.delete().where(
    cart_items.c.user_id == sa.bindparam("villager", type_=cart_items.c.user_id.type),
    cart_items.c.product_id.in_(sa.bindparam("ordered", expanding=True)),
)


async def made_with_in(
    conn: AsyncConnection, villager_id: int, draft_key: str | None
) -> ServiceRequest | None:
    """The request the villager made from the draft with `draft_key`, if any (None: no key)."""
    if draft_key is None:
        return None
    found = await conn.execute(_MADE_WITH, {"villager": villager_id, "key": draft_key})
    request_id = found.scalar()
    return None if request_id is None else await one_request_in(conn, int(request_id))


async def submit_goods_order_in(
    conn: AsyncConnection,
    villager_id: int,
    center: Center,
    checkout: Checkout,
    notify: Notifier,
    draft_key: str | None = None,
) -> ServiceRequest:
    """The villager's cart as a submitted order, its stock reserved and its lines taken out;
    the order made from the draft with `draft_key` already, if there is one."""
    made = await made_with_in(conn, villager_id, draft_key)
    if made is not None:
        return made
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
    request_id = await _insert_order(conn, villager_id, center, checkout, lines, draft_key)
    ordered = [line.product.id for line in lines]
    await conn.execute(_ORDERED_LINES_DELETE, {"villager": villager_id, "ordered": ordered})
    return await _submitted(conn, request_id, villager_id, notify)


async def submit_service_in(
    conn: AsyncConnection,
    villager_id: int,
    center: Center,
    kind: RequestKind,
    details: Mapping[str, Any],
    price: Money,
    commission: Money,
    notify: Notifier,
    draft_key: str | None = None,
) -> ServiceRequest:
    """A service request (top-up, bill, ...) as submitted; the request made from the draft
    with `draft_key` already, if there is one."""
    made = await made_with_in(conn, villager_id, draft_key)
    if made is not None:
        return made
    await check_room_in(conn, villager_id, center.id)
    stamp = now()
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
            draft_key=draft_key,
            created_at=stamp,
            updated_at=stamp,
        )
        .returning(requests.c.id)
    )
    return await _submitted(conn, int(result.scalar_one()), villager_id, notify)


async def _submitted(
    conn: AsyncConnection, request_id: int, villager_id: int, notify: Notifier
) -> ServiceRequest:
    """Audit the submission and queue its messages; the request as submitted."""
    await audit_in(conn, request_id, _SUBMIT, villager_id, Role.VILLAGER, None)
    submitted = await one_request_in(conn, request_id)
    await enqueue(conn, notify(submitted, _SUBMIT), center_id=submitted.center_id)
    return submitted


async def _take_stock(conn: AsyncConnection, line: CartLine) -> None:
    """Reserve tracked stock atomically; never below zero."""
    wanted = {"product": line.product.id, "wanted": line.quantity}
    result = await conn.execute(_TAKE_STOCK, wanted)
    if result.rowcount == 0:
        left = (await conn.execute(_STOCK_LEFT, wanted)).scalar()
        raise OutOfStock(line.product.name, int(left or 0))


async def _insert_order(
    conn: AsyncConnection,
    villager_id: int,
    center: Center,
    checkout: Checkout,
    lines: Sequence[CartLine],
    draft_key: str | None,
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
        "draft_key": draft_key,
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
