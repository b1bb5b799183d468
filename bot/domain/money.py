"""Money as an integer count of minor units plus its currency; never a float."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Final

from babel import Locale
from babel.numbers import NumberPattern, format_currency

SUPPORTED_CURRENCIES: Final = ("IDR", "CNY")
SUPPORTED_LOCALES: Final = ("id", "en", "zh")

# Rupiah are never split in practice (ISO 4217 says 2 digits, but no shop prices in sen).
MINOR_DIGITS: Final[dict[str, int]] = {"IDR": 0, "CNY": 2}

MAX_MAJOR_UNITS: Final = 10**12
# Far longer than any real price; stops pathological input before Decimal sees it.
_MAX_INPUT_LENGTH: Final = 40
_PLAIN_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?", re.ASCII)


class MoneyError(ValueError):
    """A price or money operation was invalid; the message is a short English reason."""


@dataclass(frozen=True)
class Money:
    """An amount in the currency's minor units (rupiah for IDR, fen for CNY)."""

    minor: int
    currency: str

    def __post_init__(self) -> None:
        """Reject non-integer amounts and unknown currencies at construction."""
        if isinstance(self.minor, bool) or not isinstance(self.minor, int):
            raise MoneyError("amount must be an integer number of minor units")
        _require_supported(self.currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        """Nothing, in the given currency (a start value for sums)."""
        return cls(0, currency)

    def __add__(self, other: object) -> Money:
        """Add two amounts of the same currency."""
        if not isinstance(other, Money):
            return NotImplemented
        if other.currency != self.currency:
            raise MoneyError(f"cannot add {other.currency} to {self.currency}")
        return Money(self.minor + other.minor, self.currency)

    def times(self, quantity: int) -> Money:
        """The price of `quantity` items at this unit price."""
        if isinstance(quantity, bool) or not isinstance(quantity, int):
            raise MoneyError("quantity must be an integer")
        if quantity < 0:
            raise MoneyError("quantity must not be negative")
        return Money(self.minor * quantity, self.currency)


def minor_digits(currency: str) -> int:
    """How many digits after the decimal point this currency uses."""
    _require_supported(currency)
    return MINOR_DIGITS[currency]


def parse_major(text: str, currency: str) -> Money:
    """Parse a price typed in major units ("15000", "12.50") into Money."""
    digits = minor_digits(currency)
    amount = _parse_plain_decimal(text)
    _require_decimal_places(text.strip(), currency, digits)
    if amount > MAX_MAJOR_UNITS:
        raise MoneyError("amount is too large")
    # At most 13 + 2 significant digits remain, well inside Decimal's default 28.
    return Money(int(amount.scaleb(digits)), currency)


def _require_decimal_places(cleaned: str, currency: str, digits: int) -> None:
    """Refuse more decimal places than the currency has, even trailing zeros.

    In Indonesia "15.000" means fifteen thousand; read as 15 rupiah it would
    silently undercharge a thousandfold, so IDR takes no decimal point at all.
    """
    _, point, fraction = cleaned.partition(".")
    if point and digits == 0:
        raise MoneyError(f"{currency} amounts have no decimals (write 15000, not 15.000)")
    if len(fraction) > digits:
        raise MoneyError(f"{currency} allows at most {digits} decimal places")


def to_major_str(money: Money) -> str:
    """Write Money in major units with the currency's digits ("15000", "12.50")."""
    digits = minor_digits(money.currency)
    sign = "-" if money.minor < 0 else ""
    whole, fraction = divmod(abs(money.minor), 10**digits)
    if digits == 0:
        return f"{sign}{whole}"
    return f"{sign}{whole}.{fraction:0{digits}d}"


def format_money(money: Money, locale: str) -> str:
    """Format Money for people reading the given locale ("id", "en" or "zh")."""
    if locale not in SUPPORTED_LOCALES:
        raise MoneyError(f"unsupported locale: {locale!r}")
    return _formatted(money.minor, money.currency, locale)


# Babel takes tens of microseconds an amount; the same prices and totals show again and again.
@lru_cache(maxsize=4096)
def _formatted(minor: int, currency: str, locale: str) -> str:
    """format_money's text for this amount (the locale checked by the caller)."""
    digits = minor_digits(currency)
    amount = Decimal(minor).scaleb(-digits)
    pattern = _currency_pattern(locale, digits)
    return format_currency(amount, currency, format=pattern, locale=locale, currency_digits=False)


@lru_cache(maxsize=32)
def _currency_pattern(locale: str, digits: int) -> NumberPattern:
    """The locale's currency pattern with exactly `digits` decimals (built once)."""
    pattern: NumberPattern = copy.copy(Locale.parse(locale).currency_formats["standard"])
    # Our digit table, not CLDR's, decides the decimals (CLDR's IDR data has varied).
    pattern.frac_prec = (digits, digits)
    return pattern


def _parse_plain_decimal(text: str) -> Decimal:
    """Turn "  12.50 " into Decimal, explaining why anything else is refused."""
    cleaned = text.strip()
    if not cleaned:
        raise MoneyError("amount is empty")
    if len(cleaned) > _MAX_INPUT_LENGTH:
        raise MoneyError("amount is too long")
    if cleaned.startswith("-"):
        raise MoneyError("amount must not be negative")
    if not _PLAIN_NUMBER.fullmatch(cleaned):
        raise MoneyError(_non_numeric_reason(cleaned))
    try:
        return Decimal(cleaned)
    except InvalidOperation as error:  # unreachable after the regex, kept as a guard
        raise MoneyError("amount is not a number") from error


def _non_numeric_reason(cleaned: str) -> str:
    """Say whether the input was NaN/infinity or simply not a plain number."""
    if cleaned.lstrip("+").casefold() in {"nan", "snan", "inf", "infinity"}:
        return "amount must be a finite number"
    return "amount is not a number (use digits and an optional '.' for decimals)"


def _require_supported(currency: str) -> None:
    """Raise unless the currency is one we price in."""
    if currency not in MINOR_DIGITS:
        raise MoneyError(f"unsupported currency: {currency!r}")
