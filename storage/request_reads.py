"""Reading requests: one with its items in one statement, or a page of them with theirs.

The `*_in` functions run on the caller's connection (a transaction or a lone read).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.entities import RequestItem, ServiceRequest
from bot.domain.errors import RecordNotFound
from bot.domain.money import Money
from bot.domain.payments import Payment
from bot.domain.pipeline import Fulfilment, RequestKind, RequestStatus
from storage.schema import request_items, requests, users

# Who recorded the payment, by first name, for the manager's card ("Paid in cash by Sari").
_PAYER = users.alias("payer")
PAYER_NAME = _PAYER.c.first_name.label("payment_by_name")
WITH_PAYER = requests.outerjoin(_PAYER, _PAYER.c.id == requests.c.payment_by)
# A request's row as every read returns it: its columns and who recorded its payment.
REQUEST_ROW = sa.select(requests, PAYER_NAME).select_from(WITH_PAYER)
# A request by id with its items (a row each, or one row of nulls beside the request when it
# has none), read several times on every press on a request, so in one statement built once.
_ITEM_COLUMNS = [column.label(f"item_{column.name}") for column in request_items.c]
ONE_REQUEST = (
    sa.select(requests, PAYER_NAME, *_ITEM_COLUMNS)
    .select_from(WITH_PAYER.outerjoin(request_items, request_items.c.request_id == requests.c.id))
    .where(requests.c.id == sa.bindparam("request_id", type_=requests.c.id.type))
    .order_by(request_items.c.id)
)
_ITEMS_OF = (
    request_items.select()
    .where(request_items.c.request_id.in_(sa.bindparam("ids", expanding=True)))
    .order_by(request_items.c.id)
)


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
        payment=Payment(row.payment),
        payment_by=row.payment_by,
        payment_by_name=row.payment_by_name,
        payment_at=row.payment_at,
    )


async def one_request_in(conn: AsyncConnection, request_id: int) -> ServiceRequest:
    """The request with its items, in one statement; RecordNotFound if there is none."""
    rows = (await conn.execute(ONE_REQUEST, {"request_id": request_id})).all()
    return request_from_joined(rows, request_id)


def request_from_joined(rows: Sequence[Any], request_id: int) -> ServiceRequest:
    """The request of ONE_REQUEST's rows; RecordNotFound if there are none."""
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


async def requests_in(
    conn: AsyncConnection, where: Any, order: Any, limit: int, offset: int
) -> list[ServiceRequest]:
    """Requests matching `where` with their items, in two queries."""
    rows = (
        await conn.execute(REQUEST_ROW.where(where).order_by(*order).limit(limit).offset(offset))
    ).all()
    return await with_items_in(conn, rows)


async def with_items_in(conn: AsyncConnection, rows: Sequence[Any]) -> list[ServiceRequest]:
    """The requests of these rows (of REQUEST_ROW), with their items, read in one more query."""
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
