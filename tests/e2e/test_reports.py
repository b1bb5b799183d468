"""The manager's reports: after a day of requests, /today, /report week and /export show
figures that match what the database holds, counted here with our own SQL."""

from __future__ import annotations

import csv
import io
import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from babel.dates import format_timedelta
from PIL import Image

from bot.devtools.emulator import BotApiEmulator, SentMessage
from bot.domain.bills import BillKind
from bot.domain.money import Money, format_money
from bot.domain.phones import parse_mobile
from bot.domain.pipeline import Action
from bot.services.acting import act
from bot.services.quotes import fulfil_with_reference
from bot.services.submissions import submit_bill, submit_topup
from storage import Storage
from tests.e2e.conftest import (
    BUDI,
    MANAGER,
    SITI,
    World,
    join,
    label,
    part_of,
    place_order,
    shown,
    start_manager,
)

pytestmark = pytest.mark.usefixtures("no_errors_logged")

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
DAY = 86_400.0
OIL, RICE, SUGAR = "Minyak Goreng 1 liter", "Beras Medium 5 kg", "Gula Pasir 1 kg"
TOKEN = "12345678901234567890"


async def backdate(store: Storage, request_id: int, days: float) -> None:
    """Move a request's submission (and completion, if it has one) `days` into the past."""
    async with store.db.write() as conn:
        await conn.execute(
            sa.text(
                "UPDATE requests SET created_at = created_at - :s,"
                " completed_at = completed_at - :s WHERE id = :id"
            ),
            {"s": days * DAY, "id": request_id},
        )


async def backdate_submission(store: Storage, request_id: int, days: float) -> None:
    """The request was submitted `days` ago (and completed now)."""
    async with store.db.write() as conn:
        await conn.execute(
            sa.text("UPDATE requests SET created_at = created_at - :s WHERE id = :id"),
            {"s": days * DAY, "id": request_id},
        )


async def deliver(store: Storage, request_id: int) -> None:
    """The manager approves a pickup order, marks it ready and hands it over."""
    for action in (Action.APPROVE, Action.MARK_READY, Action.COMPLETE):
        await act(store, request_id, action, MANAGER)


async def a_day_of_requests(store: Storage) -> None:
    """Goods, a top-up and a token today in every state, plus older requests."""
    sold = await place_order(store, SITI, {OIL: 2, RICE: 1})
    await deliver(store, sold.id)
    await deliver(store, (await place_order(store, BUDI, {OIL: 3, SUGAR: 2})).id)
    rejected = await place_order(store, BUDI, {RICE: 1})
    await act(store, rejected.id, Action.REJECT, MANAGER, reason="Habis")
    await place_order(store, SITI, {SUGAR: 1})  # still waiting for the manager
    center = await store.centers.by_code("LEPING")
    siti = await store.users.get(SITI)
    assert siti is not None
    number = parse_mobile("0812 3456 7890", "ID")
    assert number.operator is not None
    package = (await store.services.topups_for(center, number.operator))[0]
    topup = await submit_topup(store, siti, center, number, package)
    await fulfil_with_reference(store, topup.id, MANAGER, "SN-7781")
    token = await submit_bill(
        store, siti, center, BillKind.PLN_PREPAID, "14123456789", Money(50_000, "IDR")
    )
    await fulfil_with_reference(store, token.id, MANAGER, TOKEN)
    # Submitted two days ago, handed over today: today's money, the week's request.
    late = await place_order(store, BUDI, {RICE: 2})
    await deliver(store, late.id)
    await backdate_submission(store, late.id, 2)
    # Three days ago, and forty days ago: in the week, and in no report asked here.
    three = await place_order(store, SITI, {OIL: 1})
    await deliver(store, three.id)
    await backdate(store, three.id, 3)
    forty = await place_order(store, SITI, {SUGAR: 9})
    await deliver(store, forty.id)
    await backdate(store, forty.id, 40)


