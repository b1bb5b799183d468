"""The kasbon book end to end: credit paid back in parts through /tabs, /tab as the villager
reads it, polite reminders at most once a week, and presses that are not the presser's."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from bot.devtools.emulator import BotApiEmulator, SentMessage
from bot.domain.entities import Center, ServiceRequest
from bot.domain.payments import LedgerKind, PayMethod
from bot.views import callbacks
from storage import Storage
from storage.ledger import entries_in
from storage.schema import outbox
from tests.credit import order_on_credit
from tests.e2e.conftest import (
    BUDI,
    MANAGER,
    SITI,
    World,
    assert_all_answered,
    assert_html_always_valid,
    join,
    label,
    part_of,
    shown,
    start_manager,
)

pytestmark = pytest.mark.usefixtures("no_errors_logged")

LEPING = "Kios Desa Leping"
OIL, RICE = "Minyak Goreng 1 liter", "Beras Medium 5 kg"  # IDR18,000 and IDR72,000


async def credit(world: World, villager: int, goods: dict[str, int]) -> ServiceRequest:
    """The villager's order, approved and put on their tab by the manager."""
    async with world.database() as store:
        center = await store.centers.by_code("LEPING")
        return await order_on_credit(store, center, villager, goods)


async def leping(store: Storage) -> Center:
    return await store.centers.by_code("LEPING")


async def open_tabs(emu: BotApiEmulator, count: int) -> SentMessage:
    """The manager sends /tabs and reads who owes the center."""
    emu.send_text(MANAGER, "/tabs")
    title = part_of("tabs.title", center=LEPING, count=count, page=1, pages=1)
    return await emu.wait_for(MANAGER, contains=title)


async def pay(emu: BotApiEmulator, book: SentMessage, name: str, owed: str) -> None:
    """Press the villager's "paid" button; the bot asks how much, naming the debt."""
    emu.press(MANAGER, book.message_id, button_text=label("tabs.pay_button", name=name))
    await emu.wait_for(MANAGER, contains=shown("tabs.ask_amount", name=name, owed=owed))


async def type_amount(emu: BotApiEmulator, typed: str, name: str, paid: str) -> SentMessage:
    """Type the amount paid; the bot asks how it was paid."""
    emu.send_text(MANAGER, typed)
    return await emu.wait_for(MANAGER, contains=shown("tabs.ask_method", name=name, amount=paid))


async def tab_of(emu: BotApiEmulator, villager: int, expected: str) -> SentMessage:
    emu.send_text(villager, "/tab")
    return await emu.wait_for(villager, contains=expected)


async def reminders_in_outbox(store: Storage, chat_id: int, locale: str = "en") -> int:
    """How many tab reminders were written for the chat."""
    marker = part_of("tab.reminder", locale)
    async with store.db.read() as conn:
        payloads = (
            await conn.execute(sa.select(outbox.c.payload).where(outbox.c.chat_id == chat_id))
        ).scalars()
        return sum(marker in json.loads(p)["text"] for p in payloads)


async def test_a_villager_pays_two_credit_requests_back_in_two_parts(world: World) -> None:
    emu = world.emu
    await start_manager(emu)
    await join(emu, SITI)
    oil = await credit(world, SITI, {OIL: 1})
    rice = await credit(world, SITI, {RICE: 1})

    book = await open_tabs(emu, 1)
    assert shown("tabs.line", name="Siti", owed="IDR90,000", age="since today") in book.text
    assert book.button_texts() == [
        label("tabs.pay_button", name="Siti"),
        label("tabs.remind_button", name="Siti"),
    ]
    await pay(emu, book, "Siti", "IDR90,000")
    emu.send_text(MANAGER, "100000")
    await emu.wait_for(MANAGER, contains=shown("tabs.over_owed", name="Siti", owed="IDR90,000"))
    emu.send_text(MANAGER, "lima puluh")
    await emu.wait_for(
        MANAGER, contains=shown("tabs.amount_invalid", name="Siti", owed="IDR90,000")
    )
    how = await type_amount(emu, "50rb", "Siti", "IDR50,000")
    assert how.button_texts() == [label("tabs.cash"), label("tabs.qris"), label("tabs.cancel")]
    emu.press(MANAGER, how.message_id, button_text=label("tabs.cash"))
    recorded = shown(
        "tabs.recorded", name="Siti", amount="IDR50,000", method="cash", owed="IDR40,000"
    )
    assert (await emu.wait_for(MANAGER, contains=recorded)).message_id == how.message_id
    told = shown("tab.repaid", center=LEPING, amount="IDR50,000", owed="IDR40,000")
    await emu.wait_for(SITI, contains=told)

    statement = await tab_of(emu, SITI, part_of("tab.statement", center=LEPING, owed="IDR40,000"))
    assert statement.text.splitlines()[1:4] == [
        shown(
            "tab.line_paid",
            number=oil.id,
            kind="Goods order",
            date=day(statement),
            amount="IDR18,000",
        ),
        shown(
            "tab.line_part",
            number=rice.id,
            kind="Goods order",
            date=day(statement),
            amount="IDR72,000",
            left="IDR40,000",
        ),
        shown("tab.line_repayment", date=day(statement), amount="IDR50,000", method="cash"),
    ]

    book = await open_tabs(emu, 1)
    assert shown("tabs.line", name="Siti", owed="IDR40,000", age="since today") in book.text
    await pay(emu, book, "Siti", "IDR40,000")
    how = await type_amount(emu, "40000", "Siti", "IDR40,000")
    emu.press(MANAGER, how.message_id, button_text=label("tabs.qris"))
    clear = shown("tabs.recorded_clear", name="Siti", amount="IDR40,000", method="QRIS")
    await emu.wait_for(MANAGER, contains=clear)
    await emu.wait_for(SITI, contains=shown("tab.repaid_clear", center=LEPING, amount="IDR40,000"))
    await tab_of(emu, SITI, shown("tab.clear", center=LEPING))

    emu.send_text(MANAGER, "/tabs")
    await emu.wait_for(MANAGER, contains=shown("tabs.empty", center=LEPING))
    # The paid button of an old /tabs message: nothing is owed, nothing is recorded.
    stale = emu.press(MANAGER, book.message_id, button_text=label("tabs.pay_button", name="Siti"))
    answer = await emu.wait_callback_answered(stale)
    assert answer.get("text") == label("tabs.nothing_owed", name="Siti")

    async with world.database() as store:
        async with store.db.read() as conn:
            rows = await entries_in(conn, (await leping(store)).id, SITI)
        assert [(r.kind, r.method, r.owed_change_minor) for r in rows] == [
            (LedgerKind.CREDIT, None, 18_000),
            (LedgerKind.CREDIT, None, 72_000),
            (LedgerKind.REPAYMENT, PayMethod.CASH, -50_000),
            (LedgerKind.REPAYMENT, PayMethod.QRIS, -40_000),
        ]
    await assert_all_answered(emu)
    assert_html_always_valid(emu)


