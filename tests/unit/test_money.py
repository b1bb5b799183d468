"""Money: integer minor units, strict price parsing, and what customers see."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.money import (
    MINOR_DIGITS,
    SUPPORTED_CURRENCIES,
    Money,
    MoneyError,
    format_money,
    parse_major,
    to_major_str,
)


def test_every_supported_currency_has_a_digit_count() -> None:
    assert set(SUPPORTED_CURRENCIES) == set(MINOR_DIGITS)


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("15000", "IDR", 15000),
        ("  15000  ", "IDR", 15000),
        ("0", "IDR", 0),
        ("12.50", "CNY", 1250),
        ("12.5", "CNY", 1250),
        ("12", "CNY", 1200),
        ("0.01", "CNY", 1),
        ("1000000000000", "IDR", 10**12),
    ],
)
def test_parse_major_accepts_plain_prices(text: str, currency: str, minor: int) -> None:
    assert parse_major(text, currency) == Money(minor, currency)


@pytest.mark.parametrize(
    ("text", "currency", "reason"),
    [
        ("", "IDR", "amount is empty"),
        ("   ", "IDR", "amount is empty"),
        ("-5", "IDR", "amount must not be negative"),
        ("-0.5", "CNY", "amount must not be negative"),
        ("abc", "IDR", "amount is not a number"),
        ("15.000,00", "IDR", "amount is not a number"),
        ("1,000", "IDR", "amount is not a number"),
        ("Rp 15000", "IDR", "amount is not a number"),
        ("1e3", "IDR", "amount is not a number"),
        ("NaN", "IDR", "amount must be a finite number"),
        ("inf", "CNY", "amount must be a finite number"),
        ("Infinity", "CNY", "amount must be a finite number"),
        ("15000.5", "IDR", "IDR amounts have no decimals"),
        # Indonesian thousands separator: fifteen thousand, never 15 rupiah.
        ("15.000", "IDR", "IDR amounts have no decimals (write 15000, not 15.000)"),
        ("15000.00", "IDR", "IDR amounts have no decimals"),
        ("12.505", "CNY", "CNY allows at most 2 decimal places"),
        ("12.500", "CNY", "CNY allows at most 2 decimal places"),
        ("1000000000001", "IDR", "amount is too large"),
        ("1000000000000.01", "CNY", "amount is too large"),
        ("1" * 41, "IDR", "amount is too long"),
        ("100000000000.00000000000000000000001", "CNY", "CNY allows at most 2 decimal places"),
        ("10", "USD", "unsupported currency: 'USD'"),
    ],
)
def test_parse_major_rejects_bad_prices_with_a_reason(
    text: str, currency: str, reason: str
) -> None:
    with pytest.raises(MoneyError) as caught:
        parse_major(text, currency)
    assert str(caught.value).startswith(reason)


def test_money_error_is_a_value_error() -> None:
    assert issubclass(MoneyError, ValueError)


@pytest.mark.parametrize(
    ("money", "text"),
    [
        (Money(15000, "IDR"), "15000"),
        (Money(0, "IDR"), "0"),
        (Money(1250, "CNY"), "12.50"),
        (Money(5, "CNY"), "0.05"),
        (Money(-1250, "CNY"), "-12.50"),
    ],
)
def test_to_major_str_writes_currency_digits(money: Money, text: str) -> None:
    assert to_major_str(money) == text


@given(
    currency=st.sampled_from(SUPPORTED_CURRENCIES),
    minor=st.integers(min_value=0, max_value=10**12),
)
def test_major_string_round_trips(currency: str, minor: int) -> None:
    money = Money(minor, currency)
    assert parse_major(to_major_str(money), currency) == money


def test_adding_same_currency() -> None:
    assert Money(1500, "IDR") + Money(2500, "IDR") == Money(4000, "IDR")


def test_adding_different_currencies_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot add CNY to IDR"):
        _ = Money(1500, "IDR") + Money(100, "CNY")


def test_sum_from_zero() -> None:
    prices = [Money(3500, "IDR"), Money(18000, "IDR")]
    assert sum(prices, Money.zero("IDR")) == Money(21500, "IDR")


def test_times_gives_line_total() -> None:
    assert Money(3500, "IDR").times(3) == Money(10500, "IDR")
    assert Money(1250, "CNY").times(0) == Money.zero("CNY")


def test_times_refuses_negative_quantity() -> None:
    with pytest.raises(MoneyError):
        Money(3500, "IDR").times(-1)


@pytest.mark.parametrize("minor", [1.5, "100", True])
def test_money_refuses_non_integer_amounts(minor: object) -> None:
    with pytest.raises(MoneyError):
        Money(minor, "IDR")  # type: ignore[arg-type]


def test_money_refuses_unknown_currency() -> None:
    with pytest.raises(MoneyError, match="unsupported currency"):
        Money(100, "USD")


@pytest.mark.parametrize(
    ("money", "locale", "shown"),
    [
        (Money(15000, "IDR"), "id", "Rp15.000"),
        (Money(1234567, "IDR"), "id", "Rp1.234.567"),
        (Money(0, "IDR"), "id", "Rp0"),
        (Money(15000, "IDR"), "en", "IDR15,000"),
        (Money(15000, "IDR"), "zh", "IDR15,000"),
        (Money(1250, "CNY"), "zh", "¥12.50"),
        (Money(1250, "CNY"), "en", "CN¥12.50"),
        (Money(1250, "CNY"), "id", "CN¥12,50"),
        (Money(123456705, "CNY"), "en", "CN¥1,234,567.05"),
    ],
)
def test_format_money_shows_what_people_expect(money: Money, locale: str, shown: str) -> None:
    assert format_money(money, locale) == shown


def test_format_money_refuses_unknown_locale() -> None:
    with pytest.raises(MoneyError, match="unsupported locale"):
        format_money(Money(15000, "IDR"), "fr")
