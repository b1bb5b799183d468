"""The kasbon book's rules: what a villager's tab shows, who is reminded when, typed amounts.

The ledger is the truth: a villager's balance is the sum of their rows' `owed_change_minor`.
Which requests are still open is only a way of showing it: repayments settle the oldest
credit first, as a shopkeeper crosses out the oldest lines of the book.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from bot.domain.money import MAX_MAJOR_UNITS, MoneyError, minor_digits, parse_major
from bot.domain.payments import LedgerKind, PaymentRefusal, PaymentRefused, PayMethod
from bot.domain.pipeline import RequestKind

# A villager is reminded of their tab at one center at most once a week.
REMINDER_GAP_S = 7 * 86_400
DAY_S = 86_400

# What a typed amount may end with, and how many major units it stands for.
_MULTIPLIERS = {
    "rb": 1_000,
    "ribu": 1_000,
    "k": 1_000,
    "jt": 1_000_000,
    "juta": 1_000_000,
}
_TYPED = re.compile(r"^(?P<number>[0-9][0-9.,]*)(?P<unit>[a-z]*)$")
# Rupiah written with thousands dots, "200.000" or "1.250.000".
_GROUPED = re.compile(r"^[0-9]{1,3}(?:\.[0-9]{3})+$")
_OFF_WORDS = frozenset({"off", "0", "mati", "tidak", "关", "关闭"})


@dataclass(frozen=True)
class TabLine:
    """One row of a villager's tab: a request put on credit, or money paid back."""

    kind: LedgerKind
    request_id: int | None
    request_kind: RequestKind | None
    method: PayMethod | None
    amount_minor: int
    owed_change_minor: int
    at: float


@dataclass(frozen=True)
class Tab:
    """What a villager owes one center, row by row, oldest first."""

    center_id: int
    villager_id: int
    currency: str
    lines: tuple[TabLine, ...]

    @property
    def balance_minor(self) -> int:
        """What the villager owes now: the sum of the rows."""
        return sum(line.owed_change_minor for line in self.lines)


@dataclass(frozen=True)
class OpenCredit:
    """A credit line after repayments were set against the oldest first."""

    line: TabLine
    left_minor: int

    @property
    def settled(self) -> bool:
        """Whether repayments have covered it all."""
        return self.left_minor == 0


@dataclass(frozen=True)
class Debtor:
    """A villager who owes a center: how much, and since when (the oldest unpaid credit)."""

    villager_id: int
    name: str
    owed_minor: int
    oldest_unpaid_at: float


@dataclass(frozen=True)
class Repaid:
    """A repayment recorded on a tab: what was paid, and what is still owed after it."""

    center_id: int
    villager_id: int
    method: PayMethod
    amount_minor: int
    owed_after_minor: int
    currency: str


class RepaymentRefused(PaymentRefused):
    """A repayment that does not apply, with what the villager owes now."""

    owed_minor: int

    def __init__(self, reason: PaymentRefusal, owed_minor: int) -> None:
        """Keep the reason and the debt."""
        super().__init__(reason, owed_minor=owed_minor)


class ReminderRefusal(StrEnum):
    """Why a reminder is not sent."""

    NOTHING_OWED = "nothing_owed"
    OPTED_OUT = "opted_out"  # the villager sent /reminders off
    TOO_SOON = "too_soon"  # reminded less than a week ago


class ReminderRefused(Exception):
    """No reminder goes out; `reason` says why, `last_sent_at` when the last one went."""

    def __init__(self, reason: ReminderRefusal, last_sent_at: float | None = None) -> None:
        """Keep the reason and the last reminder's time."""
        super().__init__(reason)
        self.reason = reason
        self.last_sent_at = last_sent_at


def open_credits(lines: tuple[TabLine, ...]) -> list[OpenCredit]:
    """The tab's credit lines, oldest first, with repayments set against the oldest first."""
    repaid = -sum(line.owed_change_minor for line in lines if line.owed_change_minor < 0)
    result = []
    for line in lines:
        if line.owed_change_minor <= 0:
            continue
        covered = min(repaid, line.owed_change_minor)
        repaid -= covered
        result.append(OpenCredit(line, line.owed_change_minor - covered))
    return result


def oldest_unpaid_at(lines: tuple[TabLine, ...]) -> float | None:
    """When the oldest credit not yet covered by repayments was given; None if all are."""
    unpaid = [credit.line.at for credit in open_credits(lines) if not credit.settled]
    return unpaid[0] if unpaid else None


def may_remind(last_sent_at: float | None, at: float) -> bool:
    """Whether a reminder may go at `at`, the last one having gone at `last_sent_at`."""
    return last_sent_at is None or at - last_sent_at >= REMINDER_GAP_S


def next_reminder_at(last_sent_at: float) -> float:
    """When the next reminder may go, the last one having gone at `last_sent_at`."""
    return last_sent_at + REMINDER_GAP_S


def age_in_days(since: float, at: float) -> int:
    """Whole days from `since` to `at` (0 on the same day's hours)."""
    return max(0, int((at - since) // DAY_S))


def parse_amount(text: str, currency: str) -> int:
    """An amount as a shopkeeper types it, in minor units: "50000", "50rb", "50.000" (rupiah
    with thousands dots), "1,5jt", "12.50" (yuan). MoneyError (a ValueError) otherwise."""
    cleaned = _cleaned(text)
    match = _TYPED.fullmatch(cleaned)
    if match is None or match["unit"] not in ("", *_MULTIPLIERS):
        raise MoneyError("type the amount in digits, e.g. 50000 or 50rb")
    number, unit = match["number"], match["unit"]
    if unit:
        return _scaled(number, _MULTIPLIERS[unit], currency)
    if currency == "IDR" and _GROUPED.fullmatch(number):
        number = number.replace(".", "")
    return parse_major(number, currency).minor


def parse_credit_limit(text: str, currency: str) -> int:
    """A credit limit typed by a manager or operator, in minor units; 0 ("off") for none."""
    if _cleaned(text) in _OFF_WORDS:
        return 0
    return parse_amount(text, currency)


def _cleaned(text: str) -> str:
    """The typed amount lower-cased, without spaces or a currency sign in front."""
    cleaned = "".join(text.split()).lower()
    for sign in ("rp", "idr", "¥", "cny", "rmb"):
        cleaned = cleaned.removeprefix(sign)
    return cleaned.removeprefix(".")


def _scaled(number: str, multiplier: int, currency: str) -> int:
    """`number` thousands or millions ("1,5" or "1.5") in minor units, if whole."""
    if number.count(",") + number.count(".") > 1:
        raise MoneyError("type the amount in digits, e.g. 50000 or 50rb")
    try:
        major = Decimal(number.replace(",", ".")) * multiplier
    except InvalidOperation as error:
        raise MoneyError("type the amount in digits, e.g. 50000 or 50rb") from error
    minor = major.scaleb(minor_digits(currency))
    if minor != minor.to_integral_value() or major > MAX_MAJOR_UNITS:
        raise MoneyError("the amount is not a whole number of the currency's units")
    return int(minor)
