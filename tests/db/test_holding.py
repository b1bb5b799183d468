"""What one villager may hold at a center, through the real store on SQLite and PostgreSQL:
at most ten open requests, at most half of a product's stock in orders not yet approved, and
an order the manager leaves unapproved past the center's time expires and frees its stock."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from bot.domain.bills import BillKind
from bot.domain.entities import Center, Checkout, ServiceRequest, User
from bot.domain.holding import MAX_OPEN_REQUESTS, HoldLimitReached, TooManyOpenRequests
from bot.domain.money import Money
from bot.domain.phones import parse_mobile
from bot.domain.pipeline import Action, Fulfilment, RequestKind, RequestStatus
from bot.services.acting import act
from bot.services.order_expiry import expire_unapproved_orders
from bot.services.produce import offer_details
from bot.services.submissions import (
    submit_bill,
    submit_offer,
    submit_order,
    submit_topup,
    submit_travel,
)
from bot.views.texts import t
from storage import Storage
from storage.schema import outbox
from tests.db.test_orders import BUDI, MANAGER, SITI, product_id, shop, stock_of

TRIP = {"ticket": "bus", "from": "Solo", "to": "Yogyakarta", "date": "2030-01-02", "count": 1,
        "names": ["Siti"], "class": "any", "note": ""}  # fmt: skip
ROOM = {"place": "Solo", "guests": 2, "check_in": "2030-01-02", "check_out": "2030-01-03"}


async def order_rice(store: Storage, villager: User, center: Center) -> ServiceRequest:
    """One sack of rice (untracked stock), for pickup."""
    await store.carts.add(villager.id, await product_id(store, center, "RICE"), center.id, 1)
    return await submit_order(store, villager, center, Checkout(Fulfilment.PICKUP))


async def one_of_each_kind(store: Storage, villager: User, center: Center) -> None:
    """Goods, a top-up, a bill, a ticket, a room and a produce offer: six open requests."""
    await order_rice(store, villager, center)
    number = parse_mobile("0812 3456 7890", "ID")
    package = (await store.services.topups_for(center, str(number.operator)))[0]
    await submit_topup(store, villager, center, number, package)
    await submit_bill(store, villager, center, BillKind.PDAM, "0123456789")
    await submit_travel(store, villager, center, RequestKind.TICKET, TRIP)
    await submit_travel(store, villager, center, RequestKind.LODGING, ROOM)
    kangkung = offer_details(center, "Kangkung", 10, "ikat", Money(3000, "IDR"), None)
    await submit_offer(store, villager, center, kangkung)


async def messages_to(store: Storage, chat_id: int) -> list[str]:
    """Every text the outbox holds for a chat, oldest first."""
    query = outbox.select().where(outbox.c.chat_id == chat_id).order_by(outbox.c.id)
    async with store.db.read() as conn:
        return [json.loads(row.payload)["text"] for row in (await conn.execute(query)).all()]


async def test_a_villager_has_at_most_ten_requests_open_of_every_kind(store: Storage) -> None:
    center, siti = await shop(store)
    await store.services.ensure_defaults(center)
    await one_of_each_kind(store, siti, center)
    for _ in range(MAX_OPEN_REQUESTS - 6):
        await order_rice(store, siti, center)
    outbox_before = await store.outbox.counts()
    oil = await product_id(store, center, "OIL")
    await store.carts.add(SITI, oil, center.id, 1)

    with pytest.raises(TooManyOpenRequests) as refused:
        await submit_order(store, siti, center, Checkout(Fulfilment.PICKUP))
    assert refused.value.limit == 10
    with pytest.raises(TooManyOpenRequests):
        await submit_travel(store, siti, center, RequestKind.TICKET, TRIP)

    # Nothing stored: no request, no card, no stock taken, the cart kept.
    assert await store.requests.count_of_villager(SITI) == 10
    assert await store.outbox.counts() == outbox_before
    assert await stock_of(store, center, "OIL") == 5
    assert len(await store.carts.lines(SITI, center.id, "IDR")) == 1


async def test_a_closed_request_makes_room_and_other_villagers_are_not_counted(
    store: Storage,
) -> None:
    center, siti = await shop(store)
    orders = [await order_rice(store, siti, center) for _ in range(MAX_OPEN_REQUESTS)]
    budi = await store.users.seen(BUDI, "Budi")
    budi = await store.users.join_center(BUDI, center.id)
    await order_rice(store, budi, center)  # Siti's ten do not count against Budi

    await act(store, orders[0].id, Action.CANCEL, SITI)
    await order_rice(store, siti, center)
    with pytest.raises(TooManyOpenRequests):
        await order_rice(store, siti, center)
    # Completed requests are not open: approved and delivered, the order leaves the count.
    for action in (Action.APPROVE, Action.MARK_READY, Action.COMPLETE):
        await act(store, orders[1].id, action, MANAGER)
    await order_rice(store, siti, center)


async def test_quick_submits_at_the_limit_cannot_all_pass(store: Storage) -> None:
    center, siti = await shop(store)
    for _ in range(MAX_OPEN_REQUESTS - 1):
        await order_rice(store, siti, center)
    # Connections ready in the pool, so the submits below run side by side, not one by one.
    await asyncio.gather(*(store.requests.count_of_villager(SITI) for _ in range(8)))

    results = await asyncio.gather(
        *(submit_travel(store, siti, center, RequestKind.TICKET, TRIP) for _ in range(6)),
        return_exceptions=True,
    )

    passed = [r for r in results if isinstance(r, ServiceRequest)]
    assert len(passed) == 1, results
    assert all(isinstance(r, TooManyOpenRequests) for r in results if r not in passed)
    assert await store.requests.count_of_villager(SITI) == MAX_OPEN_REQUESTS


async def test_until_approved_a_villager_holds_at_most_half_of_a_products_stock(
    store: Storage,
) -> None:
    center, siti = await shop(store)  # 5 bottles of oil
    oil = await product_id(store, center, "OIL")
    await store.carts.add(SITI, oil, center.id, 5)

    with pytest.raises(HoldLimitReached) as refused:
        await submit_order(store, siti, center, Checkout(Fulfilment.PICKUP))
    assert (refused.value.product_name, refused.value.limit, refused.value.held) == (
        "Minyak Goreng",
        3,
        0,
    )
    assert await stock_of(store, center, "OIL") == 5
    assert await store.requests.count_of_villager(SITI) == 0

    await store.carts.set_quantity(SITI, oil, center.id, 3)
    first = await submit_order(store, siti, center, Checkout(Fulfilment.PICKUP))
    await store.carts.add(SITI, oil, center.id, 1)
    with pytest.raises(HoldLimitReached) as again:  # a second order counts the first
        await submit_order(store, siti, center, Checkout(Fulfilment.PICKUP))
    assert (again.value.limit, again.value.held) == (3, 3)

    budi = await store.users.seen(BUDI, "Budi")
    budi = await store.users.join_center(BUDI, center.id)
    await store.carts.add(BUDI, oil, center.id, 1)
    await submit_order(store, budi, center, Checkout(Fulfilment.PICKUP))  # 1 of the 2 left

    await act(store, first.id, Action.APPROVE, MANAGER)  # the manager's say: no longer held
    await submit_order(store, siti, center, Checkout(Fulfilment.PICKUP))
    assert await stock_of(store, center, "OIL") == 0


async def test_the_last_unit_can_always_be_ordered(store: Storage) -> None:
    center, siti = await shop(store)
    oil = await product_id(store, center, "OIL")
    await store.catalog_edits.set_stock(center.id, "OIL", 1)
    await store.carts.add(SITI, oil, center.id, 1)

    await submit_order(store, siti, center, Checkout(Fulfilment.PICKUP))

    assert await stock_of(store, center, "OIL") == 0


async def test_an_order_not_approved_in_the_centers_time_expires_and_frees_its_stock(
    store: Storage,
) -> None:
    center, siti = await shop(store)
    await store.centers.set_quote_ttl("leping", 3600)
    await store.users.set_language(MANAGER, "en")
    oil = await product_id(store, center, "OIL")
    await store.carts.add(SITI, oil, center.id, 2)
    waiting = await submit_order(store, siti, center, Checkout(Fulfilment.PICKUP))
    approved = await order_rice(store, siti, center)
    await act(store, approved.id, Action.APPROVE, MANAGER)

    assert await expire_unapproved_orders(store, now=time.time() + 3500) == []
    expired = await expire_unapproved_orders(store, now=time.time() + 3601)

    assert [request.id for request in expired] == [waiting.id]
    assert (await store.requests.get(waiting.id)).status is RequestStatus.CANCELLED
    assert (await store.requests.get(approved.id)).status is RequestStatus.APPROVED
    assert await stock_of(store, center, "OIL") == 5
    trail = await store.requests.history(waiting.id)
    assert (trail[-1]["to_status"], trail[-1]["actor_role"]) == ("cancelled", "system")
    # Both sides are told, each in their language (Siti reads Indonesian, the manager English).
    assert t("id", "notify.goods.expire", number=waiting.id) in await messages_to(store, SITI)
    manager_texts = await messages_to(store, MANAGER)
    assert t("en", "manager.notify.goods.expire", number=waiting.id) in manager_texts
    # A second run finds nothing more to do.
    assert await expire_unapproved_orders(store, now=time.time() + 7200) == []
