"""Villagers' produce through the real store, on SQLite and PostgreSQL.

Approving an offer lists exactly one product in the same transaction; paid orders count as sales.
"""

from __future__ import annotations

import asyncio
import json

import pytest
import sqlalchemy as sa

from bot.domain.catalog_csv import CatalogRow
from bot.domain.entities import Center, Checkout, Product, ServiceRequest
from bot.domain.money import Money
from bot.domain.pipeline import Action, Fulfilment, RequestStatus, TransitionRefused
from bot.services.acting import act
from bot.services.produce import offer_details
from bot.services.submissions import submit_offer, submit_order
from storage import Storage
from storage.catalog import product_from_row
from storage.schema import outbox, products

MANAGER, SITI, BUDI = 500, 7001, 7002


async def village(store: Storage) -> Center:
    """Leping with its manager, Siti the buyer and Budi the farmer."""
    center = await store.centers.add_center("LEPING", "Kios Leping", MANAGER, language="id")
    await store.users.seen(MANAGER, "Pak Joko", telegram_language="id")
    for user_id, name in ((SITI, "Siti"), (BUDI, "Budi")):
        await store.users.seen(user_id, name, "Santoso", telegram_language="id")
        await store.users.join_center(user_id, center.id)
    return center


async def budi_offers_kangkung(store: Storage, center: Center) -> ServiceRequest:
    """Budi offers 10 ikat of kangkung at Rp 3,000, with a photo."""
    budi = await store.users.get(BUDI)
    assert budi is not None
    details = offer_details(center, "Kangkung", 10, "ikat", Money(3000, "IDR"), "photo-123")
    return await submit_offer(store, budi, center, details)


async def listed(store: Storage) -> list[Product]:
    """Every product that came from a produce offer, on sale or not."""
    async with store.db.read() as conn:
        rows = (await conn.execute(products.select().where(products.c.offer_id.is_not(None)))).all()
    return [product_from_row(row, "IDR") for row in rows]


async def messages_to(store: Storage, chat_id: int) -> list[str]:
    """Every message the outbox holds for a chat, sent or not, oldest first."""
    query = outbox.select().where(outbox.c.chat_id == chat_id).order_by(outbox.c.id)
    async with store.db.read() as conn:
        return [json.loads(row.payload)["text"] for row in (await conn.execute(query)).all()]


async def siti_orders(store: Storage, center: Center, product: Product, quantity: int) -> int:
    siti = await store.users.get(SITI)
    assert siti is not None
    await store.carts.add(SITI, product.id, center.id, quantity)
    order = await submit_order(store, siti, center, Checkout(Fulfilment.PICKUP))
    return order.id


async def paid(store: Storage, order_id: int) -> None:
    """The manager approves the order, it is picked up and paid."""
    for action in (Action.APPROVE, Action.MARK_READY, Action.COMPLETE):
        await act(store, order_id, action, MANAGER)


async def test_approving_an_offer_lists_one_product_of_the_seller(store: Storage) -> None:
    center = await village(store)
    offer = await budi_offers_kangkung(store, center)
    assert offer.total == Money(30000, "IDR") and await listed(store) == []

    approved = (await act(store, offer.id, Action.APPROVE, MANAGER)).request

    [product] = await listed(store)
    assert (product.name, product.unit, product.price, product.stock) == (
        "Kangkung",
        "ikat",
        Money(3000, "IDR"),
        10,
    )
    assert (product.sku, product.category) == (f"PRD-{offer.id}", "Hasil Bumi")
    assert (product.seller_id, product.photo_file_id, product.active) == (BUDI, "photo-123", True)
    assert approved.status is RequestStatus.APPROVED
    assert approved.details["product_id"] == product.id
    assert (await store.centers.get(center.id)).catalog_version == center.catalog_version + 1
    assert await store.produce.seller_names([BUDI]) == {BUDI: "Budi"}


async def test_a_second_approve_lists_nothing_more(store: Storage) -> None:
    center = await village(store)
    offer = await budi_offers_kangkung(store, center)
    await act(store, offer.id, Action.APPROVE, MANAGER)

    with pytest.raises(TransitionRefused) as refused:
        await act(store, offer.id, Action.APPROVE, MANAGER)

    assert refused.value.reason == "already_done"
    assert len(await listed(store)) == 1


async def test_two_approve_presses_at_once_list_one_product(store: Storage) -> None:
    center = await village(store)
    offer = await budi_offers_kangkung(store, center)

    results = await asyncio.gather(
        act(store, offer.id, Action.APPROVE, MANAGER),
        act(store, offer.id, Action.APPROVE, MANAGER),
        return_exceptions=True,
    )

    assert sum(not isinstance(r, BaseException) for r in results) == 1
    assert all(isinstance(r, TransitionRefused) for r in results if isinstance(r, BaseException))
    assert len(await listed(store)) == 1


