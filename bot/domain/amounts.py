"""Amounts as people type them in a chat: "300rb", "1,5 jt", "Rp 25.000,-", "25k", "¥12.50", "5万".

One reader for every amount typed by hand (a quote, a price, a budget, a bill). Files keep
the strict format of `money.parse_major`. Dots and commas are read by where they stand,
not by the user's language: a single one followed by exactly three digits groups thousands
("25.000", "1,000"), since no currency here has three decimals; followed by one or two
digits it is the decimal mark ("1,5 jt", "12.50"). Refusals carry a reason code, which the
bot words in the user's language.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from decimal import Decimal
from enum import StrEnum
from typing import Final

from bot.domain.money import MAX_MAJOR_UNITS, Money, MoneyError, minor_digits


class AmountProblem(StrEnum):
    """Why a typed amount was refused; the value is the code its texts are keyed by."""

    EMPTY = "empty"
    NOT_A_NUMBER = "not_a_number"
    NEGATIVE = "negative"
    GROUPING = "grouping"  # "1,5,5": dots or commas in odd places
    DECIMALS = "decimals"  # "1,5" rupiah: more decimals than the currency has
    TOO_LARGE = "too_large"
    CURRENCY = "currency"  # "¥20" for a center that prices in rupiah
    ZERO = "zero"  # a price or quote of nothing


class AmountRefused(MoneyError):
    """A typed amount could not be read as `currency`; `problem` says why."""

    def __init__(self, problem: AmountProblem, currency: str) -> None:
        """Keep the reason code; the bot turns it into a localized message."""
        super().__init__(problem.value)
        self.problem = problem
        self.currency = currency


# Far longer than any amount written with its currency and words; stops pasted text early.
_MAX_INPUT_LENGTH: Final = 40
# More digits than MAX_MAJOR_UNITS with decimals has: refused before Decimal sees them.
_MAX_DIGITS: Final = 16

_CURRENCY_MARKS: Final[dict[str, str]] = {
    "rp": "IDR",
    "rp.": "IDR",
    "idr": "IDR",
    "rupiah": "IDR",
    "¥": "CNY",
    "cny": "CNY",
    "rmb": "CNY",
    "元": "CNY",
    "块": "CNY",
    "块钱": "CNY",
    "yuan": "CNY",
}
_SCALES: Final[dict[str, int]] = {
    "k": 1_000,
    "rb": 1_000,
    "ribu": 1_000,
    "rebu": 1_000,
    "千": 1_000,
    "jt": 1_000_000,
    "juta": 1_000_000,
    "万": 10_000,
}


def _alternatives(words: Iterable[str]) -> str:
    """A regex alternation of the words, longest first (so "juta" wins over "jt")."""
    return "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))


# Words may stand apart from the number ("Rp 25.000", "2 juta"), digits may not ("2 300").
_AMOUNT: Final = re.compile(
    rf"(?P<before>{_alternatives(_CURRENCY_MARKS)})?\s*"
    r"(?P<sign>[-\u2212])?\s*"
    r"(?P<number>[0-9](?:[0-9.,]*[0-9])?)\s*"
    rf"(?:(?P<scale>{_alternatives(_SCALES)})\.?)?\s*"
    rf"(?P<after>{_alternatives(_CURRENCY_MARKS)})?"
    r"\s*(?:[.,]?-)?"  # "Rp25.000,-": nothing after the comma
)
_GROUP: Final = re.compile(r"[0-9]{3}")
_NEGATIVE: Final = re.compile(rf"(?:{_alternatives(_CURRENCY_MARKS)})?\s*[-\u2212]")
# "Rp 1,5 jt ,-" is four words; no amount is written in more.
_MOST_WORDS: Final = 4


def parse_amount(text: str, currency: str) -> Money:
    """The amount typed in `text`, in `currency`; AmountRefused (a MoneyError) if unreadable."""
    folded = unicodedata.normalize("NFKC", text).strip().casefold()
    if not folded:
        raise AmountRefused(AmountProblem.EMPTY, currency)
    if len(folded) > _MAX_INPUT_LENGTH:
        raise AmountRefused(AmountProblem.NOT_A_NUMBER, currency)
    match = _AMOUNT.fullmatch(folded)
    if match is None:
        negative = _NEGATIVE.match(folded) is not None
        problem = AmountProblem.NEGATIVE if negative else AmountProblem.NOT_A_NUMBER
        raise AmountRefused(problem, currency)
    _check_currency(match, currency)
    if match["sign"]:
        raise AmountRefused(AmountProblem.NEGATIVE, currency)
    major = _read_number(match["number"], currency) * _SCALES.get(match["scale"] or "", 1)
    return _in_minor_units(major, currency)


def split_amounts(text: str, currency: str, most: int) -> list[Money]:
    """One to `most` amounts typed one after another ("150rb 2.500", "1,5 jt Rp 5.000").

    Reads greedily from the left, each amount the longest run of words that is one, so
    that "1,5 jt" is one amount and "150000 2500" two.
    """
    words, amounts = text.split(), list[Money]()
    while words:
        if len(amounts) == most:
            raise AmountRefused(AmountProblem.NOT_A_NUMBER, currency)
        taken, amount = _longest_amount(words, currency)
        amounts.append(amount)
        words = words[taken:]
    if not amounts:
        raise AmountRefused(AmountProblem.EMPTY, currency)
    return amounts


def trailing_amount(words: list[str], currency: str) -> tuple[int, Money]:
    """The amount ending a line of words ("Bus pagi Rp 300.000"): (its words, the amount).

    The first word is never taken: it starts the description.
    """
    for count in range(min(_MOST_WORDS, len(words) - 1), 1, -1):
        try:
            return count, parse_amount(" ".join(words[-count:]), currency)
        except AmountRefused:
            continue
    return 1, parse_amount(words[-1] if words else "", currency)


def _longest_amount(words: list[str], currency: str) -> tuple[int, Money]:
    """The longest run of words from the start that reads as one amount, and its length."""
    for count in range(min(_MOST_WORDS, len(words)), 1, -1):
        try:
            return count, parse_amount(" ".join(words[:count]), currency)
        except AmountRefused:
            continue
    return 1, parse_amount(words[0], currency)  # its refusal is the one to explain


def _check_currency(match: re.Match[str], currency: str) -> None:
    """Refuse a currency sign or word that is not the center's ("¥20" in rupiah)."""
    minor_digits(currency)  # an unsupported currency is a programming error: MoneyError
    for mark in (match["before"], match["after"]):
        if mark and _CURRENCY_MARKS[mark] != currency:
            raise AmountRefused(AmountProblem.CURRENCY, currency)


