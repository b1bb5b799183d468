"""Report figures over plain rows: which requests a period holds and what they add up to."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import UTC, date, datetime

from PIL import Image

from bot.domain.clock import center_zone
from bot.domain.entities import Center
from bot.domain.money import Money
from bot.domain.pipeline import RequestKind, RequestStatus
from bot.domain.reports import (
    Period,
    ReportRequest,
    SoldLine,
    parse_period,
    summarize,
    window_for,
)
from bot.views.poster import MISSING, font_at, has_glyphs
from bot.views.report_chart import ChartText, chart_font, make_chart
from bot.views.report_csv import EXPORT_COLUMNS, export_csv
from handlers.reports import Asked, chart_words

JAKARTA = center_zone("IDR")
HOUR = 3600.0
# 1 December 2026, 23:30 in Jakarta (UTC+7) is 16:30 UTC.
NOW = datetime(2026, 12, 1, 16, 30, tzinfo=UTC).timestamp()
TODAY_START = datetime(2026, 11, 30, 17, 0, tzinfo=UTC).timestamp()  # local midnight


def request(
    number: int,
    kind: RequestKind,
    status: RequestStatus,
    total: int,
    created: float,
    completed: float | None = None,
    commission: int = 0,
    lines: tuple[SoldLine, ...] = (),
) -> ReportRequest:
    return ReportRequest(
        id=number,
        kind=kind,
        status=status,
        total=Money(total, "IDR"),
        commission=Money(commission, "IDR"),
        villager="Siti Aminah",
        created_at=created,
        completed_at=completed,
        lines=lines,
        summary="Pulsa 10.000 0812" if kind is RequestKind.TOPUP else "",
    )


G, T, B = RequestKind.GOODS, RequestKind.TOPUP, RequestKind.BILL
S = RequestStatus
OIL, RICE, EGGS = "Minyak Goreng", "Beras 5 kg", "Telur"
ROWS = [
    # Yesterday evening, completed this morning: money today, not a request of today.
    request(
        1,
        G,
        S.COMPLETED,
        90000,
        TODAY_START - 2 * HOUR,
        TODAY_START + 8 * HOUR,
        0,
        (SoldLine(RICE, 1), SoldLine(OIL, 1)),
    ),
    request(
        2,
        G,
        S.COMPLETED,
        36000,
        TODAY_START + 1 * HOUR,
        TODAY_START + 3 * HOUR,
        0,
        (SoldLine(OIL, 2),),
    ),
    request(3, T, S.COMPLETED, 11500, TODAY_START + 2 * HOUR, TODAY_START + 2.5 * HOUR, 1500),
    request(4, T, S.REJECTED, 11500, TODAY_START + 4 * HOUR, None, 1500),
    request(5, B, S.QUOTED, 52500, TODAY_START + 5 * HOUR, None, 2500),
    request(6, G, S.CANCELLED, 18000, TODAY_START + 6 * HOUR, None, 0, (SoldLine(OIL, 1),)),
    # Submitted today and completed today, with eggs.
    request(
        7,
        G,
        S.COMPLETED,
        28000,
        TODAY_START + 7 * HOUR,
        TODAY_START + 11 * HOUR,
        0,
        (SoldLine(EGGS, 10),),
    ),
]


def test_a_day_is_the_centers_local_day_and_a_week_its_last_seven() -> None:
    day = window_for(Period.DAY, NOW, JAKARTA)
    assert (day.first, day.last) == (date(2026, 12, 1), date(2026, 12, 1))
    assert (day.start, day.end) == (TODAY_START, TODAY_START + 24 * HOUR)
    week = window_for(Period.WEEK, NOW, JAKARTA)
    assert (week.first, week.last) == (date(2026, 11, 25), date(2026, 12, 1))
    assert week.start == TODAY_START - 6 * 24 * HOUR
    month = window_for(Period.MONTH, NOW, JAKARTA)
    assert (month.first, len(month.days())) == (date(2026, 11, 2), 30)
    # At the same moment it is already 2 December in Shanghai (UTC+8).
    assert window_for(Period.DAY, NOW, center_zone("CNY")).first == date(2026, 12, 2)


def test_periods_typed_in_any_of_the_bots_languages() -> None:
    assert parse_period([]) is Period.DAY
    assert parse_period(["week"]) is Period.WEEK
    assert parse_period(["Minggu"]) is Period.WEEK
    assert parse_period(["bulan"]) is Period.MONTH
    assert parse_period(["月"]) is Period.MONTH
    assert parse_period(["year"]) is None
    assert parse_period(["week", "please"]) is None


def test_todays_figures() -> None:
    report = summarize(ROWS, window_for(Period.DAY, NOW, JAKARTA), "IDR")

    assert report.submitted == 6  # #2..#7; #1 was submitted yesterday
    assert report.by_kind == {G: 3, T: 2, B: 1}
    assert report.by_status == {S.QUOTED: 1, S.COMPLETED: 3, S.REJECTED: 1, S.CANCELLED: 1}
    assert report.completed == 4  # #1, #2, #3, #7
    assert report.revenue == Money(90000 + 36000 + 11500 + 28000, "IDR")
    assert report.commission == Money(1500, "IDR")
    assert report.items_sold == 2 + 2 + 10  # the cancelled order's oil is not sold
    assert report.top_products == [(EGGS, 10), (OIL, 3), (RICE, 1)]
    # Completion times: 10 h, 2 h, 0.5 h, 4 h; the median is halfway between 2 h and 4 h.
    assert report.median_completion_s == 3 * HOUR
    by_hour = {hour: (count, minor) for hour, count, minor in report.buckets}
    assert len(by_hour) == 24
    assert by_hour[1] == (1, 0) and by_hour[8] == (0, 90000) and by_hour[11] == (0, 28000)


def test_the_week_holds_yesterday_too_and_nothing_outside_counts() -> None:
    long_ago = request(
        8,
        G,
        S.COMPLETED,
        5000,
        TODAY_START - 40 * 24 * HOUR,
        TODAY_START - 39 * 24 * HOUR,
        0,
        (SoldLine(OIL, 50),),
    )
    report = summarize([*ROWS, long_ago], window_for(Period.WEEK, NOW, JAKARTA), "IDR")

    assert report.submitted == 7
    assert report.items_sold == 14
    assert report.top_products[0] == (EGGS, 10)
    per_day = {day: count for day, count, _minor in report.buckets}
    assert per_day[date(2026, 11, 30)] == 1 and per_day[date(2026, 12, 1)] == 6
    assert sum(per_day.values()) == 7


def test_top_products_are_five_at_most_ties_by_name() -> None:
    lines = tuple(SoldLine(name, 2) for name in "FEDCBA")
    done = request(9, G, S.COMPLETED, 1000, TODAY_START + HOUR, TODAY_START + 2 * HOUR, 0, lines)
    report = summarize([done], window_for(Period.DAY, NOW, JAKARTA), "IDR")
    assert report.top_products == [(name, 2) for name in "ABCDE"]


def test_an_empty_period_has_no_median() -> None:
    report = summarize([], window_for(Period.MONTH, NOW, JAKARTA), "IDR")
    assert (report.submitted, report.completed, report.median_completion_s) == (0, 0, None)
    assert report.revenue == Money(0, "IDR") and report.top_products == []


def test_export_lists_the_reports_requests_in_local_time() -> None:
    data = export_csv(ROWS, window_for(Period.DAY, NOW, JAKARTA))

    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with a byte order mark
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert tuple(table[0]) == EXPORT_COLUMNS
    assert [row[0] for row in table[1:]] == [f"#{n}" for n in range(1, 8)]
    first = dict(zip(EXPORT_COLUMNS, table[1], strict=True))
    assert first == {
        "number": "#1",
        "created": "2026-11-30 22:00",
        "kind": "goods",
        "status": "completed",
        "villager": "Siti Aminah",
        "currency": "IDR",
        "total": "90000",
        "commission": "0",
        "completed": "2026-12-01 08:00",
        "items": "Beras 5 kg x1; Minyak Goreng x1",
    }
    topup = dict(zip(EXPORT_COLUMNS, table[3], strict=True))
    assert (topup["items"], topup["commission"]) == ("Pulsa 10.000 0812", "1500")
    assert dict(zip(EXPORT_COLUMNS, table[4], strict=True))["completed"] == ""


def test_the_chart_is_a_png_image() -> None:
    words = ChartText("Kios Desa Leping", "1 Des", "Permintaan", "Pendapatan", ["00", "01"])
    png = make_chart(words, [3, 0], [15000.0, 0.0], lambda value: f"{value:.0f}", None)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.width > 600 and image.height > 400


def test_a_chinese_chart_is_drawn_in_chinese_if_a_font_can_else_in_english() -> None:
    center = Center(1, "LEPING", "Kios Desa Leping", 500, "IDR", "id", None, None, 3.0, 1)
    window = window_for(Period.DAY, NOW, JAKARTA)
    report = summarize(ROWS, window, "IDR")

    words, font, locale = chart_words(Asked("zh", center, window), report)

    if chart_font("提交的请求") is None:  # this machine has no Chinese font
        assert (locale, words.requests) == ("en", "Requests submitted")
    else:
        assert (locale, words.requests) == ("zh", "提交的请求")
    assert font is not None and has_glyphs(font_at(font, 24), words.all())
    assert "Asia/Jakarta" in words.axis  # a day report: the bars are hours
    assert chart_font(MISSING) is None


def test_a_closed_produce_offer_is_no_sale_of_its_own() -> None:
    """Budi's offer closes when sold out; its sales were already counted by the goods orders."""
    window = window_for(Period.DAY, NOW, JAKARTA)
    sold = request(
        40, G, S.COMPLETED, 30000, TODAY_START + HOUR, TODAY_START + 2 * HOUR, 0,
        (SoldLine("Kangkung", 10),),
    )  # fmt: skip
    offer = request(
        41, RequestKind.PRODUCE, S.COMPLETED, 30000, TODAY_START, TODAY_START + 2 * HOUR
    )

    report = summarize([sold, offer], window, "IDR")

    assert report.revenue == Money(30000, "IDR")
    assert (report.completed, report.items_sold, report.submitted) == (1, 10, 2)
    assert report.by_kind[RequestKind.PRODUCE] == 1


def test_names_that_look_like_formulas_stay_text_in_the_export() -> None:
    hostile = replace(
        request(9, G, S.COMPLETED, 1000, TODAY_START + HOUR, TODAY_START + 2 * HOUR, 0,
                (SoldLine("=HYPERLINK(\"http://x\",\"klik\")", 1),)),
        villager="@SUM(A1)",
    )  # fmt: skip
    data = export_csv([hostile], window_for(Period.DAY, NOW, JAKARTA))

    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    row = dict(zip(EXPORT_COLUMNS, table[1], strict=True))
    assert row["villager"] == "'@SUM(A1)"
    assert row["items"] == '\'=HYPERLINK("http://x","klik") x1'
