"""The money of a village center as one story, through the emulator and the real bot: Siti
pays her order by QRIS with the exact amount, Budi takes his on credit and pays it back in
two parts, and the manager's report and export show each payment. Every step is something a
person types or presses; the database is only read, never written, by the test."""

from __future__ import annotations

import csv
import io
import re

import pytest
from PIL import Image

from bot.devtools.emulator import BotApiEmulator, SentMessage
from bot.domain.money import Money, format_money
from bot.domain.payments import LedgerKind, Payment, PayMethod
from bot.domain.qris import parse_qris
from bot.views.report_chart import DPI, TALL_SIZE_IN
from storage.ledger import entries_in
from tests.e2e.conftest import (
    BUDI,
    MANAGER,
    SITI,
    World,
    assert_all_answered,
    assert_html_always_valid,
    fill_cart,
    join,
    label,
    part_of,
    shown,
    start_manager,
)
from tests.e2e.test_qris import codes_in, sticker_photo
from tests.unit.test_qris import STICKER, reference_crc

pytestmark = pytest.mark.usefixtures("no_errors_logged")

LEPING = "Kios Desa Leping"
MERCHANT = "KIOS DESA LEPING"
OIL, RICE = 18_000, 72_000  # Minyak Goreng 1 liter, Beras Medium 5 kg
CASH_PART, QRIS_PART = 50_000, 22_000  # Budi's two repayments of the rice
PAY_BUTTONS = [label("pay.button.cash"), label("pay.button.qris"), label("pay.button.credit")]


def rupiah(minor: int) -> str:
    """An amount as the English-speaking people of this story read it."""
    return format_money(Money(minor, "IDR"), "en")


async def order(emu: BotApiEmulator, villager: int, search: str, product: str) -> int:
    """The villager joins, puts one `product` in the cart and orders it for pickup."""
    await join(emu, villager)
    await fill_cart(emu, villager, search)
    emu.send_text(villager, "/cart")
    cart = await emu.wait_for(villager, contains=part_of("cart.summary"))
    assert product in cart.text
    emu.press(villager, cart.message_id, button_text=label("cart.checkout"))
    how = await emu.wait_for(villager, contains=part_of("checkout.how"))
    emu.press(villager, how.message_id, button_text=label("checkout.pickup"))
    note = await emu.wait_for(villager, contains=part_of("checkout.ask_note"))
    emu.press(villager, note.message_id, button_text=label("checkout.skip_note"))
    summary = await emu.wait_for(villager, contains=part_of("checkout.summary"))
    emu.press(villager, summary.message_id, button_text=label("checkout.confirm"))
    sent = await emu.wait_for(villager, contains=part_of("checkout.submitted"))
    number = re.search(r"🧾 #(\d+) ·", sent.text)
    assert number is not None, sent.text
    return int(number[1])


async def approve(
    emu: BotApiEmulator, number: int, villager: int
) -> tuple[SentMessage, SentMessage]:
    """The manager approves the order's card: the card redrawn with the pay buttons, and the
    villager's news of it."""
    card = await emu.wait_for(MANAGER, contains=f"🧾 #{number} ·", after=0)
    emu.press(MANAGER, card.message_id, button_text=label("action.approve"))
    card = await emu.wait_for(
        MANAGER, lambda m: m.message_id == card.message_id and PAY_BUTTONS[0] in m.button_texts()
    )
    news = await emu.wait_for(
        villager, contains=shown("notify.approve", number=number, status=label("status.approved"))
    )
    return card, news


async def record(emu: BotApiEmulator, card: SentMessage, button: str) -> SentMessage:
    """The manager presses a pay button on the card; returns the card redrawn without them."""
    emu.press(MANAGER, card.message_id, button_text=label(button))
    return await emu.wait_for(
        MANAGER,
        lambda m: m.message_id == card.message_id and PAY_BUTTONS[0] not in m.button_texts(),
    )


