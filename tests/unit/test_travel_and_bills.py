"""Pure rules of tickets, lodging and bills: places, names, offers, quotes, references."""

from __future__ import annotations

import pytest

from bot.domain.bills import BillKind, check_customer, check_reference, parse_quote
from bot.domain.money import Money, MoneyError
from bot.domain.travel import Option, match_place, parse_names, parse_options
from bot.domain.validators import ValidationError


@pytest.mark.parametrize(
    ("typed", "place"),
    [
        ("solo", "Solo"),
        ("Jogjakarta", "Yogyakarta"),
        ("jogja", "Yogyakarta"),
        ("surabya", "Surabaya"),
        ("Jakarta", "Jakarta"),
        ("Kampung Baru", "Kampung Baru"),
    ],
)
def test_places_are_matched_or_kept_as_typed(typed: str, place: str) -> None:
    assert match_place(typed, "ID") == place


def test_an_empty_place_is_refused() -> None:
    with pytest.raises(ValidationError):
        match_place("   ", "ID")


def test_one_name_a_line_as_many_as_passengers() -> None:
    assert parse_names("Siti Aminah\n\n  Budi   Santoso ", 2) == ["Siti Aminah", "Budi Santoso"]
    with pytest.raises(ValidationError):
        parse_names("Siti Aminah", 2)


def test_offers_end_with_their_price() -> None:
    offers = parse_options("Rosalia 07:00 185000\nSumber Alam 09:30 120000", "IDR")
    assert offers == [
        Option("Rosalia 07:00", Money(185_000, "IDR")),
        Option("Sumber Alam 09:30", Money(120_000, "IDR")),
    ]
    for bad in ("Rosalia", "Rosalia murah", "", "\n".join(f"Bus {n} 1000" for n in range(6))):
        with pytest.raises(MoneyError):
            parse_options(bad, "IDR")


def test_a_quote_is_amount_and_fee_or_the_usual_fee() -> None:
    usual = Money(3_000, "IDR")
    assert parse_quote("150000 2500", usual) == (Money(150_000, "IDR"), Money(2_500, "IDR"))
    assert parse_quote("150000", usual) == (Money(150_000, "IDR"), usual)
    for bad in ("seratus", "0", "1 2 3", "-5"):
        with pytest.raises(MoneyError):
            parse_quote(bad, usual)


def test_prepaid_needs_a_20_digit_token_other_bills_any_receipt() -> None:
    assert (
        check_reference(BillKind.PLN_PREPAID, "1234-5678-9012-3456-7890") == "12345678901234567890"
    )
    with pytest.raises(ValidationError):
        check_reference(BillKind.PLN_PREPAID, "1234")
    assert check_reference(BillKind.PDAM, " REF 88 ") == "REF 88"


def test_customer_numbers_are_checked_per_bill() -> None:
    assert check_customer(BillKind.PLN_PREPAID, "1423 4567 890") == "14234567890"
    assert check_customer(BillKind.BPJS, "0001234567890") == "0001234567890"
    with pytest.raises(ValidationError):
        check_customer(BillKind.BPJS, "12345")


def test_the_centers_own_places_are_matched_first() -> None:
    own = ("Terminal Tirtonadi", "Klaten")
    assert match_place("terminal tirtonad", "ID", own) == "Terminal Tirtonadi"
    assert match_place("klatn", "ID", own) == "Klaten"
    assert match_place("surabya", "ID", own) == "Surabaya"
