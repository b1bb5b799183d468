"""The report's money lines: what was taken in cash and QRIS, given on credit, paid back, and
what is still owed at the end of the period."""

from __future__ import annotations

from bot.domain.money import format_money
from bot.domain.takings import Takings
from bot.views.texts import plain, t


def takings_lines(takings: Takings, locale: str) -> list[str]:
    """The payments recorded in the period, by way, and the debt book at its end."""
    money = {
        "cash": takings.cash,
        "qris": takings.qris,
        "credit_given": takings.credit_given,
        "received": takings.received,
        "owed": takings.owed,
    }
    shown = {key: format_money(amount, locale) for key, amount in money.items()}
    repaid = t(
        locale,
        "pay.report.repaid",
        amount=format_money(takings.repaid, locale),
        cash=format_money(takings.repaid_cash, locale),
        qris=format_money(takings.repaid_qris, locale),
    )
    return [
        t(locale, "pay.report.title"),
        t(locale, "pay.report.cash", amount=shown["cash"]),
        t(locale, "pay.report.qris", amount=shown["qris"]),
        t(locale, "pay.report.credit_given", amount=shown["credit_given"]),
        repaid,
        t(locale, "pay.report.received", amount=shown["received"]),
        t(locale, "pay.report.owed", amount=shown["owed"]),
    ]


def payment_ways(locale: str) -> list[str]:
    """The chart's legend: cash, QRIS, credit repaid, credit given."""
    return [plain(locale, f"pay.chart.{way}") for way in ("cash", "qris", "repaid", "credit")]
