"""Recording payments through the real store, on SQLite and PostgreSQL: the request's payment,
its ledger row and its messages commit together, at most once, never past a credit limit."""

from __future__ import annotations

import asyncio
import json

import pytest
import sqlalchemy as sa

from bot.domain.entities import Center, Checkout, ServiceRequest
from bot.domain.money import Money
from bot.domain.payments import LedgerKind, Payment, PaymentRefusal, PaymentRefused
from bot.domain.pipeline import Action, Fulfilment, RequestStatus, TransitionRefused
from bot.services.acting import act
from bot.services.paying import record_payment
from bot.services.submissions import submit_order
from storage import Storage
from storage.ledger import entries_in
from storage.payments import record_in
from storage.schema import centers, outbox
from tests.db.test_orders import BUDI, MANAGER, SITI, product_id, shop


async def set_credit_limit(store: Storage, center: Center, limit_minor: int) -> None:
    """The center's kasbon limit, as its setting would store it."""
    async with store.db.write() as conn:
        limit = {"credit_limit_minor": limit_minor}
        await conn.execute(sa.update(centers).where(centers.c.id == center.id).values(limit))


async def order(store: Storage, center: Center, villager_id: int, rice: int = 1) -> ServiceRequest:
    """A pickup order of `rice` bags of rice (Rp 72.000 each) by the villager."""
    villager = await store.users.get(villager_id) or await store.users.seen(villager_id, "Budi")
    villager = await store.users.join_center(villager_id, center.id)
    await store.carts.add(villager_id, await product_id(store, center, "RICE"), center.id, rice)
    return await submit_order(store, villager, center, Checkout(Fulfilment.PICKUP))


async def approved(store: Storage, center: Center, villager_id: int, rice: int = 1) -> int:
    """An approved order's number."""
    submitted = await order(store, center, villager_id, rice)
    await act(store, submitted.id, Action.APPROVE, MANAGER)
    return submitted.id


async def ledger(store: Storage, center: Center) -> list[tuple[int | None, str, int, int]]:
    async with store.db.read() as conn:
        rows = await entries_in(conn, center.id)
    return [(r.request_id, r.kind.value, r.amount_minor, r.owed_change_minor) for r in rows]


async def test_cash_is_recorded_once_with_its_ledger_row_and_messages(store: Storage) -> None:
    center, _siti = await shop(store)
    number = await approved(store, center, SITI)
    before = await outbox_texts(store)

    paid = await record_payment(store, number, Payment.CASH, MANAGER, 0)

    assert (paid.request.payment, paid.request.payment_by) == (Payment.CASH, MANAGER)
    assert paid.request.payment_by_name == "Pak Manager" and paid.request.payment_at
    assert paid.request.status is RequestStatus.APPROVED  # fulfilment untouched
    assert await ledger(store, center) == [(number, "cash", 72_000, 0)]
    new = (await outbox_texts(store))[len(before) :]
    # Siti reads Indonesian: the note in her language; the manager's card shows who recorded.
    assert f"#{number}: pembayaran tercatat: tunai, Rp72.000" in new[1][1]
    assert new[0][0] == MANAGER and "Lunas tunai</b>, dicatat oleh Pak Manager" in new[0][1]

    with pytest.raises(PaymentRefused) as twice:
        await record_payment(store, number, Payment.QRIS, MANAGER, 0)
    assert twice.value.reason is PaymentRefusal.ALREADY_RECORDED
    assert await ledger(store, center) == [(number, "cash", 72_000, 0)]
    assert len(await outbox_texts(store)) == len(new) + len(before)


async def test_only_an_approved_request_of_the_centers_manager_is_paid(store: Storage) -> None:
    center, _siti = await shop(store)
    waiting = await order(store, center, SITI)
    with pytest.raises(PaymentRefused) as early:
        await record_payment(store, waiting.id, Payment.CASH, MANAGER, 0)
    assert early.value.reason is PaymentRefusal.NOT_PAYABLE
    await act(store, waiting.id, Action.APPROVE, MANAGER)
    for stranger in (SITI, BUDI):  # the villager herself, and someone else
        await store.users.seen(stranger, "Someone")
        with pytest.raises(TransitionRefused):
            await record_payment(store, waiting.id, Payment.CASH, stranger, 0)
    with pytest.raises(PaymentRefused) as stale:  # a card of an older quote
        await record_payment(store, waiting.id, Payment.CASH, MANAGER, 3)
    assert stale.value.reason is PaymentRefusal.STALE
    assert (await store.requests.get(waiting.id)).payment is Payment.UNPAID
    assert await ledger(store, center) == []