def day(statement: SentMessage) -> str:
    """The date on the statement's lines: everything happened today."""
    return statement.text.splitlines()[1].split(" · ")[2]


async def test_a_reminder_reaches_a_muted_villager_once_in_their_language(world: World) -> None:
    emu = world.emu
    emu.user(BUDI, "Budi", language_code="id")
    await start_manager(emu)
    await join(emu, BUDI)
    emu.send_text(BUDI, "/mute")
    await emu.wait_for(BUDI, contains=shown("announcements.muted", "id"))
    await credit(world, BUDI, {OIL: 1})

    book = await open_tabs(emu, 1)
    remind = label("tabs.remind_button", name="Budi")
    first = emu.press(MANAGER, book.message_id, button_text=remind)
    assert (await emu.wait_callback_answered(first)).get("text") == label(
        "tabs.reminded", name="Budi"
    )
    reminder = await emu.wait_for(
        BUDI, contains=part_of("tab.reminder", "id", center=LEPING, owed="Rp18.000")
    )
    assert "Rp18.000" in reminder.text

    again = emu.press(MANAGER, book.message_id, button_text=remind)
    refused = await emu.wait_callback_answered(again)
    assert refused.get("show_alert") is True
    assert part_of("tabs.remind_too_soon", name="Budi") in refused["text"]
    async with world.database() as store:
        assert await reminders_in_outbox(store, BUDI, "id") == 1
    assert sum(part_of("tab.reminder", "id") in m.text for m in emu.messages(BUDI)) == 1


async def test_a_villager_who_turned_reminders_off_gets_none_until_they_turn_them_on(
    world: World,
) -> None:
    emu = world.emu
    await start_manager(emu)
    await join(emu, SITI)
    emu.send_text(SITI, "/reminders off")
    await emu.wait_for(SITI, contains=shown("tab.reminders_off"))
    await credit(world, SITI, {RICE: 1})

    book = await open_tabs(emu, 1)
    remind = label("tabs.remind_button", name="Siti")
    pressed = emu.press(MANAGER, book.message_id, button_text=remind)
    answer = await emu.wait_callback_answered(pressed)
    assert answer.get("text") == label("tabs.remind_opted_out", name="Siti")
    async with world.database() as store:
        assert await reminders_in_outbox(store, SITI) == 0

    emu.send_text(SITI, "/reminders")
    await emu.wait_for(SITI, contains=shown("tab.reminders_usage", state="off"))
    emu.send_text(SITI, "/reminders on")
    await emu.wait_for(SITI, contains=shown("tab.reminders_on"))
    pressed = emu.press(MANAGER, book.message_id, button_text=remind)
    answer = await emu.wait_callback_answered(pressed)
    assert answer.get("text") == label("tabs.reminded", name="Siti")
    await emu.wait_for(SITI, contains=part_of("tab.reminder", center=LEPING, owed="IDR72,000"))


