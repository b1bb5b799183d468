"""The manager's reports: which requests a period holds and the figures drawn from them.

Pure rules over plain rows, no storage and no Telegram. One definition for every figure:
- a period is whole local days of the center: `day` is today, `week` the last 7 days and
  `month` the last 30 days, today included (local midnight to local midnight);
- requests by kind and by status count the requests *submitted* in the period, each in the
  status it has now;
- revenue, commission, items sold, top products and the median time to completion come from
  the requests *completed* in the period, whenever they were submitted.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import TypeVar
from zoneinfo import ZoneInfo

from bot.domain.money import Money
from bot.domain.pipeline import SALE_KINDS, RequestKind, RequestStatus

K = TypeVar("K")
TOP_PRODUCTS = 5
ONE = timedelta(days=1)


class Period(StrEnum):
    """How far back a report looks, in whole local days."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"


DAYS = {Period.DAY: 1, Period.WEEK: 7, Period.MONTH: 30}
# What managers type after /report, in each of the bot's languages.
PERIOD_WORDS = {
    Period.DAY: ("day", "today", "hari", "harian", "hariini", "日", "天", "今天"),
    Period.WEEK: ("week", "minggu", "pekan", "mingguan", "周", "星期", "本周"),
    Period.MONTH: ("month", "bulan", "bulanan", "月", "本月"),
}


def parse_period(words: Sequence[str]) -> Period | None:
    """The period a command's arguments name (none = today); None if they name no period."""
    if not words:
        return Period.DAY
    typed = "".join(words).casefold()
    return next((p for p, names in PERIOD_WORDS.items() if typed in names), None)


@dataclass(frozen=True)
class Window:
    """Local days `first`..`last` of a center, as UTC epoch seconds [start, end)."""

    period: Period
    zone: ZoneInfo
    first: date
    last: date
    start: float
    end: float

    def contains(self, stamp: float | None) -> bool:
        """Whether the moment falls inside the window."""
        return stamp is not None and self.start <= stamp < self.end

    def local(self, stamp: float) -> datetime:
        """The moment on the center's clock."""
        return datetime.fromtimestamp(stamp, self.zone)

    def days(self) -> list[date]:
        """Every local day of the window, oldest first."""
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]


def window_for(period: Period, now: float, zone: ZoneInfo) -> Window:
    """The local days of `period` ending today (at `now`) in `zone`."""
    today = datetime.fromtimestamp(now, zone).date()
    first = today - timedelta(days=DAYS[period] - 1)
    return Window(period, zone, first, today, _midnight(first, zone), _midnight(today + ONE, zone))


def _midnight(day: date, zone: ZoneInfo) -> float:
    """The UTC moment a local day begins."""
    return datetime(day.year, day.month, day.day, tzinfo=zone).timestamp()


@dataclass(frozen=True)
class SoldLine:
    """A line of a goods order: what and how many."""

    name: str
    quantity: int


@dataclass(frozen=True)
class ReportRequest:
    """A request as reports read it."""

    id: int
    kind: RequestKind
    status: RequestStatus
    total: Money
    commission: Money
    villager: str
    created_at: float
    completed_at: float | None
    lines: tuple[SoldLine, ...] = ()
    # What a service request is for (a top-up package, a bill), for the export.
    summary: str = ""

    @property
    def completed(self) -> bool:
        """Whether the request reached its end successfully."""
        return self.status is RequestStatus.COMPLETED and self.completed_at is not None


@dataclass(frozen=True)
class Report:
    """The figures of one center over one window."""

    window: Window
    currency: str
    submitted: int
    by_kind: dict[RequestKind, int]
    by_status: dict[RequestStatus, int]
    completed: int
    revenue: Money
    commission: Money
    items_sold: int
    top_products: list[tuple[str, int]]
    median_completion_s: float | None
    # Per local day (or per hour for a one-day report): requests submitted, revenue in minor.
    buckets: list[tuple[date | int, int, int]]


def submitted_in(rows: Iterable[ReportRequest], window: Window) -> list[ReportRequest]:
    """The requests villagers submitted in the window, oldest first."""
    return sorted((r for r in rows if window.contains(r.created_at)), key=by_number)


def completed_in(rows: Iterable[ReportRequest], window: Window) -> list[ReportRequest]:
    """The sales completed in the window (a closed produce offer is none: see SALE_KINDS)."""
    return sorted(
        (
            r
            for r in rows
            if r.completed and r.kind in SALE_KINDS and window.contains(r.completed_at)
        ),
        key=by_number,
    )


def by_number(row: ReportRequest) -> int:
    """Requests in the order they were made."""
    return row.id


def top_products(done: Iterable[ReportRequest], limit: int = TOP_PRODUCTS) -> list[tuple[str, int]]:
    """The goods sold most by quantity (ties by name), at most `limit`."""
    sold: Counter[str] = Counter()
    for row in done:
        for line in row.lines:
            sold[line.name] += line.quantity
    return sorted(sold.items(), key=lambda pair: (-pair[1], pair[0]))[:limit]


def median_completion(done: Sequence[ReportRequest]) -> float | None:
    """Median seconds from submission to completion; None without completed requests."""
    spans = [r.completed_at - r.created_at for r in done if r.completed_at is not None]
    return statistics.median(spans) if spans else None


def summarize(rows: Iterable[ReportRequest], window: Window, currency: str) -> Report:
    """Every figure of the report, as the module docstring defines them."""
    rows = list(rows)
    new, done = submitted_in(rows, window), completed_in(rows, window)
    return Report(
        window=window,
        currency=currency,
        submitted=len(new),
        by_kind=_ordered(Counter(r.kind for r in new), list(RequestKind)),
        by_status=_ordered(Counter(r.status for r in new), list(RequestStatus)),
        completed=len(done),
        revenue=sum((r.total for r in done), Money.zero(currency)),
        commission=sum((r.commission for r in done), Money.zero(currency)),
        items_sold=sum(line.quantity for r in done for line in r.lines),
        top_products=top_products(done),
        median_completion_s=median_completion(done),
        buckets=buckets(new, done, window),
    )


def _ordered(counts: Counter[K], order: list[K]) -> dict[K, int]:
    """Counts in the enum's order, leaving out zeros."""
    return {key: counts[key] for key in order if counts[key]}


def bucket_of(stamp: float, window: Window) -> date | int:
    """The chart bar a moment belongs to: its local hour in a day report, else its day."""
    moment = window.local(stamp)
    return moment.hour if window.period is Period.DAY else moment.date()


def buckets(
    new: Sequence[ReportRequest], done: Sequence[ReportRequest], window: Window
) -> list[tuple[date | int, int, int]]:
    """Requests submitted and revenue (minor units) per hour or per day, every bar present."""
    keys: list[date | int] = list(range(24)) if window.period is Period.DAY else list(window.days())
    counts = Counter(bucket_of(r.created_at, window) for r in new)
    revenue: Counter[date | int] = Counter()
    for row in done:
        assert row.completed_at is not None
        revenue[bucket_of(row.completed_at, window)] += row.total.minor
    return [(key, counts[key], revenue[key]) for key in keys]