async def test_cancelling_or_rejecting_closes_an_unpaid_request_only(store: Storage) -> None:
    center, _siti = await shop(store)
    cancelled, rejected = await order(store, center, SITI), await order(store, center, SITI)
    await act(store, cancelled.id, Action.CANCEL, SITI)
    await act(store, rejected.id, Action.REJECT, MANAGER, reason="habis")
    assert (await store.requests.get(cancelled.id)).payment is Payment.CLOSED
    assert (await store.requests.get(rejected.id)).payment is Payment.CLOSED
    paid = await approved(store, center, SITI)
    await record_payment(store, paid, Payment.QRIS, MANAGER, 0)
    for action in (Action.MARK_READY, Action.COMPLETE):  # payment never holds fulfilment back
        await act(store, paid, action, MANAGER)
    done = await store.requests.get(paid)
    assert (done.status, done.payment) == (RequestStatus.COMPLETED, Payment.QRIS)


async def test_credit_is_refused_when_off_or_over_the_limit_with_the_numbers(
    store: Storage,
) -> None:
    center, _siti = await shop(store)
    first, second = await approved(store, center, SITI), await approved(store, center, SITI, 2)
    with pytest.raises(PaymentRefused) as off:
        await record_payment(store, first, Payment.CREDIT, MANAGER, 0)
    assert (off.value.reason, off.value.limit_minor) == (PaymentRefusal.CREDIT_OFF, 0)
    await set_credit_limit(store, center, 150_000)
    on_tab = await record_payment(store, first, Payment.CREDIT, MANAGER, 0)
    assert on_tab.request.payment is Payment.CREDIT
    with pytest.raises(PaymentRefused) as over:  # 72.000 owed + 144.000 > 150.000
        await record_payment(store, second, Payment.CREDIT, MANAGER, 0)
    assert (over.value.reason, over.value.owed_minor, over.value.limit_minor) == (
        PaymentRefusal.OVER_LIMIT,
        72_000,
        150_000,
    )
    assert await ledger(store, center) == [(first, LedgerKind.CREDIT.value, 72_000, 72_000)]
    assert await store.payments.owed(center.id, SITI) == 72_000


async def test_two_credits_at_once_never_pass_the_limit_together(store: Storage) -> None:
    center, _siti = await shop(store)
    await set_credit_limit(store, center, 100_000)
    numbers = [await approved(store, center, SITI) for _ in range(4)]  # 72.000 each

    async def on_credit(number: int) -> bool:
        try:
            await record_payment(store, number, Payment.CREDIT, MANAGER, 0)
        except PaymentRefused:
            return False
        return True

    passed = await asyncio.gather(*(on_credit(n) for n in numbers))
    assert sum(passed) == 1
    assert await store.payments.owed(center.id, SITI) == 72_000
    paid = [n for n in numbers if (await store.requests.get(n)).payment is Payment.CREDIT]
    assert [row[0] for row in await ledger(store, center)] == paid


async def test_a_credit_waits_for_another_credit_of_the_villager_still_being_written(
    store: Storage,
) -> None:
    center, _siti = await shop(store)
    await set_credit_limit(store, center, 100_000)
    first, second = await approved(store, center, SITI), await approved(store, center, SITI)

    async def second_credit() -> PaymentRefusal | None:
        try:
            async with store.db.write() as conn:
                await record_in(conn, second, Payment.CREDIT, MANAGER, lambda _r: [])
        except PaymentRefused as refused:
            return refused.reason
        return None

    async with store.db.write() as conn:
        await record_in(conn, first, Payment.CREDIT, MANAGER, lambda _r: [])
        # The second credit starts while the first is written but not committed: it must
        # wait for it (PostgreSQL: the villager's row lock), then see the debt it left.
        racing = asyncio.create_task(second_credit())
        await asyncio.sleep(0.5)
    assert await racing is PaymentRefusal.OVER_LIMIT
    assert await store.payments.owed(center.id, SITI) == 72_000


async def test_the_same_request_pressed_twice_at_once_is_recorded_once(store: Storage) -> None:
    center, _siti = await shop(store)
    number = await approved(store, center, SITI)
    results = await asyncio.gather(
        *(record_payment(store, number, way, MANAGER, 0) for way in (Payment.CASH, Payment.QRIS)),
        return_exceptions=True,
    )
    refused = [r for r in results if isinstance(r, PaymentRefused)]
    assert len(refused) == 1 and refused[0].reason is PaymentRefusal.ALREADY_RECORDED
    recorded = (await store.requests.get(number)).payment
    assert await ledger(store, center) == [(number, recorded.value, 72_000, 0)]
    assert Money(72_000, "IDR") == (await store.requests.get(number)).total


async def outbox_texts(store: Storage) -> list[tuple[int, str]]:
    """Every message written to the outbox, oldest first: (chat, text)."""
    async with store.db.read() as conn:
        rows = (await conn.execute(sa.select(outbox).order_by(outbox.c.id))).all()
    return [(row.chat_id, json.loads(row.payload)["text"]) for row in rows]
