"""The kasbon book on SQLite and PostgreSQL: balances from the ledger, who owes what oldest
first, repayments never past the debt (even at once), reminders at most once a week."""

from __future__ import annotations

import asyncio
import json

import pytest
import sqlalchemy as sa

from bot.domain.catalog_csv import CatalogRow
from bot.domain.entities import Center, OutboxMessage
from bot.domain.errors import RecordNotFound
from bot.domain.money import Money
from bot.domain.payments import LedgerKind, PaymentRefusal, PayMethod, repayment_entry
from bot.domain.tabs import (
    REMINDER_GAP_S,
    ReminderRefusal,
    ReminderRefused,
    Repaid,
    RepaymentRefused,
    Tab,
    open_credits,
)
from storage import Storage
from storage.ledger import add_in, entries_in, lock_tab_in
from storage.schema import outbox, payment_events, tab_reminders
from tests.credit import order_on_credit

MANAGER, OTHER_MANAGER, SITI, BUDI = 900001, 900002, 700001, 700002
OIL, RICE = "Minyak Goreng", "Beras 5 kg"


async def leping(store: Storage) -> Center:
    """A center with oil (Rp 18.000) and rice (Rp 72.000), and Siti and Budi as villagers."""
    center = await store.centers.add_center("LEPING", "Kios Desa Leping", MANAGER)
    await store.catalog.import_rows(
        center.id,
        [
            CatalogRow("OIL", OIL, "Sembako", Money(18_000, "IDR"), "pcs", None, ()),
            CatalogRow("RICE", RICE, "Sembako", Money(72_000, "IDR"), "sak", None, ()),
        ],
    )
    await store.users.seen(MANAGER, "Joko")
    for villager, name in ((SITI, "Siti"), (BUDI, "Budi")):
        await store.users.seen(villager, name, "Aminah" if villager == SITI else None)
    return center


def told(text: str) -> object:
    """A notice builder whose one message goes to the villager of the tab."""

    def notice(done: Repaid | Tab) -> list[OutboxMessage]:
        return [OutboxMessage(chat_id=done.villager_id, text=text)]

    return notice


async def texts_to(store: Storage, chat_id: int) -> list[str]:
    """The tab's messages waiting for the chat (the order's own updates left aside)."""
    query = sa.select(outbox.c.payload).where(outbox.c.chat_id == chat_id).order_by(outbox.c.id)
    async with store.db.read() as conn:
        texts = [json.loads(payload)["text"] for payload in (await conn.execute(query)).scalars()]
    return [text for text in texts if text.startswith("tab: ")]


async def test_a_tab_lists_credits_and_repayments_and_its_balance_is_their_sum(
    store: Storage,
) -> None:
    center = await leping(store)
    oil = await order_on_credit(store, center, SITI, {OIL: 1})
    rice = await order_on_credit(store, center, SITI, {RICE: 1})
    await order_on_credit(store, center, BUDI, {OIL: 2})

    repaid = await store.tabs.repay(
        center.id, SITI, PayMethod.CASH, 50_000, MANAGER, told("tab: x")
    )

    assert (repaid.amount_minor, repaid.owed_after_minor, repaid.currency) == (
        50_000,
        40_000,
        "IDR",
    )
    tab = await store.tabs.tab(center.id, SITI)
    assert tab.balance_minor == 40_000 == await store.tabs.owed(center.id, SITI)
    assert [(line.kind, line.request_id, line.owed_change_minor) for line in tab.lines] == [
        (LedgerKind.CREDIT, oil.id, 18_000),
        (LedgerKind.CREDIT, rice.id, 72_000),
        (LedgerKind.REPAYMENT, None, -50_000),
    ]
    assert tab.lines[0].request_kind is not None and tab.lines[0].request_kind.value == "goods"
    assert tab.lines[2].method is PayMethod.CASH
    # Repayments settle the oldest credit first: the oil is paid, 40.000 of the rice is open.
    assert [c.left_minor for c in open_credits(tab.lines)] == [0, 40_000]
    assert (await store.tabs.tab(center.id, BUDI)).balance_minor == 36_000
    assert await texts_to(store, SITI) == ["tab: x"]