def window_start(days: int) -> float:
    """Local midnight in Jakarta `days - 1` days before today, as epoch seconds."""
    zone = ZoneInfo("Asia/Jakarta")
    today = datetime.now(zone).replace(hour=0, minute=0, second=0, microsecond=0)
    return (today - timedelta(days=days - 1)).timestamp()


@dataclass(frozen=True)
class Figures:
    """What a report from `start` to now must show."""

    submitted: int
    goods: int
    completed: int
    revenue: int
    commission: int
    items: int
    top: list[tuple[str, int]]
    median_s: float


DONE = "r.status = 'completed' AND r.completed_at >= :s"


async def expected_figures(store: Storage, start: float) -> Figures:
    """The report's figures counted straight from the tables."""
    async with store.db.read() as conn:

        async def rows(sql: str) -> list[Any]:
            return list((await conn.execute(sa.text(sql), {"s": start})).all())

        async def one(sql: str) -> int:
            return int((await rows(sql))[0][0] or 0)

        top = await rows(
            "SELECT i.name, SUM(i.quantity) AS q FROM request_items i"
            f" JOIN requests r ON r.id = i.request_id WHERE {DONE}"
            " GROUP BY i.name ORDER BY q DESC, i.name LIMIT 5"
        )
        spans = await rows(f"SELECT r.completed_at - r.created_at FROM requests r WHERE {DONE}")
        return Figures(
            submitted=await one("SELECT COUNT(*) FROM requests WHERE created_at >= :s"),
            goods=await one(
                "SELECT COUNT(*) FROM requests WHERE created_at >= :s AND kind = 'goods'"
            ),
            completed=await one(f"SELECT COUNT(*) FROM requests r WHERE {DONE}"),
            revenue=await one(f"SELECT SUM(r.total_minor) FROM requests r WHERE {DONE}"),
            commission=await one(f"SELECT SUM(r.commission_minor) FROM requests r WHERE {DONE}"),
            items=await one(
                "SELECT SUM(i.quantity) FROM request_items i"
                f" JOIN requests r ON r.id = i.request_id WHERE {DONE}"
            ),
            top=[(name, int(quantity)) for name, quantity in top],
            median_s=statistics.median(span for (span,) in spans),
        )


def assert_report_shows(report: SentMessage, figures: Figures) -> None:
    """The report message carries every figure counted from the database."""
    text = report.text
    assert shown("report.submitted", count=figures.submitted) in text
    assert shown("report.count_line", name=label("kind.goods"), count=figures.goods) in text
    assert shown("report.completed", count=figures.completed) in text
    revenue = format_money(Money(figures.revenue, "IDR"), "en")
    assert shown("report.revenue", amount=revenue) in text
    commission = format_money(Money(figures.commission, "IDR"), "en")
    assert shown("report.commission", amount=commission) in text
    assert shown("report.items_sold", count=figures.items) in text
    for rank, (name, quantity) in enumerate(figures.top, start=1):
        assert shown("report.top_line", rank=rank, name=name, count=quantity) in text
    median = format_timedelta(timedelta(seconds=figures.median_s), threshold=2, locale="en")
    assert shown("report.median", time=median) in text


async def report_and_chart(emu: BotApiEmulator, command: str) -> tuple[SentMessage, bytes]:
    """The manager sends a report command; the bot answers with the text, then the chart."""
    emu.send_text(MANAGER, command)
    report = await emu.wait_for(MANAGER, contains=part_of("report.submitted"))
    chart = await emu.wait_for(MANAGER, lambda m: m.photo is not None)
    assert chart.photo is not None
    return report, chart.photo.data


def assert_png(data: bytes, name: str) -> None:
    """The chart is a real PNG image of a readable size (kept in /tmp to look at)."""
    assert data.startswith(PNG_MAGIC)
    image = Image.open(io.BytesIO(data))
    image.verify()
    assert image.format == "PNG" and image.width >= 800 and image.height >= 600
    with open(f"/tmp/kiosdesa-report-{name}.png", "wb") as file:
        file.write(data)


