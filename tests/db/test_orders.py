"""Orders through the real store, on SQLite and PostgreSQL: what the database holds afterwards."""

from __future__ import annotations

import asyncio

import pytest

from bot.domain.catalog_csv import CatalogRow
from bot.domain.entities import Center, Checkout, User
from bot.domain.errors import CartFull, EmptyCart, OutOfStock
from bot.domain.money import Money
from bot.domain.pipeline import Action, Fulfilment, RequestStatus, TransitionRefused
from bot.services.acting import act
from bot.services.submissions import submit_order
from storage import Storage

MANAGER, SITI, BUDI = 500, 7001, 7002


def row(sku: str, name: str, price: int, stock: int | None) -> CatalogRow:
    return CatalogRow(
        sku=sku,
        name=name,
        category="Sembako",
        price=Money(price, "IDR"),
        unit="pcs",
        stock=stock,
        aliases=(),
    )


async def shop(store: Storage) -> tuple[Center, User]:
    """A center with oil (5 in stock) and rice (untracked), and Siti in it."""
    center = await store.centers.add_center("leping", "Desa Leping", MANAGER, lat=-7.6, lon=110.2)
    await store.catalog.import_rows(
        center.id, [row("OIL", "Minyak Goreng", 18000, 5), row("RICE", "Beras", 72000, None)]
    )
    await store.users.seen(MANAGER, "Pak Manager")
    await store.users.seen(SITI, "Siti", telegram_language="id")
    villager = await store.users.join_center(SITI, center.id)
    return center, villager


async def product_id(store: Storage, center: Center, sku: str) -> int:
    rows = await store.catalog.search_items(center.id, center.currency)
    return next(
        item.product_id
        for item in rows
        if item.name.startswith({"OIL": "Minyak", "RICE": "Beras"}[sku])
    )


async def stock_of(store: Storage, center: Center, sku: str) -> int | None:
    return next(r.stock for r in await store.catalog.export_rows(center.id, "IDR") if r.sku == sku)


async def test_checkout_turns_cart_into_submitted_order_and_reserves_stock(store: Storage) -> None:
    center, siti = await shop(store)
    await store.carts.add(SITI, await product_id(store, center, "OIL"), center.id, 2)
    await store.carts.add(SITI, await product_id(store, center, "RICE"), center.id, 1)

    order = await submit_order(store, siti, center, Checkout(Fulfilment.PICKUP, note="after 4 pm"))

    assert order.status is RequestStatus.SUBMITTED
    assert order.total == Money(2 * 18000 + 72000, "IDR")
    assert [(i.name, i.quantity) for i in order.items] == [("Minyak Goreng", 2), ("Beras", 1)]
    assert await stock_of(store, center, "OIL") == 3
    assert await store.carts.lines(SITI, center.id, "IDR") == []
    assert (await store.outbox.counts()) == {"pending": 1}  # the manager's card


async def test_tracked_stock_is_never_oversold(store: Storage) -> None:
    center, siti = await shop(store)
    oil = await product_id(store, center, "OIL")
    with pytest.raises(OutOfStock):
        await store.carts.add(SITI, oil, center.id, 6)
    await store.carts.add(SITI, oil, center.id, 3)
    budi = await store.users.seen(BUDI, "Budi")
    await store.users.join_center(BUDI, center.id)
    await store.carts.add(BUDI, oil, center.id, 3)
    await submit_order(store, siti, center, Checkout(Fulfilment.PICKUP))
    with pytest.raises(OutOfStock):
        await submit_order(store, budi, center, Checkout(Fulfilment.PICKUP))
    assert await stock_of(store, center, "OIL") == 2
    assert len(await store.carts.lines(BUDI, center.id, "IDR")) == 1  # Budi's cart is kept


async def test_empty_cart_cannot_be_submitted(store: Storage) -> None:
    center, siti = await shop(store)
    with pytest.raises(EmptyCart):
        await submit_order(store, siti, center, Checkout(Fulfilment.PICKUP))


async def test_manager_walks_order_to_completion_with_audit_trail(store: Storage) -> None:
    center, siti = await shop(store)
    await store.carts.add(SITI, await product_id(store, center, "RICE"), center.id, 1)
    order = await submit_order(store, siti, center, Checkout(Fulfilment.PICKUP))
    await act(store, order.id, Action.APPROVE, MANAGER)
    await act(store, order.id, Action.MARK_READY, MANAGER)
    done = await act(store, order.id, Action.COMPLETE, MANAGER)

    assert done.request.status is RequestStatus.COMPLETED
    trail = [
        (e["from_status"], e["to_status"], e["actor_id"])
        for e in await store.requests.history(order.id)
    ]
    assert trail == [
        ("draft", "submitted", SITI),
        ("submitted", "approved", MANAGER),
        ("approved", "ready", MANAGER),
        ("ready", "completed", MANAGER),
    ]
    assert await store.requests.count_open(center.id) == 0