async def repay(emu: BotApiEmulator, name: str, owed: int, paid: int, way: str) -> SentMessage:
    """From /tabs the manager records that the villager paid `paid` back, by `way`."""
    emu.send_text(MANAGER, "/tabs")
    book = await emu.wait_for(
        MANAGER, contains=part_of("tabs.title", center=LEPING, count=1, page=1, pages=1)
    )
    assert shown("tabs.line", name=name, owed=rupiah(owed), age="since today") in book.text
    emu.press(MANAGER, book.message_id, button_text=label("tabs.pay_button", name=name))
    await emu.wait_for(MANAGER, contains=shown("tabs.ask_amount", name=name, owed=rupiah(owed)))
    emu.send_text(MANAGER, str(paid))
    how = await emu.wait_for(
        MANAGER, contains=shown("tabs.ask_method", name=name, amount=rupiah(paid))
    )
    emu.press(MANAGER, how.message_id, button_text=label(f"tabs.{way}"))
    return how


async def siti_pays_by_qris(emu: BotApiEmulator) -> int:
    """Siti orders oil, the manager approves, she pays the QRIS of its exact amount."""
    number = await order(emu, SITI, "minyak goreng", "Minyak Goreng 1 liter")
    card, news = await approve(emu, number, SITI)
    pay = label("qris.pay_button", number=number)
    assert news.button_texts() == [pay]
    query = emu.press(SITI, news.message_id, button_text=pay)
    picture = await emu.wait_for(SITI, lambda m: m.kind == "photo")
    await emu.wait_callback_answered(query)

    # What her banking app reads in the picture: a dynamic QRIS of the order's amount.
    [content] = codes_in(emu, picture)
    qris = parse_qris(content)
    assert qris.value("01") == "12" and qris.amount == str(OIL)
    assert qris.merchant_name == MERCHANT and qris.value("53") == "360"
    assert content[-8:-4] == "6304" and content[-4:] == reference_crc(content[:-4])
    assert picture.caption == shown(
        "qris.caption", number=number, amount=rupiah(OIL), merchant=MERCHANT
    )

    # The money shows in the manager's app; he records it on the card.
    card = await record(emu, card, "pay.button.qris")
    assert label("pay.state.qris") + ", recorded by Pak Joko" in card.text
    await emu.wait_for(SITI, contains=shown("pay.told.qris", number=number, amount=rupiah(OIL)))
    emu.send_text(SITI, "/orders")
    listing = await emu.wait_for(SITI, contains=part_of("orders.list"))
    paid = f"{rupiah(OIL)} · {label('status.approved')} · 💰 {label('pay.state.qris')}"
    assert paid in listing.text
    assert pay not in listing.button_texts()
    return number


async def budi_takes_credit_and_pays_it_back(emu: BotApiEmulator) -> int:
    """Budi orders rice on credit, then pays it back at the counter in cash and by QRIS."""
    number = await order(emu, BUDI, "beras medium 5 kg", "Beras Medium 5 kg")
    card, _news = await approve(emu, number, BUDI)
    card = await record(emu, card, "pay.button.credit")
    assert label("pay.state.credit") in card.text
    await emu.wait_for(BUDI, contains=shown("pay.told.credit", number=number, amount=rupiah(RICE)))

    emu.send_text(BUDI, "/tab")
    tab = await emu.wait_for(
        BUDI, contains=part_of("tab.statement", center=LEPING, owed=rupiah(RICE))
    )
    assert f"#{number} · " in tab.text and rupiah(RICE) in tab.text

    left = RICE - CASH_PART
    how = await repay(emu, "Budi", RICE, CASH_PART, "cash")
    recorded = shown(
        "tabs.recorded", name="Budi", amount=rupiah(CASH_PART), method="cash", owed=rupiah(left)
    )
    assert (await emu.wait_for(MANAGER, contains=recorded)).message_id == how.message_id
    await emu.wait_for(
        BUDI,
        contains=shown("tab.repaid", center=LEPING, amount=rupiah(CASH_PART), owed=rupiah(left)),
    )
    await repay(emu, "Budi", left, QRIS_PART, "qris")
    clear = shown("tabs.recorded_clear", name="Budi", amount=rupiah(QRIS_PART), method="QRIS")
    await emu.wait_for(MANAGER, contains=clear)
    await emu.wait_for(
        BUDI, contains=shown("tab.repaid_clear", center=LEPING, amount=rupiah(QRIS_PART))
    )
    emu.send_text(BUDI, "/tab")
    await emu.wait_for(BUDI, contains=shown("tab.clear", center=LEPING))
    return number