async def test_presses_on_another_centers_tabs_change_nothing(world: World) -> None:
    emu = world.emu
    other_manager = 900002
    emu.user(other_manager, "Bu Rina", language_code="en")
    async with world.database() as store:
        await store.centers.add_center("SUKA", "Kios Desa Suka", other_manager, language="en")
        center = await leping(store)
    await start_manager(emu)
    welcome = await join(emu, SITI)
    emu.send_text(other_manager, "/start")
    rinas = await emu.wait_for(other_manager, contains=part_of("onboarding.welcome_manager"))
    await credit(world, SITI, {OIL: 1})

    for action in (callbacks.TAB_PAY, callbacks.TAB_REMIND):
        data = callbacks.tab_button(center.id, action, SITI)
        for presser, message in ((other_manager, rinas), (SITI, welcome)):
            query = emu.press(presser, message.message_id, forge=data)
            answer = await emu.wait_callback_answered(query)
            assert (answer.get("text"), answer.get("show_alert")) == (
                label("tabs.not_allowed"),
                True,
            )
    query = emu.press(other_manager, rinas.message_id, forge="tpy:1:cash")
    assert (await emu.wait_callback_answered(query)).get("text") == label("common.stale")

    async with world.database() as store:
        assert await store.tabs.owed(center.id, SITI) == 18_000
        assert await store.tabs.last_reminder(center.id, SITI) is None
        assert await reminders_in_outbox(store, SITI) == 0


async def test_the_manager_sets_the_credit_limit_and_nonsense_is_refused(world: World) -> None:
    emu = world.emu
    await start_manager(emu)
    emu.send_text(MANAGER, "/credit")
    await emu.wait_for(MANAGER, contains=shown("credit.off", center=LEPING))
    emu.send_text(MANAGER, "/credit 200rb")
    await emu.wait_for(MANAGER, contains=shown("credit.set", center=LEPING, limit="IDR200,000"))
    emu.send_text(MANAGER, "/credit banyak")
    await emu.wait_for(MANAGER, contains=shown("credit.invalid", text="banyak"))
    async with world.database() as store:
        assert await store.tabs.credit_limit((await leping(store)).id) == 200_000
    emu.send_text(MANAGER, "/credit off")
    await emu.wait_for(MANAGER, contains=shown("credit.off", center=LEPING))
    await join(emu, SITI)
    emu.send_text(SITI, "/credit 5000000")
    # To a villager, a manager's command is one they do not have.
    await emu.wait_for(SITI, contains=part_of("common.unknown_command", command="/credit"))
    async with world.database() as store:
        assert await store.tabs.credit_limit((await leping(store)).id) == 0


async def test_a_cancelled_payment_records_nothing_and_a_double_press_records_once(
    world: World,
) -> None:
    emu = world.emu
    await start_manager(emu)
    await join(emu, SITI)
    await credit(world, SITI, {RICE: 1})

    book = await open_tabs(emu, 1)
    await pay(emu, book, "Siti", "IDR72,000")
    emu.send_text(MANAGER, "/cancel")
    await emu.wait_for(MANAGER, contains=shown("tabs.payment_cancelled"))
    await pay(emu, book, "Siti", "IDR72,000")
    how = await type_amount(emu, "10000", "Siti", "IDR10,000")
    emu.send_text(MANAGER, "cash")
    await emu.wait_for(MANAGER, contains=shown("tabs.use_buttons"))
    emu.press(MANAGER, how.message_id, button_text=label("tabs.cancel"))
    await emu.wait_for(MANAGER, contains=shown("tabs.payment_cancelled"))

    await pay(emu, book, "Siti", "IDR72,000")
    how = await type_amount(emu, "20000", "Siti", "IDR20,000")
    first = emu.press(MANAGER, how.message_id, button_text=label("tabs.cash"))
    second = emu.press(MANAGER, how.message_id, button_text=label("tabs.cash"))
    await emu.wait_callback_answered(first)
    assert (await emu.wait_callback_answered(second)).get("text") == label("common.stale")
    await emu.wait_for(
        SITI, contains=shown("tab.repaid", center=LEPING, amount="IDR20,000", owed="IDR52,000")
    )
    async with world.database() as store:
        assert await store.tabs.owed((await leping(store)).id, SITI) == 52_000


async def test_a_long_book_is_paged_oldest_debt_first(world: World) -> None:
    emu = world.emu
    await start_manager(emu)
    names = [f"Warga {n}" for n in range(1, 8)]
    async with world.database() as store:
        center = await leping(store)
        for number, name in enumerate(names, start=800001):
            await store.users.seen(number, name, telegram_language="en")
            await order_on_credit(store, center, number, {OIL: 1})

    emu.send_text(MANAGER, "/tabs")
    first = await emu.wait_for(
        MANAGER, contains=part_of("tabs.title", center=LEPING, count=7, page=1, pages=2)
    )
    assert [line.split(" · ")[0] for line in first.text.splitlines()[1:]] == names[:6]
    assert first.button_texts()[-1] == "▶"
    emu.press(MANAGER, first.message_id, button_text="▶")
    second = await emu.wait_for(
        MANAGER, contains=part_of("tabs.title", center=LEPING, count=7, page=2, pages=2)
    )
    assert second.message_id == first.message_id
    assert [line.split(" · ")[0] for line in second.text.splitlines()[1:]] == names[6:]
    assert second.button_texts() == [
        label("tabs.pay_button", name="Warga 7"),
        label("tabs.remind_button", name="Warga 7"),
        "◀",
    ]