def _read_number(written: str, currency: str) -> Decimal:
    """Digits with dots and commas as thousands groups or one decimal mark, as a Decimal."""
    if sum(c.isdigit() for c in written) > _MAX_DIGITS:
        raise AmountRefused(AmountProblem.TOO_LARGE, currency)
    marks = [c for c in written if c in ".,"]
    if not marks:
        return Decimal(written)
    last = marks[-1]
    whole, _, fraction = written.rpartition(last)
    if len(set(marks)) == 1 and (len(marks) > 1 or len(fraction) == 3):
        return Decimal(_ungrouped(written, last, currency))  # "1.500.000", "25.000", "1,000"
    if marks.count(last) > 1 or len(fraction) > 3:
        raise AmountRefused(AmountProblem.GROUPING, currency)
    grouping = {".": ",", ",": "."}[last]
    return Decimal(f"{_ungrouped(whole, grouping, currency)}.{fraction}")


def _ungrouped(written: str, mark: str, currency: str) -> str:
    """The digits of "1.500.000" (grouped by `mark` in threes after the first group)."""
    first, *groups = written.split(mark)
    if groups and not (first.isdigit() and len(first) <= 3):
        raise AmountRefused(AmountProblem.GROUPING, currency)
    if not all(_GROUP.fullmatch(group) for group in groups):
        raise AmountRefused(AmountProblem.GROUPING, currency)
    return first + "".join(groups)


def _in_minor_units(major: Decimal, currency: str) -> Money:
    """The amount as Money, refused if too large or finer than the currency's smallest unit."""
    if major > MAX_MAJOR_UNITS:
        raise AmountRefused(AmountProblem.TOO_LARGE, currency)
    minor = major.scaleb(minor_digits(currency))
    if minor != minor.to_integral_value():
        raise AmountRefused(AmountProblem.DECIMALS, currency)
    return Money(int(minor), currency)


def require_positive(amount: Money) -> Money:
    """The amount, refused if it is nothing (a price, a quote)."""
    if amount.minor <= 0:
        raise AmountRefused(AmountProblem.ZERO, amount.currency)
    return amount
