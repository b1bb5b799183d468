"""Paying beside fulfilment, through the emulator: a villager pays cash, another takes credit,
/orders and /today show it; forged and stale pay presses change nothing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from bot.devtools.emulator import BotApiEmulator, SentMessage
from bot.domain.money import Money, format_money
from bot.domain.payments import Payment
from bot.domain.pipeline import RequestStatus
from storage import Storage
from storage.ledger import entries_in
from storage.schema import centers
from tests.e2e.conftest import (
    BUDI,
    MANAGER,
    SITI,
    World,
    assert_all_answered,
    assert_html_always_valid,
    join,
    label,
    order_in_chat,
    part_of,
    place_order,
    shown,
    start_manager,
)

pytestmark = pytest.mark.usefixtures("no_errors_logged")

OIL = 18_000  # one Minyak Goreng 1 liter, the order of `order_in_chat` and `place_order`
PAY_BUTTONS = [label("pay.button.cash"), label("pay.button.qris"), label("pay.button.credit")]


async def set_credit_limit(store: Storage, limit_minor: int) -> None:
    """What a villager may owe the center, set as the kasbon setting stores it."""
    async with store.db.write() as conn:
        await conn.execute(sa.update(centers).values(credit_limit_minor=limit_minor))


def rupiah(minor: int) -> str:
    """An amount as the English-speaking people of these tests read it."""
    return format_money(Money(minor, "IDR"), "en")


async def approve(emu: BotApiEmulator, card: SentMessage) -> SentMessage:
    """The manager approves the card; returns it redrawn with the pay buttons."""
    emu.press(MANAGER, card.message_id, button_text=label("action.approve"))
    return await emu.wait_for(
        MANAGER, lambda m: m.message_id == card.message_id and PAY_BUTTONS[0] in m.button_texts()
    )


async def pay(emu: BotApiEmulator, card: SentMessage, button: str) -> SentMessage:
    """The manager presses a pay button; returns the card redrawn without them."""
    emu.press(MANAGER, card.message_id, button_text=label(button))
    return await emu.wait_for(
        MANAGER,
        lambda m: m.message_id == card.message_id and PAY_BUTTONS[0] not in m.button_texts(),
    )


async def test_cash_and_credit_reach_orders_the_card_and_the_report(world: World) -> None:
    emu = world.emu
    await start_manager(emu)
    async with world.database() as store:
        await set_credit_limit(store, 50_000)
    await order_in_chat(emu, SITI)
    card = await emu.wait_for(MANAGER, contains="🧾 #1", after=0)
    assert shown("pay.card_line", state=label("pay.state.unpaid")).strip() in card.text
    assert not set(PAY_BUTTONS) & set(card.button_texts())  # nothing to pay before approval

    card = await approve(emu, card)
    assert card.button_texts()[-3:] == PAY_BUTTONS
    card = await pay(emu, card, "pay.button.cash")
    assert label("pay.state.cash") + ", recorded by Pak Joko" in card.text
    told = await emu.wait_for(SITI, contains=shown("pay.told.cash", number=1, amount=rupiah(OIL)))
    assert told.buttons == []
    emu.send_text(SITI, "/orders")
    listing = await emu.wait_for(SITI, contains=part_of("orders.list"))
    assert f"{rupiah(OIL)} · {label('status.approved')} · 💰 {label('pay.state.cash')}" in (
        listing.text
    )

    async with world.database() as store:
        await place_order(store, BUDI, {"Minyak Goreng 1 liter": 2})
    card = await emu.wait_for(MANAGER, contains="🧾 #2", after=0)
    card = await pay(emu, await approve(emu, card), "pay.button.credit")
    assert label("pay.state.credit") in card.text
    await emu.wait_for(BUDI, contains=shown("pay.told.credit", number=2, amount=rupiah(2 * OIL)))

    emu.send_text(MANAGER, "/today")
    report = await emu.wait_for(MANAGER, contains=part_of("report.submitted"))
    for key, amount in (
        ("pay.report.cash", OIL),
        ("pay.report.qris", 0),
        ("pay.report.credit_given", 2 * OIL),
        ("pay.report.received", OIL),
        ("pay.report.owed", 2 * OIL),
    ):
        assert shown(key, amount=rupiah(amount)) in report.text, key
    chart = await emu.wait_for(MANAGER, lambda m: m.photo is not None)
    assert chart.photo is not None

    emu.send_text(MANAGER, "/export")
    payments = await emu.wait_for(
        MANAGER, lambda m: m.document is not None and "payments-" in (m.document.filename or "")
    )
    assert payments.document is not None
    rows = payments.document.data.decode("utf-8-sig").splitlines()
    assert [row.split(",")[1:5] for row in rows[1:]] == [
        ["#1", "Siti", "cash", "cash"],
        ["#2", "User700002", "credit", ""],
    ]
    async with world.database() as store:
        requests = [await store.requests.get(n) for n in (1, 2)]
        assert [r.payment for r in requests] == [Payment.CASH, Payment.CREDIT]
        assert all(r.status is RequestStatus.APPROVED for r in requests)
    await assert_all_answered(emu)
    assert_html_always_valid(emu)


async def answer_to(emu: BotApiEmulator, user: int, message: SentMessage, data: str) -> str:
    """The alert a forged or stale press of `data` gets."""
    query = emu.press(user, message.message_id, forge=data)
    answer = await emu.wait_callback_answered(query)
    assert answer.get("show_alert") is True, data
    return str(answer.get("text"))


async def test_forged_and_stale_pay_presses_change_nothing(world: World) -> None:
    emu = world.emu
    other_manager = 900002
    emu.user(other_manager, "Bu Ani", language_code="en")
    async with world.database() as store:
        await store.centers.add_center("SUKA", "Kios Desa Suka", other_manager, language="en")
        await set_credit_limit(store, 30_000)
    await start_manager(emu)
    done = await order_in_chat(emu, SITI)
    card = await emu.wait_for(MANAGER, contains="🧾 #1", after=0)
    not_allowed = label("request.not_allowed")
    # Before approval there is nothing to pay, whatever the client sends.
    assert await answer_to(emu, MANAGER, card, "pd:1:cash-0") == label(
        "pay.refused.not_payable", number=1, state=label("pay.state.unpaid")
    )
    card = await approve(emu, card)
    # Siti records her own payment; Budi records it; the other center's manager does.
    assert await answer_to(emu, SITI, done, "pd:1:cash-0") == not_allowed
    budi = await join(emu, BUDI)
    assert await answer_to(emu, BUDI, budi, "pd:1:qris-0") == not_allowed
    emu.send_text(other_manager, "/start")
    elsewhere = await emu.wait_for(other_manager)
    assert await answer_to(emu, other_manager, elsewhere, "pd:1:cash-0") == not_allowed
    # Shapes no button has: no version, an unknown way, a request that does not exist.
    for forged in ("pd:1:cash", "pd:1:closed-0", "pd:1:unpaid-0", "pd:99:cash-0"):
        assert await answer_to(emu, MANAGER, card, forged) == not_allowed, forged
    # A card of an older quote, and credit past the limit (18,000 + 18,000 > 30,000).
    assert await answer_to(emu, MANAGER, card, "pd:1:cash-4") == label(
        "pay.refused.stale", number=1, state=label("pay.state.unpaid")
    )
    async with world.database() as store:
        await place_order(store, SITI)
    second = await approve(emu, await emu.wait_for(MANAGER, contains="🧾 #2", after=0))
    await pay(emu, second, "pay.button.credit")
    refusal = await answer_to(emu, MANAGER, card, "pd:1:credit-0")
    assert refusal == label(
        "pay.refused.over_limit",
        number=1,
        amount=rupiah(OIL),
        limit=rupiah(30_000),
        owed=rupiah(OIL),
        state="",
    )
    # Paid in cash, then a second press of the old card: recorded already.
    await pay(emu, card, "pay.button.cash")
    assert await answer_to(emu, MANAGER, card, "pd:1:qris-0") == label(
        "pay.refused.already_recorded", number=1, state=label("pay.state.cash")
    )

    async with world.database() as store:
        center = await store.centers.by_code("LEPING")
        async with store.db.read() as conn:
            ledger = [(e.request_id, e.kind.value) for e in await entries_in(conn, center.id)]
        assert ledger == [(2, "credit"), (1, "cash")]
        assert (await store.requests.get(1)).payment is Payment.CASH
    await assert_all_answered(emu)
    assert_html_always_valid(emu)
