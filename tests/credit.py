"""Putting a request on a villager's tab, the way the manager's "On credit" button does.

The request's payment and its ledger row are written in one transaction, by the same storage
call the button makes.
"""

from __future__ import annotations

from bot.domain.entities import Center, Checkout, ServiceRequest
from bot.domain.payments import Payment
from bot.domain.pipeline import Action, Fulfilment
from bot.services.acting import act
from bot.services.submissions import submit_order
from storage import Storage


async def put_on_credit(store: Storage, request: ServiceRequest, manager_id: int) -> None:
    """Mark an approved, unpaid request "on credit" as the manager's button does (the center's
    credit limit is raised first if the debt would pass it: these tests are about the tab)."""
    owed = await store.payments.owed(request.center_id, request.villager_id)
    limit = await store.tabs.credit_limit(request.center_id)
    if owed + request.total.minor > limit:
        await store.tabs.set_credit_limit(request.center_id, owed + request.total.minor)
    await store.payments.record(request.id, Payment.CREDIT, manager_id, lambda _: ())


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
