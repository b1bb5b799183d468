"""What a villager may type in /sell: each answer is checked with a reason for a refusal."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.domain.money import Money
from bot.services.produce import (
    OfferError,
    check_name,
    check_price,
    check_quantity,
    check_unit,
    units_for,
)


def reason(check: Callable[..., object], *args: str) -> str:
    """The reason code a refused answer gives."""
    with pytest.raises(OfferError) as refused:
        check(*args)
    return refused.value.reason


def test_names_are_kept_as_typed_with_spaces_tidied() -> None:
    assert check_name("  kangkung   segar ") == "kangkung segar"
    assert check_name("Telur ayam kampung") == "Telur ayam kampung"
    assert reason(check_name, "   ") == "empty"
    assert reason(check_name, "12345") == "bad_name"
    assert reason(check_name, "k" * 61) == "too_long"
    assert reason(check_name, "kang\u0000kung") == "bad_text"


@pytest.mark.parametrize("typed", ["10", " 7 ", "10000"])
def test_quantities_are_whole_positive_numbers(typed: str) -> None:
    assert check_quantity(typed) == int(typed)


@pytest.mark.parametrize("typed", ["0", "-3", "2.5", "sepuluh", "10001", "", "１０"])
def test_other_quantities_are_refused(typed: str) -> None:
    assert reason(check_quantity, typed) == "bad_quantity"


def test_prices_are_read_as_people_type_them() -> None:
    assert check_price("3000", "IDR") == Money(3000, "IDR")
    assert check_price("3.000", "IDR") == Money(3000, "IDR")
    assert check_price("Rp 3000", "IDR") == Money(3000, "IDR")
    assert check_price("3rb", "IDR") == Money(3000, "IDR")
    assert check_price("4.50", "CNY") == Money(450, "CNY")
    for typed in ("3,5", "0", "-5", "tiga ribu"):
        assert reason(check_price, typed, "IDR") == "bad_price"


def test_units_are_offered_in_the_villagers_language_or_typed() -> None:
    assert units_for("id")[:3] == ["kg", "ikat", "butir"]
    assert "bunch" in units_for("en") and "斤" in units_for("zh")
    assert check_unit(" karung ") == "karung"
    assert reason(check_unit, "x" * 21) == "too_long"