async def test_who_owes_is_listed_oldest_unpaid_debt_first_and_paged(store: Storage) -> None:
    center = await leping(store)
    await order_on_credit(store, center, BUDI, {OIL: 1})  # Budi's debt is the oldest
    await order_on_credit(store, center, SITI, {RICE: 1})
    await order_on_credit(store, center, BUDI, {RICE: 1})
    tabs = store.tabs

    listed = await tabs.debtors(center.id, 10)
    assert [(d.villager_id, d.name, d.owed_minor) for d in listed] == [
        (BUDI, "Budi", 90_000),
        (SITI, "Siti Aminah", 72_000),
    ]
    assert listed[0].oldest_unpaid_at < listed[1].oldest_unpaid_at

    # Budi pays his oldest credit off: his oldest unpaid debt is now younger than Siti's.
    await tabs.repay(center.id, BUDI, PayMethod.QRIS, 18_000, MANAGER, told("tab: x"))
    assert [d.villager_id for d in await tabs.debtors(center.id, 10)] == [SITI, BUDI]
    assert [d.villager_id for d in await tabs.debtors(center.id, 1, 1)] == [BUDI]
    assert await tabs.count_debtors(center.id) == 2

    await tabs.repay(center.id, BUDI, PayMethod.CASH, 72_000, MANAGER, told("tab: x"))
    assert [d.villager_id for d in await tabs.debtors(center.id, 10)] == [SITI]
    assert await tabs.count_debtors(center.id) == 1
    other = await store.centers.add_center("SUKA", "Kios Desa Suka", OTHER_MANAGER)
    assert await tabs.debtors(other.id, 10) == [] and await tabs.count_debtors(other.id) == 0


async def test_a_repayment_over_the_debt_is_refused_with_what_is_owed_and_stores_nothing(
    store: Storage,
) -> None:
    center = await leping(store)
    await order_on_credit(store, center, SITI, {OIL: 1})
    before = await entries_in_center(store, center)

    with pytest.raises(RepaymentRefused) as over:
        await store.tabs.repay(center.id, SITI, PayMethod.CASH, 18_001, MANAGER, told("tab: x"))
    assert (over.value.reason, over.value.owed_minor) == (PaymentRefusal.OVER_OWED, 18_000)
    with pytest.raises(RepaymentRefused) as nothing:
        await store.tabs.repay(center.id, BUDI, PayMethod.CASH, 1_000, MANAGER, told("tab: x"))
    assert (nothing.value.reason, nothing.value.owed_minor) == (PaymentRefusal.NOTHING_OWED, 0)
    with pytest.raises(RepaymentRefused) as zero:
        await store.tabs.repay(center.id, SITI, PayMethod.CASH, 0, MANAGER, told("tab: x"))
    assert zero.value.reason is PaymentRefusal.NOT_POSITIVE

    assert await entries_in_center(store, center) == before
    assert await texts_to(store, SITI) == []


async def entries_in_center(store: Storage, center: Center) -> list[object]:
    async with store.db.read() as conn:
        return list(await entries_in(conn, center.id))


async def test_repayments_append_rows_and_never_change_earlier_ones(store: Storage) -> None:
    center = await leping(store)
    await order_on_credit(store, center, SITI, {RICE: 1})
    async with store.db.read() as conn:
        first = (await conn.execute(payment_events.select())).all()
    for part in (20_000, 30_000, 22_000):
        await store.tabs.repay(center.id, SITI, PayMethod.CASH, part, MANAGER, told("tab: x"))

    async with store.db.read() as conn:
        rows = (await conn.execute(payment_events.select().order_by(payment_events.c.id))).all()
    assert rows[: len(first)] == first
    assert [(r.kind, r.owed_change_minor, r.actor_id) for r in rows[1:]] == [
        ("repayment", -20_000, MANAGER),
        ("repayment", -30_000, MANAGER),
        ("repayment", -22_000, MANAGER),
    ]
    assert await store.tabs.owed(center.id, SITI) == 0


async def test_repayments_at_once_cannot_take_the_balance_below_zero(store: Storage) -> None:
    center = await leping(store)
    await order_on_credit(store, center, SITI, {RICE: 1})  # 72.000 owed

    async def pay(method: PayMethod) -> Repaid | RepaymentRefused:
        try:
            return await store.tabs.repay(center.id, SITI, method, 50_000, MANAGER, told("tab: x"))
        except RepaymentRefused as refused:
            return refused

    outcomes = await asyncio.gather(*(pay(m) for m in (PayMethod.CASH, PayMethod.QRIS) * 2))

    paid = [o for o in outcomes if isinstance(o, Repaid)]
    refused = [o for o in outcomes if isinstance(o, RepaymentRefused)]
    assert len(paid) == 1 and paid[0].owed_after_minor == 22_000
    assert {(r.reason, r.owed_minor) for r in refused} == {(PaymentRefusal.OVER_OWED, 22_000)}
    assert await store.tabs.owed(center.id, SITI) == 22_000
    assert await texts_to(store, SITI) == ["tab: x"]


