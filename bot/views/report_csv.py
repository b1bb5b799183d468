"""/export: the requests a report is made of, as a CSV file for a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from bot.domain.money import to_major_str
from bot.domain.reports import ReportRequest, Window, by_number
from bot.domain.takings import PaymentEvent

EXPORT_COLUMNS = (
    "number",
    "created",
    "kind",
    "status",
    "villager",
    "currency",
    "total",
    "commission",
    "completed",
    "items",
)
TIME_FORMAT = "%Y-%m-%d %H:%M"
# The second file of /export: one row per payment event of the period.
PAYMENT_COLUMNS = (
    "time",
    "number",
    "villager",
    "kind",
    "method",
    "currency",
    "amount",
    "recorded_by",
)


def in_report(rows: Iterable[ReportRequest], window: Window) -> list[ReportRequest]:
    """Every request a report of the window counts: submitted or completed in it, by number."""
    return sorted(
        (
            r
            for r in rows
            if window.contains(r.created_at) or (r.completed and window.contains(r.completed_at))
        ),
        key=by_number,
    )


def items_summary(row: ReportRequest) -> str:
    """The goods of an order ("Beras 5 kg x2; Gula 1 kg x1"), or what a service is for."""
    if row.lines:
        return "; ".join(f"{line.name} x{line.quantity}" for line in row.lines)
    return row.summary


# A cell starting with one of these is run as a formula by spreadsheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def as_text(value: str) -> str:
    """A cell a spreadsheet shows as typed: names chosen by villagers never run as formulas."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def export_row(row: ReportRequest, window: Window) -> list[str]:
    """One CSV line: times on the center's clock, money in major units."""
    completed = row.completed_at if row.completed else None
    return [
        f"#{row.id}",
        window.local(row.created_at).strftime(TIME_FORMAT),
        row.kind.value,
        row.status.value,
        as_text(row.villager),
        row.total.currency,
        to_major_str(row.total),
        to_major_str(row.commission),
        window.local(completed).strftime(TIME_FORMAT) if completed is not None else "",
        as_text(items_summary(row)),
    ]


def export_csv(rows: Iterable[ReportRequest], window: Window) -> bytes:
    """UTF-8 CSV with a header; the byte order mark lets spreadsheets read names right."""
    output = io.StringIO(newline="")
    writer = csv.writer(output)
    writer.writerow(EXPORT_COLUMNS)
    writer.writerows(export_row(row, window) for row in in_report(rows, window))
    return output.getvalue().encode("utf-8-sig")


def payment_row(event: PaymentEvent, window: Window) -> list[str]:
    """One payment event: its time on the center's clock, money in major units."""
    return [
        window.local(event.created_at).strftime(TIME_FORMAT),
        f"#{event.request_id}" if event.request_id is not None else "",
        as_text(event.villager),
        event.kind.value,
        event.method.value if event.method else "",
        event.amount.currency,
        to_major_str(event.amount),
        as_text(event.recorded_by),
    ]


def payments_csv(events: Iterable[PaymentEvent], window: Window) -> bytes:
    """The period's payment events, oldest first, as UTF-8 CSV with a header."""
    output = io.StringIO(newline="")
    writer = csv.writer(output)
    writer.writerow(PAYMENT_COLUMNS)
    writer.writerows(payment_row(event, window) for event in events)
    return output.getvalue().encode("utf-8-sig")
