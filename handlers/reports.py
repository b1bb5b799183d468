"""The manager's reports: /today, /report [day|week|month] with a chart, /export as CSV."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from babel.dates import format_date, format_interval, format_skeleton, format_timedelta
from babel.numbers import format_compact_decimal
from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot.context import KiosContext
from bot.domain.clock import center_zone
from bot.domain.entities import Center
from bot.domain.money import format_money, minor_digits
from bot.domain.reports import (
    Period,
    Report,
    Window,
    parse_period,
    summarize,
    window_for,
)
from bot.domain.takings import Takings, takings
from bot.views.labels import kind_label, period_label, status_label
from bot.views.report_chart import ChartText, chart_font, make_chart
from bot.views.report_csv import export_csv, in_report, payments_csv
from bot.views.takings_texts import payment_ways, takings_lines
from bot.views.texts import Html, counted, h, plain, t
from handlers.common import say, visitor_of
from storage.clock import now


@dataclass(frozen=True)
class Asked:
    """A manager's report request: their language, their center and the window asked for."""

    locale: str
    center: Center
    window: Window


async def asked(update: Update, context: KiosContext, period: Period | None) -> Asked | None:
    """The manager's center and window; answers refusals and bad periods itself (then None)."""
    visitor = await visitor_of(update, context)
    center = visitor.managed_center
    if center is None:
        await say(update, t(visitor.locale, "report.not_manager"))
        return None
    if period is None:
        await say(update, t(visitor.locale, "report.usage"))
        return None
    return Asked(visitor.locale, center, window_for(period, now(), center_zone(center.currency)))


def date_range(window: Window, locale: str) -> str:
    """The window's days as the manager reads them ("Tuesday, 1 December" or "25 Nov-1 Dec")."""
    if window.first == window.last:
        return format_date(window.first, "full", locale=locale)
    return format_interval(window.first, window.last, "yMMMd", locale=locale)


def heading(asked: Asked) -> Html:
    """The report's first lines: center, period and its days."""
    return h(
        asked.locale,
        "report.title",
        center=asked.center.name,
        period=period_label(asked.locale, asked.window.period),
        range=date_range(asked.window, asked.locale),
    )


def counts_lines(report: Report, locale: str) -> list[str]:
    """Requests submitted, by kind and by their status now."""
    lines = [t(locale, "report.submitted", count=report.submitted)]
    lines += [
        t(locale, "report.count_line", name=kind_label(locale, k), count=n)
        for k, n in report.by_kind.items()
    ]
    if report.by_status:
        lines.append(t(locale, "report.by_status"))
    lines += [
        t(locale, "report.count_line", name=status_label(locale, s), count=n)
        for s, n in report.by_status.items()
    ]
    return lines


def money_lines(report: Report, locale: str) -> list[str]:
    """What the completed requests brought in, what sold and how fast requests were served."""
    lines = [
        t(locale, "report.completed", count=report.completed),
        t(locale, "report.revenue", amount=format_money(report.revenue, locale)),
        t(locale, "report.commission", amount=format_money(report.commission, locale)),
        t(locale, "report.items_sold", count=report.items_sold),
    ]
    if report.top_products:
        lines.append(t(locale, "report.top"))
    lines += [
        t(locale, "report.top_line", rank=rank, name=name, count=count)
        for rank, (name, count) in enumerate(report.top_products, start=1)
    ]
    if report.median_completion_s is not None:
        span = timedelta(seconds=report.median_completion_s)
        lines.append(
            t(locale, "report.median", time=format_timedelta(span, threshold=2, locale=locale))
        )
    return lines


def report_text(asked: Asked, report: Report, money: Takings) -> str:
    """The whole report message."""
    locale = asked.locale
    if not report.submitted and not report.completed and not money.any:
        return "\n".join((heading(asked), "", t(locale, "report.empty")))
    note = t(locale, "report.note", zone=asked.window.zone.key)
    return "\n".join(
        (
            heading(asked),
            "",
            *counts_lines(report, locale),
            "",
            *money_lines(report, locale),
            "",
            *takings_lines(money, locale),
            "",
            note,
        )
    )


def bar_label(key: date | int, locale: str) -> str:
    """An hour ("08") or a day ("1 Des") under a bar."""
    return f"{key:02d}" if isinstance(key, int) else format_skeleton("MMMd", key, locale=locale)