async def test_double_press_changes_nothing_twice(store: Storage) -> None:
    center, siti = await shop(store)
    await store.carts.add(SITI, await product_id(store, center, "RICE"), center.id, 1)
    order = await submit_order(store, siti, center, Checkout(Fulfilment.PICKUP))
    await act(store, order.id, Action.APPROVE, MANAGER)
    with pytest.raises(TransitionRefused) as refused:
        await act(store, order.id, Action.APPROVE, MANAGER)
    assert refused.value.reason == "already_done"
    assert len(await store.requests.history(order.id)) == 2


async def test_villager_cannot_approve_and_stranger_cannot_cancel(store: Storage) -> None:
    center, siti = await shop(store)
    await store.carts.add(SITI, await product_id(store, center, "RICE"), center.id, 1)
    order = await submit_order(store, siti, center, Checkout(Fulfilment.PICKUP))
    await store.users.seen(BUDI, "Budi")
    for user, action in ((SITI, Action.APPROVE), (BUDI, Action.CANCEL), (BUDI, Action.APPROVE)):
        with pytest.raises(TransitionRefused):
            await act(store, order.id, action, user)
    assert (await store.requests.get(order.id)).status is RequestStatus.SUBMITTED


async def test_cancel_and_approve_at_the_same_moment_one_wins(store: Storage) -> None:
    center, siti = await shop(store)
    await store.carts.add(SITI, await product_id(store, center, "OIL"), center.id, 2)
    order = await submit_order(store, siti, center, Checkout(Fulfilment.PICKUP))
    results = await asyncio.gather(
        act(store, order.id, Action.CANCEL, SITI),
        act(store, order.id, Action.APPROVE, MANAGER),
        return_exceptions=True,
    )
    winners = [r for r in results if not isinstance(r, BaseException)]
    assert len(winners) == 1
    final = await store.requests.get(order.id)
    assert final.status is winners[0].request.status
    assert len(await store.requests.history(order.id)) == 2
    expected_stock = 5 if final.status is RequestStatus.CANCELLED else 3
    assert await stock_of(store, center, "OIL") == expected_stock


async def test_reject_returns_stock_and_keeps_reason(store: Storage) -> None:
    center, siti = await shop(store)
    await store.carts.add(SITI, await product_id(store, center, "OIL"), center.id, 3)
    order = await submit_order(store, siti, center, Checkout(Fulfilment.PICKUP))
    rejected = await act(store, order.id, Action.REJECT, MANAGER, reason="Stok habis di gudang")
    assert rejected.request.reason == "Stok habis di gudang"
    assert await stock_of(store, center, "OIL") == 5
    villager_messages = [m for m in await store.outbox.due() if m.chat_id == SITI]
    assert "Stok habis di gudang" in villager_messages[-1].text


async def test_cart_holds_at_most_twenty_different_products(store: Storage) -> None:
    center, _siti = await shop(store)
    rows = [row(f"P{n}", f"Produk {n}", 1000, None) for n in range(21)]
    await store.catalog.import_rows(center.id, rows)
    ids = [item.product_id for item in await store.catalog.search_items(center.id, "IDR")]
    for product in ids[:20]:
        await store.carts.add(SITI, product, center.id, 1)
    with pytest.raises(CartFull):
        await store.carts.add(SITI, ids[20], center.id, 1)
    await store.carts.add(SITI, ids[0], center.id, 1)  # more of a product already there is fine
    assert len(await store.carts.lines(SITI, center.id, "IDR")) == 20


async def test_a_cart_at_another_center_neither_fills_nor_empties_this_one(store: Storage) -> None:
    leping, siti = await shop(store)
    other = await store.centers.add_center("karanganyar", "Desa Karanganyar", MANAGER + 1)
    await store.catalog.import_rows(
        other.id, [row(f"K{n}", f"Barang {n}", 1000, None) for n in range(20)]
    )
    for item in await store.catalog.search_items(other.id, "IDR"):
        await store.carts.add(SITI, item.product_id, other.id, 1)

    await store.carts.add(SITI, await product_id(store, leping, "RICE"), leping.id, 1)
    await submit_order(store, siti, leping, Checkout(Fulfilment.PICKUP))

    assert len(await store.carts.lines(SITI, other.id, "IDR")) == 20


async def test_manager_ordering_at_own_center_can_cancel_like_a_villager(store: Storage) -> None:
    center, _siti = await shop(store)
    manager = await store.users.join_center(MANAGER, center.id)
    await store.carts.add(MANAGER, await product_id(store, center, "RICE"), center.id, 1)
    order = await submit_order(store, manager, center, Checkout(Fulfilment.PICKUP))

    cancelled = await act(store, order.id, Action.CANCEL, MANAGER)

    assert cancelled.request.status is RequestStatus.CANCELLED