async def the_report_shows_each_payment(emu: BotApiEmulator, command: str) -> None:
    """/today or /report: QRIS taken, credit given and repaid, nothing owed, and the chart."""
    emu.send_text(MANAGER, command)
    report = await emu.wait_for(MANAGER, contains=shown("pay.report.title"))
    for key, amount in (
        ("pay.report.cash", 0),
        ("pay.report.qris", OIL),
        ("pay.report.credit_given", RICE),
        ("pay.report.received", OIL + CASH_PART + QRIS_PART),
        ("pay.report.owed", 0),
    ):
        assert shown(key, amount=rupiah(amount)) in report.text, key
    repaid = shown(
        "pay.report.repaid", amount=rupiah(RICE), cash=rupiah(CASH_PART), qris=rupiah(QRIS_PART)
    )
    assert repaid in report.text
    chart = await emu.wait_for(MANAGER, lambda m: m.kind == "photo")
    assert chart.caption == shown("report.chart_caption", center=LEPING)
    # The tall chart: the payments panel under requests and revenue.
    assert chart.photo is not None
    with Image.open(io.BytesIO(emu.file_bytes(chart.photo.file_id))) as image:
        assert image.size == tuple(round(inches * DPI) for inches in TALL_SIZE_IN)


async def test_one_pays_by_qris_another_on_credit_and_the_report_shows_each(
    world: World,
) -> None:
    emu = world.emu
    await start_manager(emu)
    # The manager photographs the center's QRIS sticker and lets villagers owe up to 200rb.
    emu.send_photo(MANAGER, sticker_photo(STICKER), caption="/qris")
    await emu.wait_for(
        MANAGER,
        contains=shown("qris.saved", center=LEPING, merchant=MERCHANT, city="BOYOLALI"),
    )
    emu.send_text(MANAGER, "/credit 200rb")
    await emu.wait_for(MANAGER, contains=shown("credit.set", center=LEPING, limit=rupiah(200_000)))

    siti_order = await siti_pays_by_qris(emu)
    budi_order = await budi_takes_credit_and_pays_it_back(emu)
    await the_report_shows_each_payment(emu, "/today")
    await the_report_shows_each_payment(emu, "/report day")

    emu.send_text(MANAGER, "/export")
    export = await emu.wait_for(
        MANAGER, lambda m: m.document is not None and "payments-" in (m.document.filename or "")
    )
    assert export.document is not None
    rows = list(csv.reader(io.StringIO(export.document.data.decode("utf-8-sig"))))
    assert [row[1:7] for row in rows[1:]] == [
        [f"#{siti_order}", "Siti", "qris", "qris", "IDR", "18000"],
        [f"#{budi_order}", "Budi", "credit", "", "IDR", "72000"],
        ["", "Budi", "repayment", "cash", "IDR", "50000"],
        ["", "Budi", "repayment", "qris", "IDR", "22000"],
    ]

    async with world.database() as store:
        center = await store.centers.by_code("LEPING")
        async with store.db.read() as conn:
            ledger = await entries_in(conn, center.id)
        assert [
            (e.villager_id, e.request_id, e.kind, e.method, e.amount_minor, e.owed_change_minor)
            for e in ledger
        ] == [
            (SITI, siti_order, LedgerKind.QRIS, PayMethod.QRIS, OIL, 0),
            (BUDI, budi_order, LedgerKind.CREDIT, None, RICE, RICE),
            (BUDI, None, LedgerKind.REPAYMENT, PayMethod.CASH, CASH_PART, -CASH_PART),
            (BUDI, None, LedgerKind.REPAYMENT, PayMethod.QRIS, QRIS_PART, -QRIS_PART),
        ]
        assert {e.actor_id for e in ledger} == {MANAGER}
        assert (await store.requests.get(siti_order)).payment is Payment.QRIS
        assert (await store.requests.get(budi_order)).payment is Payment.CREDIT
        assert await store.tabs.owed(center.id, BUDI) == 0
    await assert_all_answered(emu)
    assert_html_always_valid(emu)