async def test_a_repayment_waits_for_one_being_written_and_sees_it(store: Storage) -> None:
    center = await leping(store)
    await order_on_credit(store, center, SITI, {RICE: 1})  # 72.000 owed
    async with store.db.write() as conn:
        # Another desk is writing a repayment of 50.000 on Siti's tab, not yet committed.
        await lock_tab_in(conn, SITI)
        await add_in(conn, repayment_entry(center.id, SITI, PayMethod.CASH, 50_000, "IDR", 1))
        second = asyncio.create_task(
            store.tabs.repay(center.id, SITI, PayMethod.QRIS, 50_000, MANAGER, told("tab: x"))
        )
        await asyncio.sleep(0.3)  # room for the second to read the tab, were it not locked
        assert not second.done()

    with pytest.raises(RepaymentRefused) as refused:
        await second
    assert (refused.value.reason, refused.value.owed_minor) == (PaymentRefusal.OVER_OWED, 22_000)
    assert await store.tabs.owed(center.id, SITI) == 22_000


async def test_a_villager_is_reminded_at_most_once_a_week(store: Storage) -> None:
    center = await leping(store)
    await order_on_credit(store, center, SITI, {OIL: 1})
    tabs = store.tabs

    tab = await tabs.remind(center.id, SITI, told("tab: reminder"))
    assert tab.balance_minor == 18_000
    last = await tabs.last_reminder(center.id, SITI)
    with pytest.raises(ReminderRefused) as again:
        await tabs.remind(center.id, SITI, told("tab: reminder"))
    assert (again.value.reason, again.value.last_sent_at) == (ReminderRefusal.TOO_SOON, last)
    assert await texts_to(store, SITI) == ["tab: reminder"]

    await move_reminder_back(store, center, SITI, REMINDER_GAP_S)
    await tabs.remind(center.id, SITI, told("tab: reminder"))
    assert await texts_to(store, SITI) == ["tab: reminder", "tab: reminder"]


async def move_reminder_back(store: Storage, center: Center, villager: int, seconds: float) -> None:
    """Pretend the last reminder went `seconds` earlier."""
    async with store.db.write() as conn:
        await conn.execute(
            sa.update(tab_reminders)
            .where(tab_reminders.c.center_id == center.id, tab_reminders.c.villager_id == villager)
            .values(sent_at=tab_reminders.c.sent_at - seconds)
        )


async def test_two_reminders_at_once_send_one(store: Storage) -> None:
    center = await leping(store)
    await order_on_credit(store, center, SITI, {OIL: 1})

    async def remind() -> Tab | ReminderRefused:
        try:
            return await store.tabs.remind(center.id, SITI, told("tab: reminder"))
        except ReminderRefused as refused:
            return refused

    outcomes = await asyncio.gather(remind(), remind(), remind())

    assert sorted(type(o).__name__ for o in outcomes) == ["ReminderRefused"] * 2 + ["Tab"]
    assert await texts_to(store, SITI) == ["tab: reminder"]


async def test_no_reminder_for_a_clear_tab_or_a_villager_who_turned_them_off(
    store: Storage,
) -> None:
    center = await leping(store)
    tabs = store.tabs
    with pytest.raises(ReminderRefused, match="nothing_owed"):
        await tabs.remind(center.id, SITI, told("tab: reminder"))
    await order_on_credit(store, center, SITI, {OIL: 1})

    assert await tabs.reminders_off(SITI) is False
    await tabs.set_reminders_off(SITI, True)
    assert await tabs.reminders_off(SITI) is True
    with pytest.raises(ReminderRefused, match="opted_out"):
        await tabs.remind(center.id, SITI, told("tab: reminder"))
    assert await texts_to(store, SITI) == []

    await tabs.set_reminders_off(SITI, False)
    await store.users.set_muted(SITI, True)  # announcements muted: personal reminders still go
    await tabs.remind(center.id, SITI, told("tab: reminder"))
    assert await texts_to(store, SITI) == ["tab: reminder"]
    with pytest.raises(RecordNotFound):
        await tabs.set_reminders_off(123, True)


async def test_the_credit_limit_is_off_until_set_and_never_negative(store: Storage) -> None:
    center = await leping(store)
    tabs = store.tabs
    assert await tabs.credit_limit(center.id) == 0

    await tabs.set_credit_limit(center.id, 200_000)
    assert await tabs.credit_limit(center.id) == 200_000
    await tabs.set_credit_limit(center.id, 0)
    assert await tabs.credit_limit(center.id) == 0

    with pytest.raises(ValueError):
        await tabs.set_credit_limit(center.id, -1)
    with pytest.raises(RecordNotFound):
        await tabs.set_credit_limit(center.id + 100, 5)
    with pytest.raises(RecordNotFound):
        await tabs.credit_limit(center.id + 100)
