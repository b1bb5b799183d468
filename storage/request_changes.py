"""Acting on requests: a checked status change with its audit row, stock and catalog effects.

The `*_in` functions run inside the caller's transaction, so a change, its audit row, what it
does to stock and catalog, and the messages it causes commit together or not at all.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.entities import OutboxMessage, ServiceRequest
from bot.domain.money import Money
from bot.domain.payments import Payment, closes_payment
from bot.domain.pipeline import (
    FINAL_STATUSES,
    Action,
    CatalogEffect,
    RequestStatus,
    Role,
    Transition,
    TransitionRefused,
    catalog_effect,
    plan,
)
from bot.domain.travel import without_id_numbers
from storage.clock import now
from storage.outbox import enqueue
from storage.produce import Sale, SaleNotifier, list_offer_in, record_sales_in, unlist_offer_in
from storage.quotes import STILL_SEEN, seen, version_after
from storage.request_reads import one_request_in
from storage.schema import products, request_events, request_items, requests

# Renders the messages a change causes; called inside the transaction with the new state.
Notifier = Callable[[ServiceRequest, Transition], Sequence[OutboxMessage]]
# Decides the transition from the request as stored now; raises TransitionRefused.
Decider = Callable[[ServiceRequest], Transition]

# A status change: the values to SET are the parameters named as columns.
_TRANSITION = sa.update(requests).where(
    requests.c.id == sa.bindparam("request", type_=requests.c.id.type),
    requests.c.status == sa.bindparam("from_status", type_=requests.c.status.type),
    STILL_SEEN,
)
# An unpaid request cancelled or rejected has nothing left to pay; a payment recorded
# meanwhile (PostgreSQL: another transaction) is kept.
_CLOSE_PAYMENT = (
    sa.update(requests)
    .where(
        requests.c.id == sa.bindparam("request", type_=requests.c.id.type),
        requests.c.payment == Payment.UNPAID.value,
    )
    .values(payment=Payment.CLOSED.value)
)


async def apply_in(
    conn: AsyncConnection,
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
    """Apply the transition `decide` picks, at most once, with its messages (Requests.apply)."""
    current = await one_request_in(conn, request_id)
    change = decide(current)
    values = {**_changes(change, reason), **version_after(current, change)}
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
    if closes_payment(change.target, current.payment):
        await conn.execute(_CLOSE_PAYMENT, {"request": request_id})
    await audit_in(conn, request_id, change, actor_id, role, reason)
    sales = await _catalog_side(conn, current, change)
    after = await one_request_in(conn, request_id)
    await enqueue(conn, notify(after, change), center_id=after.center_id)
    if on_sale is not None:
        for sale in sales:
            offer = await one_request_in(conn, sale.offer_id)
            await enqueue(conn, on_sale(offer, sale), center_id=offer.center_id)
    return after


async def audit_in(
    conn: AsyncConnection,
    request_id: int,
    change: Transition,
    actor_id: int | None,
    role: Role,
    reason: str | None,
) -> None:
    """Record who made the change, and when, in the request's audit trail."""
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


def _changes(change: Transition, reason: str | None) -> dict[str, Any]:
    stamp = now()
    values: dict[str, Any] = dict(status=change.target.value, updated_at=stamp)
    if reason is not None:
        values["reason"] = reason
    if change.target is RequestStatus.COMPLETED:
        values["completed_at"] = stamp
    return values


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


async def _catalog_side(
    conn: AsyncConnection, current: ServiceRequest, change: Transition
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
                await _close_sold_out(conn, sale.offer_id)
        return [sale for sale, _ in recorded]
    return []


async def _close_sold_out(conn: AsyncConnection, offer_id: int) -> None:
    """Every unit paid for: the bot completes the offer and takes it off sale."""
    offer = await one_request_in(conn, offer_id)
    try:
        change = plan(offer.kind, None, offer.status, Action.COMPLETE, Role.SYSTEM)
    except TransitionRefused:  # closed by the manager already
        return
    where = {"request": offer_id, "from_status": change.source.value, **seen(offer)}
    updated = await conn.execute(_TRANSITION, {**_changes(change, None), **where})
    if updated.rowcount == 1:
        await unlist_offer_in(conn, offer_id, offer.center_id)
        await audit_in(conn, offer_id, change, None, Role.SYSTEM, None)