def chart_text(asked: Asked, report: Report, locale: str) -> ChartText:
    """The chart's words in `locale`."""
    hours = asked.window.period is Period.DAY
    return ChartText(
        title=asked.center.name,
        subtitle=date_range(asked.window, locale),
        requests=plain(locale, "report.chart_requests"),
        revenue=plain(locale, "report.chart_revenue", currency=report.currency),
        bars=[bar_label(key, locale) for key, _count, _minor in report.buckets],
        axis=plain(locale, "report.chart_hours", zone=asked.window.zone.key) if hours else "",
        payments=plain(locale, "pay.chart_title", currency=report.currency),
        ways=payment_ways(locale),
    )


def chart_words(asked: Asked, report: Report) -> tuple[ChartText, Path | None, str]:
    """The chart's words, the font that draws them and their locale.

    In the manager's language if a font here draws it, else in English (matplotlib's own
    font draws that).
    """
    words = chart_text(asked, report, asked.locale)
    font = chart_font(words.all())
    if font is None:
        words = chart_text(asked, report, "en")
        return words, chart_font(words.all()), "en"
    return words, font, asked.locale


async def send_chart(update: Update, asked: Asked, report: Report, money: Takings) -> None:
    """Draw the chart off the event loop and send it as a photo (payments in a third panel,
    when the period recorded any)."""
    words, font, locale = chart_words(asked, report)
    scale = 10 ** minor_digits(report.currency)
    revenue = [minor / scale for _key, _count, minor in report.buckets]
    payments = None
    if money.moved:  # received (cash, QRIS, repaid) stacked, then credit given
        payments = [
            (c / scale, q / scale, r / scale, g / scale) for _k, c, q, g, r in money.buckets
        ]
    counts = [count for _key, count, _minor in report.buckets]

    def money_tick(value: float) -> str:
        return format_compact_decimal(value, locale=locale, fraction_digits=1)

    # Drawing takes a moment: keep the event loop free for villagers meanwhile.
    png = await asyncio.to_thread(make_chart, words, counts, revenue, money_tick, font, payments)
    chat = update.effective_chat
    assert chat is not None
    caption = t(asked.locale, "report.chart_caption", center=asked.center.name)
    await chat.send_photo(png, caption=caption)


async def send_report(update: Update, context: KiosContext, period: Period | None) -> None:
    """The report of `period` for the manager's center: text, then the chart."""
    wanted = await asked(update, context, period)
    if wanted is None:
        return
    window = wanted.window
    rows = await context.store.reports.requests_in_window(
        wanted.center.id, window.start, window.end
    )
    report = summarize(rows, window, wanted.center.currency)
    events, owed = await context.store.reports.ledger_in_window(
        wanted.center.id, window.start, window.end
    )
    money = takings(events, owed, window, wanted.center.currency)
    await say(update, report_text(wanted, report, money))
    if report.submitted or report.completed or money.moved:
        await send_chart(update, wanted, report, money)


async def today(update: Update, context: KiosContext) -> None:
    """/today: today's report."""
    await send_report(update, context, Period.DAY)


async def report(update: Update, context: KiosContext) -> None:
    """/report [day|week|month]: the report of that period (today without an argument)."""
    await send_report(update, context, parse_period(context.args or []))


async def export(update: Update, context: KiosContext) -> None:
    """/export [day|week|month]: the period's requests as a CSV file."""
    wanted = await asked(update, context, parse_period(context.args or []))
    if wanted is None:
        return
    window = wanted.window
    rows = await context.store.reports.requests_in_window(
        wanted.center.id, window.start, window.end
    )
    shown = in_report(rows, window)
    events, _owed = await context.store.reports.ledger_in_window(
        wanted.center.id, window.start, window.end
    )
    if not shown and not events:
        await say(update, "\n".join((heading(wanted), "", t(wanted.locale, "report.empty"))))
        return
    chat = update.effective_chat
    assert chat is not None
    days = f"{wanted.center.code}-{window.first.isoformat()}-{window.last.isoformat()}"
    if shown:
        requests = counted(wanted.locale, "plural.requests", len(shown))
        caption = t(
            wanted.locale, "report.export_caption", requests=requests, range=heading(wanted)
        )
        data = export_csv(shown, window)
        await chat.send_document(data, filename=f"requests-{days}.csv", caption=caption)
    if events:  # the second file: one row per payment event
        caption = t(wanted.locale, "pay.export_caption", count=len(events), range=heading(wanted))
        data = payments_csv(events, window)
        await chat.send_document(data, filename=f"payments-{days}.csv", caption=caption)


def build_report_handlers() -> list[BaseHandler[Update, KiosContext, None]]:
    """Handlers for /today, /report and /export."""
    return [
        CommandHandler("today", today),
        CommandHandler("report", report),
        CommandHandler("export", export),
    ]
