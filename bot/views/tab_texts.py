"""What the kasbon book looks like: a villager's /tab, the manager's /tabs lines, the messages
a repayment or a reminder sends, and the credit limit."""

from __future__ import annotations

from datetime import timedelta

from babel.dates import format_date, format_timedelta

from bot.domain.clock import local_time
from bot.domain.money import Money, format_money
from bot.domain.payments import PayMethod
from bot.domain.tabs import Debtor, OpenCredit, Repaid, Tab, TabLine, age_in_days, open_credits
from bot.views.labels import kind_label
from bot.views.texts import Html, plain, short, t

# Names on the /tabs buttons are cut shorter than in lists: two buttons share a row.
BUTTON_NAME = 14


def day_of(stamp: float, currency: str, locale: str) -> str:
    """The day of a moment on the center's clock, as `locale` writes it ("5 Des 2026")."""
    return format_date(local_time(stamp, currency).date(), "medium", locale=locale)


def amount(minor: int, currency: str, locale: str) -> str:
    """An amount of the center's currency, formatted for `locale`."""
    return format_money(Money(minor, currency), locale)


def method_label(locale: str, method: PayMethod | None) -> str:
    """How money was paid: "cash" or "QRIS"."""
    return plain(locale, f"tab.method.{(method or PayMethod.CASH).value}")


def tab_text(tab: Tab, center_name: str, locale: str) -> str:
    """A villager's /tab: each credit and repayment, oldest first, then the balance."""
    if tab.balance_minor <= 0:
        return t(locale, "tab.clear", center=center_name)
    credits = iter(open_credits(tab.lines))  # the credit lines, in the tab's order
    lines = [
        _credit_line(next(credits), tab.currency, locale)
        if line.owed_change_minor > 0
        else _repayment_line(line, tab.currency, locale)
        for line in tab.lines
    ]
    return t(
        locale,
        "tab.statement",
        center=center_name,
        lines=Html("\n".join(lines)),
        owed=amount(tab.balance_minor, tab.currency, locale),
    )


def _credit_line(credit: OpenCredit, currency: str, locale: str) -> str:
    """One request on credit: paid off, partly paid, or open."""
    line = credit.line
    key = "tab.line_paid" if credit.settled else "tab.line_open"
    if 0 < credit.left_minor < line.owed_change_minor:
        key = "tab.line_part"
    kind = (
        kind_label(locale, line.request_kind) if line.request_kind else plain(locale, "tab.credit")
    )
    return t(
        locale,
        key,
        number=line.request_id or "-",
        kind=kind,
        date=day_of(line.at, currency, locale),
        amount=amount(line.owed_change_minor, currency, locale),
        left=amount(credit.left_minor, currency, locale),
    )


def _repayment_line(line: TabLine, currency: str, locale: str) -> str:
    """Money paid back, and how."""
    return t(
        locale,
        "tab.line_repayment",
        date=day_of(line.at, currency, locale),
        amount=amount(-line.owed_change_minor, currency, locale),
        method=method_label(locale, line.method),
    )


def age_text(since: float, at: float, locale: str) -> str:
    """How old the oldest unpaid credit is: "today", "12 days"."""
    days = age_in_days(since, at)
    if days == 0:
        return plain(locale, "tabs.age_today")
    # A high threshold keeps Babel counting days, not rounding to weeks or months.
    age = format_timedelta(timedelta(days=days), granularity="day", threshold=10**6, locale=locale)
    return plain(locale, "tabs.age", age=age)


def debtor_line(debtor: Debtor, currency: str, at: float, locale: str) -> str:
    """One line of /tabs: who, how much, and how old the oldest unpaid credit is."""
    return t(
        locale,
        "tabs.line",
        name=short(debtor.name),
        owed=amount(debtor.owed_minor, currency, locale),
        age=age_text(debtor.oldest_unpaid_at, at, locale),
    )


def button_name(name: str) -> str:
    """A villager's name cut to fit a button that shares its row."""
    return name if len(name) <= BUTTON_NAME else name[: BUTTON_NAME - 1] + "…"


def repayment_notice(repaid: Repaid, center_name: str, locale: str) -> str:
    """The villager's message once the manager recorded their payment."""
    key = "tab.repaid" if repaid.owed_after_minor > 0 else "tab.repaid_clear"
    return t(
        locale,
        key,
        center=center_name,
        amount=amount(repaid.amount_minor, repaid.currency, locale),
        owed=amount(repaid.owed_after_minor, repaid.currency, locale),
    )


def reminder_text(tab: Tab, center_name: str, since: float, locale: str) -> str:
    """The polite reminder of a tab, in the villager's language."""
    return t(
        locale,
        "tab.reminder",
        center=center_name,
        owed=amount(tab.balance_minor, tab.currency, locale),
        since=day_of(since, tab.currency, locale),
    )


def credit_limit_text(limit_minor: int, currency: str, center_name: str, locale: str) -> str:
    """The center's credit limit as the manager set it."""
    if limit_minor <= 0:
        return t(locale, "credit.off", center=center_name)
    return t(locale, "credit.set", center=center_name, limit=amount(limit_minor, currency, locale))
