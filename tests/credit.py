"""Putting a request on a villager's tab, the way the manager's "On credit" button does.

The request's payment and its ledger row are written in one transaction. Until the request
side's own API is merged, tests of the kasbon book give credit through this helper.
"""

from __future__ import annotations

import sqlalchemy as sa

from bot.domain.entities import Center, Checkout, ServiceRequest
from bot.domain.payments import Payment, payment_entry
from bot.domain.pipeline import Action, Fulfilment
from bot.services.acting import act
from bot.services.submissions import submit_order
from storage import Storage
from storage.clock import now
from storage.ledger import add_in
from storage.schema import requests


async def put_on_credit(store: Storage, request: ServiceRequest, manager_id: int) -> None:
    """Mark an approved, unpaid request "on credit" and add its amount to the villager's tab."""
    entry = payment_entry(
        request.center_id,
        request.villager_id,
        request.id,
        Payment.CREDIT,
        request.total.minor,
        request.total.currency,
        manager_id,
    )
    marked = (
        sa.update(requests)
        .where(requests.c.id == request.id, requests.c.payment == Payment.UNPAID.value)
        .values(payment=Payment.CREDIT.value, payment_by=manager_id, payment_at=now())
    )
    async with store.db.write() as conn:
        assert (await conn.execute(marked)).rowcount == 1, "the request was paid already"
        await add_in(conn, entry)


async def order_on_credit(
    store: Storage, center: Center, villager_id: int, goods: dict[str, int]
) -> ServiceRequest:
    """The villager orders `goods` (product name -> quantity) for pickup, the manager approves
    it and puts it on their tab."""
    villager = await store.users.join_center(villager_id, center.id)
    by_name = {
        item.name: item.product_id
        for item in await store.catalog.search_items(center.id, center.currency)
    }
    for name, quantity in goods.items():
        await store.carts.add(villager_id, by_name[name], center.id, quantity)
    order = await submit_order(store, villager, center, Checkout(Fulfilment.PICKUP))
    approved = (await act(store, order.id, Action.APPROVE, center.manager_id)).request
    await put_on_credit(store, approved, center.manager_id)
    return approved