async def test_a_listing_that_fails_leaves_the_offer_waiting(store: Storage) -> None:
    center = await village(store)
    offer = await budi_offers_kangkung(store, center)
    # The product code the listing needs is taken: the insert fails inside the transaction.
    row = CatalogRow(f"PRD-{offer.id}", "Other", "Sayur", Money(1, "IDR"), "ikat", None, ())
    await store.catalog.import_rows(center.id, [row])
    sent_before = await store.outbox.counts()

    with pytest.raises(sa.exc.IntegrityError):
        await act(store, offer.id, Action.APPROVE, MANAGER)

    assert (await store.requests.get(offer.id)).status is RequestStatus.SUBMITTED
    assert await listed(store) == []
    assert await store.outbox.counts() == sent_before
    assert [e["to_status"] for e in await store.requests.history(offer.id)] == ["submitted"]


async def test_a_paid_order_counts_as_sold_and_tells_the_seller(store: Storage) -> None:
    center = await village(store)
    offer = await budi_offers_kangkung(store, center)
    await act(store, offer.id, Action.APPROVE, MANAGER)
    [product] = await listed(store)

    order_id = await siti_orders(store, center, product, 3)
    await act(store, order_id, Action.APPROVE, MANAGER)
    await act(store, order_id, Action.MARK_READY, MANAGER)
    unpaid = await store.requests.get(offer.id)
    assert "sold_quantity" not in unpaid.details  # approved is not paid
    await act(store, order_id, Action.COMPLETE, MANAGER)

    after = await store.requests.get(offer.id)
    assert (after.details["sold_quantity"], after.details["sold_minor"]) == (3, 9000)
    assert after.status is RequestStatus.APPROVED  # 7 ikat still for sale
    [left] = await listed(store)
    assert left.stock == 7
    to_budi = await messages_to(store, BUDI)
    assert any("Terjual: 3 ikat" in text and "Kangkung" in text for text in to_budi), to_budi
    assert any(f"#{order_id}" in text and "9.000" in text for text in to_budi), to_budi


async def test_a_rejected_order_sells_nothing_and_returns_the_stock(store: Storage) -> None:
    center = await village(store)
    offer = await budi_offers_kangkung(store, center)
    await act(store, offer.id, Action.APPROVE, MANAGER)
    [product] = await listed(store)
    order_id = await siti_orders(store, center, product, 4)

    await act(store, order_id, Action.REJECT, MANAGER, reason="habis")

    assert "sold_quantity" not in (await store.requests.get(offer.id)).details
    assert [p.stock for p in await listed(store)] == [10]


async def test_selling_every_unit_closes_the_offer(store: Storage) -> None:
    center = await village(store)
    offer = await budi_offers_kangkung(store, center)
    await act(store, offer.id, Action.APPROVE, MANAGER)
    [product] = await listed(store)

    for quantity in (5, 3, 1, 1):  # unapproved, one buyer holds at most half of what is left
        await paid(store, await siti_orders(store, center, product, quantity))

    closed = await store.requests.get(offer.id)
    assert closed.status is RequestStatus.COMPLETED
    assert closed.details["sold_quantity"] == 10
    [gone] = await listed(store)
    assert (gone.active, gone.stock) == (False, 0)
    assert "Semua terjual" in (await messages_to(store, BUDI))[-1]
    assert (await store.requests.history(offer.id))[-1]["actor_role"] == "system"
    # The operator's figures count Siti's payment once, not Budi's closed offer as well.
    [figures] = await store.overview.center_figures(0.0, limit=5)
    assert figures.recent_revenue == Money(30000, "IDR")


async def test_the_manager_closing_an_offer_takes_it_off_sale(store: Storage) -> None:
    center = await village(store)
    offer = await budi_offers_kangkung(store, center)
    await act(store, offer.id, Action.APPROVE, MANAGER)

    closed = (await act(store, offer.id, Action.COMPLETE, MANAGER)).request

    assert closed.status is RequestStatus.COMPLETED
    assert [p.active for p in await listed(store)] == [False]
    assert await store.catalog.count(center.id) == 0


async def test_rejecting_an_offer_lists_nothing(store: Storage) -> None:
    center = await village(store)
    offer = await budi_offers_kangkung(store, center)

    rejected = (await act(store, offer.id, Action.REJECT, MANAGER, reason="Sudah banyak")).request

    assert rejected.status is RequestStatus.REJECTED and rejected.reason == "Sudah banyak"
    assert await listed(store) == []


async def test_the_catalog_file_leaves_villagers_produce_out(store: Storage) -> None:
    center = await village(store)
    offer = await budi_offers_kangkung(store, center)
    await act(store, offer.id, Action.APPROVE, MANAGER)
    await store.catalog.import_rows(
        center.id,
        [CatalogRow("GAS-3", "Gas LPG 3 kg", "Rumah Tangga", Money(22000, "IDR"), "tabung", 5)],
    )

    exported = await store.catalog.export_rows(center.id, center.currency)

    assert [row.sku for row in exported] == ["GAS-3"]
    assert [p.sku for p in await listed(store)] == [f"PRD-{offer.id}"]  # still on sale