async def test_manager_reports_match_the_database(world: World) -> None:
    emu = world.emu
    await start_manager(emu)
    async with world.database() as store:
        await a_day_of_requests(store)
        today = await expected_figures(store, window_start(1))
        week = await expected_figures(store, window_start(7))
    # The story has what the figures need: older requests, and one submitted before today.
    assert (today.submitted, week.submitted, today.completed) == (6, 8, 5)
    assert today.commission > 0 and len(week.top) == 3

    report, png = await report_and_chart(emu, "/today")
    assert "Kios Desa Leping" in report.text and label("report.period.day") in report.text
    assert_report_shows(report, today)
    assert_png(png, "today")

    report, png = await report_and_chart(emu, "/report week")
    assert label("report.period.week") in report.text
    assert_report_shows(report, week)
    assert_png(png, "week")


async def test_export_sends_the_weeks_requests_as_csv(world: World) -> None:
    emu = world.emu
    await join(emu, SITI)
    await start_manager(emu)
    async with world.database() as store:
        await a_day_of_requests(store)
        start = window_start(7)
        async with store.db.read() as conn:
            expected = (
                await conn.execute(
                    sa.text(
                        "SELECT id, kind, status, total_minor FROM requests"
                        " WHERE created_at >= :s OR completed_at >= :s ORDER BY id"
                    ),
                    {"s": start},
                )
            ).all()

    emu.send_text(MANAGER, "/export week")
    sent = await emu.wait_for(MANAGER, lambda m: m.document is not None)

    assert sent.document is not None and sent.document.filename is not None
    assert sent.document.filename.startswith("requests-LEPING-")
    assert sent.caption is not None and f"{len(expected)} requests" in sent.caption
    rows = list(csv.DictReader(io.StringIO(sent.document.data.decode("utf-8-sig"))))
    assert [(r["number"], r["kind"], r["status"], r["total"]) for r in rows] == [
        (f"#{n}", kind, status, str(total)) for n, kind, status, total in expected
    ]
    first = rows[0]
    assert first["villager"] == "Siti" and first["items"] == f"{OIL} x2; {RICE} x1"
    assert first["completed"] and first["created"][:4].isdigit()


async def test_reports_are_for_the_manager_and_a_wrong_period_gets_help(world: World) -> None:
    emu = world.emu
    await join(emu, SITI)
    for command in ("/today", "/report week", "/export"):
        emu.send_text(SITI, command)
        unknown = part_of("common.unknown_command", command=command.split()[0])
        assert unknown in (await emu.wait_for(SITI)).text

    await start_manager(emu)
    emu.send_text(MANAGER, "/report year")
    assert (await emu.wait_for(MANAGER)).text == shown("report.usage")
    emu.send_text(MANAGER, "/export forever")
    assert (await emu.wait_for(MANAGER)).text == shown("report.usage")
    emu.send_text(MANAGER, "/today")
    empty = await emu.wait_for(MANAGER)
    assert shown("report.empty") in empty.text
    assert all(m.photo is None and m.document is None for m in emu.messages(MANAGER))
    assert all(m.photo is None and m.document is None for m in emu.messages(SITI))


async def test_a_chinese_speaking_manager_reads_the_report_in_chinese(world: World) -> None:
    emu = world.emu
    await start_manager(emu)
    async with world.database() as store:
        await store.users.set_language(MANAGER, "zh")
        sold = await place_order(store, SITI, {OIL: 4})
        await deliver(store, sold.id)

    emu.send_text(MANAGER, "/report 今天")
    report = await emu.wait_for(MANAGER, contains=part_of("report.submitted", "zh"))
    chart = await emu.wait_for(MANAGER, lambda m: m.photo is not None)

    assert shown("report.items_sold", "zh", count=4) in report.text
    assert shown("report.top_line", "zh", rank=1, name=OIL, count=4) in report.text
    assert chart.photo is not None
    assert_png(chart.photo.data, "zh")
    assert chart.caption == shown("report.chart_caption", "zh", center="Kios Desa Leping")
