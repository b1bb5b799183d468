"""The report's money over plain ledger rows: cash, QRIS, credit given, credit repaid, still
owed; the lines the manager reads, the chart's payments panel and the payments CSV."""

from __future__ import annotations

import csv
import io

from PIL import Image

from bot.domain.money import Money
from bot.domain.payments import LedgerKind, PayMethod
from bot.domain.reports import Period, window_for
from bot.domain.takings import PaymentEvent, takings
from bot.views.report_chart import ChartText, make_chart
from bot.views.report_csv import PAYMENT_COLUMNS, payments_csv
from bot.views.takings_texts import takings_lines
from tests.unit.test_reports import HOUR, JAKARTA, NOW, TODAY_START


def event(
    hours: float,
    kind: LedgerKind,
    amount: int,
    method: PayMethod | None = None,
    number: int | None = 1,
    villager: str = "Siti Aminah",
) -> PaymentEvent:
    return PaymentEvent(
        created_at=TODAY_START + hours * HOUR,
        request_id=number,
        villager=villager,
        kind=kind,
        method=method,
        amount=Money(amount, "IDR"),
        recorded_by="Pak Joko",
    )


CASH, QRIS, CREDIT, REPAID = (
    LedgerKind.CASH,
    LedgerKind.QRIS,
    LedgerKind.CREDIT,
    LedgerKind.REPAYMENT,
)
EVENTS = [
    event(-3, CASH, 99_000, PayMethod.CASH),  # yesterday evening: in no figure of today
    event(9.2, CASH, 25_000, PayMethod.CASH, 2),
    event(9.5, QRIS, 10_000, PayMethod.QRIS, 3),
    event(10, CREDIT, 30_000, None, 4),
    event(14, REPAID, 12_500, PayMethod.CASH, None),
    event(15, REPAID, 5_000, PayMethod.QRIS, None),
]


def test_todays_takings_by_way_and_what_is_still_owed() -> None:
    window = window_for(Period.DAY, NOW, JAKARTA)
    money = takings(EVENTS, 12_500, window, "IDR")
    assert (money.cash, money.qris, money.credit_given) == (
        Money(25_000, "IDR"),
        Money(10_000, "IDR"),
        Money(30_000, "IDR"),
    )
    assert (money.repaid_cash, money.repaid_qris) == (Money(12_500, "IDR"), Money(5_000, "IDR"))
    assert money.received == Money(52_500, "IDR") and money.owed == Money(12_500, "IDR")
    bars = {hour: figures for hour, *figures in money.buckets}
    assert len(bars) == 24
    assert bars[9] == [25_000, 10_000, 0, 0] and bars[10] == [0, 0, 30_000, 0]
    assert bars[14] == [0, 0, 0, 12_500] and bars[21] == [0, 0, 0, 0]


def test_a_quiet_day_moved_nothing_but_may_leave_a_debt() -> None:
    window = window_for(Period.DAY, NOW, JAKARTA)
    quiet = takings(EVENTS[:1], 40_000, window, "IDR")
    assert not quiet.moved and quiet.any
    assert not takings([], 0, window, "IDR").any


def test_the_manager_reads_the_takings_in_their_language() -> None:
    money = takings(EVENTS, 12_500, window_for(Period.WEEK, NOW, JAKARTA), "IDR")
    text = "\n".join(takings_lines(money, "id"))
    assert "Dibayar tunai: <b>Rp124.000</b>" in text  # yesterday's cash is in the week
    assert "Kasbon dilunasi: <b>Rp17.500</b> (tunai Rp12.500, QRIS Rp5.000)" in text
    assert "Kasbon yang belum dibayar di akhir periode: <b>Rp12.500</b>" in text


def test_the_payments_csv_has_one_row_per_event_in_local_time() -> None:
    hostile = event(16, CASH, 7_000, PayMethod.CASH, 9, villager="=HYPERLINK(1)")
    data = payments_csv([*EVENTS[1:], hostile], window_for(Period.DAY, NOW, JAKARTA))
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert tuple(table[0]) == PAYMENT_COLUMNS
    assert table[1] == [
        "2026-12-01 09:12",
        "#2",
        "Siti Aminah",
        "cash",
        "cash",
        "IDR",
        "25000",
        "Pak Joko",
    ]
    assert table[3][3:7] == ["credit", "", "IDR", "30000"]
    assert table[4][:2] == ["2026-12-01 14:00", ""]  # a repayment belongs to no request
    assert table[6][2] == "'=HYPERLINK(1)"
    assert len(table) == 1 + 6


def test_the_chart_grows_a_payments_panel() -> None:
    words = ChartText(
        "Kios Desa Leping",
        "1 Des",
        "Permintaan",
        "Pendapatan",
        ["00", "01"],
        payments="Pembayaran",
        ways=["Tunai", "QRIS", "Kasbon dilunasi", "Kasbon baru"],
    )
    plain = make_chart(words, [3, 0], [15000.0, 0.0], lambda v: f"{v:.0f}", None)
    paid = [(15000.0, 0.0, 0.0, 0.0), (0.0, 5000.0, 2500.0, 30000.0)]
    with_payments = make_chart(words, [3, 0], [15000.0, 0.0], lambda v: f"{v:.0f}", None, paid)
    two, three = (Image.open(io.BytesIO(png)) for png in (plain, with_payments))
    assert three.format == "PNG" and three.height > two.height * 1.3
