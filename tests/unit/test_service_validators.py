"""Service inputs: meter and customer numbers, tokens, travel dates, stays, passengers, IDs."""

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.validators import (
    ValidationError,
    check_stay,
    format_token,
    parse_bpjs_number,
    parse_id_number,
    parse_meter_number,
    parse_passenger_count,
    parse_pdam_customer,
    parse_postpaid_id,
    parse_token,
    parse_travel_date,
    resident_id_check_character,
)

# A Monday in the middle of the year, so "5/12" is still ahead and "5/6" already past.
TODAY = date(2026, 6, 15)


def reason_of(call: Callable[[], object]) -> str:
    """The reason code the call was refused with."""
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.reason


# --- Customer and meter numbers ---


@pytest.mark.parametrize(
    ("parse", "text", "expected"),
    [
        (parse_meter_number, "14234567890", "14234567890"),  # meter number, 11 digits
        (parse_meter_number, "5321 2345 6789", "532123456789"),  # customer id, 12 digits
        (parse_meter_number, "1423-4567-890", "14234567890"),
        (parse_meter_number, " 14234567890\n", "14234567890"),
        (parse_meter_number, "１４２３４５６７８９０", "14234567890"),
        (parse_pdam_customer, "012345", "012345"),
        (parse_pdam_customer, "01-02-03-456789", "010203456789"),
        (parse_pdam_customer, "123456789012345", "123456789012345"),
        (parse_bpjs_number, "0001234567890", "0001234567890"),
        (parse_bpjs_number, "0000 1234 56789", "0000123456789"),
        (parse_bpjs_number, "1234567890123", "1234567890123"),
        (parse_postpaid_id, "532123456789", "532123456789"),
        (parse_postpaid_id, "5321-2345-6789", "532123456789"),
    ],
)
def test_numbers_are_accepted_and_cleaned(
    parse: Callable[[str], str], text: str, expected: str
) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("parse", "text", "reason"),
    [
        (parse_meter_number, "", "length"),
        (parse_meter_number, "1423456789", "length"),
        (parse_meter_number, "1423456789012", "length"),
        (parse_meter_number, "1423.4567.890", "digits_only"),
        (parse_meter_number, "ID 14234567890", "digits_only"),
        (parse_meter_number, "1423456789O", "digits_only"),  # letter O for zero
        (parse_meter_number, "١٤٢٣٤٥٦٧٨٩٠", "digits_only"),  # digits, but not ours
        (parse_meter_number, "1" * 100, "length"),
        (parse_pdam_customer, "12345", "length"),
        (parse_pdam_customer, "1234567890123456", "length"),
        (parse_pdam_customer, "12345a", "digits_only"),
        (parse_bpjs_number, "000123456789", "length"),
        (parse_bpjs_number, "00012345678901", "length"),
        (parse_bpjs_number, "0001234567890/1", "digits_only"),
        (parse_postpaid_id, "53212345678", "length"),
        (parse_postpaid_id, "5321234567890", "length"),
        (parse_postpaid_id, "+532123456789", "digits_only"),
    ],
)
def test_numbers_are_refused_with_a_reason(
    parse: Callable[[str], str], text: str, reason: str
) -> None:
    assert reason_of(lambda: parse(text)) == reason


# --- Electricity tokens ---


@pytest.mark.parametrize(
    "text",
    [
        "12345678901234567890",
        "1234 5678 9012 3456 7890",
        "1234-5678-9012-3456-7890",
        "  1234 5678 9012\n3456 7890 ",
    ],
)
def test_tokens_are_accepted_with_or_without_separators(text: str) -> None:
    assert parse_token(text) == "12345678901234567890"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("1234 5678 9012 3456 789", "length"),
        ("1234 5678 9012 3456 78901", "length"),
        ("1234 5678 9012 3456 789X", "digits_only"),
        ("Token: 1234 5678 9012 3456 7890", "digits_only"),
    ],
)
def test_bad_tokens_are_refused(text: str, reason: str) -> None:
    assert reason_of(lambda: parse_token(text)) == reason


def test_a_token_is_shown_in_groups_of_four() -> None:
    assert format_token("12345678901234567890") == "1234 5678 9012 3456 7890"


def test_format_token_refuses_anything_but_a_token() -> None:
    assert reason_of(lambda: format_token("1234")) == "length"


@given(st.text(alphabet="0123456789", min_size=20, max_size=20))
def test_token_formatting_round_trips(token: str) -> None:
    shown = format_token(token)
    assert parse_token(shown) == token
    assert format_token(shown) == shown
    assert len(shown.split()) == 5


# --- Travel dates ---


@pytest.mark.parametrize(
    ("text", "locale", "expected"),
    [
        ("2026-12-05", "id", date(2026, 12, 5)),
        ("2026/12/05", "zh", date(2026, 12, 5)),
        ("5/12/2026", "id", date(2026, 12, 5)),
        ("05-12-2026", "en", date(2026, 12, 5)),
        ("5.12.2026", "id", date(2026, 12, 5)),
        ("5/12/26", "id", date(2026, 12, 5)),
        ("5/12", "id", date(2026, 12, 5)),
        ("5/12", "en", date(2026, 12, 5)),
        ("12/5", "zh", date(2026, 12, 5)),  # Chinese writes the month first
        ("5 Des 2026", "id", date(2026, 12, 5)),
        ("5 Des. 2026", "id", date(2026, 12, 5)),
        ("5 Desember", "id", date(2026, 12, 5)),
        ("5 desember 2026", "id", date(2026, 12, 5)),
        ("tgl 5 Des", "id", date(2026, 12, 5)),
        ("tanggal 17 Agustus", "id", date(2026, 8, 17)),
        ("17 Agt 2026", "id", date(2026, 8, 17)),
        ("5 Nopember", "id", date(2026, 11, 5)),
        ("Dec 5", "en", date(2026, 12, 5)),
        ("December 5, 2026", "en", date(2026, 12, 5)),
        ("5 December 2026", "en", date(2026, 12, 5)),
        ("5th December", "en", date(2026, 12, 5)),
        ("5-Dec-2026", "en", date(2026, 12, 5)),
        ("Sept 5", "en", date(2026, 9, 5)),
        ("1 Mei", "id", date(2027, 5, 1)),
        ("12月5日", "zh", date(2026, 12, 5)),
        ("12月5号", "zh", date(2026, 12, 5)),
        ("2026年12月5日", "zh", date(2026, 12, 5)),
        ("２０２６年１２月５日", "zh", date(2026, 12, 5)),
        ("today", "en", TODAY),
        ("Tomorrow", "en", TODAY + timedelta(days=1)),
        ("hari ini", "id", TODAY),
        ("Besok", "id", TODAY + timedelta(days=1)),
        ("lusa", "id", TODAY + timedelta(days=2)),
        ("今天", "zh", TODAY),
        ("明天", "zh", TODAY + timedelta(days=1)),
        ("后天", "zh", TODAY + timedelta(days=2)),
        ("15/6", "id", TODAY),  # today itself is still bookable
        ("14/6", "id", date(2027, 6, 14)),  # yesterday's day-month means next year
        ("2027-06-15", "id", date(2027, 6, 15)),  # exactly 365 days ahead
    ],
)
def test_travel_dates_in_the_ways_people_write_them(text: str, locale: str, expected: date) -> None:
    assert parse_travel_date(text, TODAY, locale) == expected


def test_a_date_without_a_year_near_new_year_is_next_year() -> None:
    assert parse_travel_date("5/1", date(2026, 12, 20), "id") == date(2027, 1, 5)
    assert parse_travel_date("1月5日", date(2026, 12, 20), "zh") == date(2027, 1, 5)


def test_29_february_without_a_year_is_the_next_leap_day() -> None:
    assert parse_travel_date("29/2", date(2027, 6, 1), "id") == date(2028, 2, 29)
    assert reason_of(lambda: parse_travel_date("29/2", TODAY, "id")) == "too_far"


@pytest.mark.parametrize(
    ("text", "locale", "reason"),
    [
        ("2026-06-14", "id", "past"),
        ("5/12/2025", "id", "past"),
        ("1 Januari 2026", "id", "past"),
        ("2026年1月5日", "zh", "past"),
        ("2027-06-16", "id", "too_far"),
        ("5 Des 2027", "id", "too_far"),
        ("31/2", "id", "format"),
        ("31/2/2027", "id", "format"),
        ("2026-13-01", "id", "format"),
        ("12/25/2026", "id", "format"),  # day-first: there is no 25th month
        ("25/12", "zh", "format"),  # month-first: likewise
        ("0000-12-05", "id", "format"),
        ("5 Dezember", "id", "format"),
        ("5 de", "id", "format"),
        ("5 hari lagi", "id", "format"),
        ("next friday", "en", "format"),
        ("", "id", "format"),
        ("2026-12-05 10:00", "id", "format"),
        ("十二月五日", "zh", "format"),
        ("x" * 1000, "id", "format"),
    ],
)
def test_bad_travel_dates_are_refused(text: str, locale: str, reason: str) -> None:
    assert reason_of(lambda: parse_travel_date(text, TODAY, locale)) == reason


# --- Stays ---


@pytest.mark.parametrize(
    ("check_in", "check_out", "nights"),
    [
        (date(2026, 12, 5), date(2026, 12, 6), 1),
        (date(2026, 12, 28), date(2027, 1, 2), 5),
        (date(2028, 2, 28), date(2028, 3, 1), 2),
        (date(2026, 7, 1), date(2026, 8, 30), 60),
    ],
)
def test_a_stay_counts_nights(check_in: date, check_out: date, nights: int) -> None:
    assert check_stay(check_in, check_out) == nights


@pytest.mark.parametrize(
    ("check_in", "check_out", "reason"),
    [
        (date(2026, 12, 5), date(2026, 12, 5), "checkout_before_checkin"),
        (date(2026, 12, 5), date(2026, 12, 4), "checkout_before_checkin"),
        (date(2026, 7, 1), date(2026, 8, 31), "too_many_nights"),
    ],
)
def test_impossible_stays_are_refused(check_in: date, check_out: date, reason: str) -> None:
    assert reason_of(lambda: check_stay(check_in, check_out)) == reason


# --- Passengers ---


@pytest.mark.parametrize(
    ("text", "count"), [("1", 1), (" 4 ", 4), ("02", 2), ("20", 20), ("３", 3)]
)
def test_passenger_counts(text: str, count: int) -> None:
    assert parse_passenger_count(text) == count


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("0", "range"),
        ("21", "range"),
        ("9" * 60, "range"),
        ("9" * 100, "range"),
        ("", "digits_only"),
        ("-1", "digits_only"),
        ("2.5", "digits_only"),
        ("dua", "digits_only"),
        ("2 orang", "digits_only"),
        ("٣", "digits_only"),  # Arabic-Indic three: a digit, but not one we read
    ],
)
def test_bad_passenger_counts(text: str, reason: str) -> None:
    assert reason_of(lambda: parse_passenger_count(text)) == reason


# --- Identity numbers ---


@pytest.mark.parametrize(
    ("text", "region", "expected"),
    [
        ("3201011201900001", "ID", "3201011201900001"),
        ("3201 0112 0190 0001", "ID", "3201011201900001"),
        ("11010519491231002X", "CN", "11010519491231002X"),  # the standard's own example
        ("11010519491231002x", "CN", "11010519491231002X"),
        ("110105 19491231 002X", "CN", "11010519491231002X"),
        ("440308199003071235", "CN", "440308199003071235"),
        ("510104198501010010", "CN", "510104198501010010"),
    ],
)
def test_identity_numbers(text: str, region: str, expected: str) -> None:
    assert parse_id_number(text, region) == expected


@pytest.mark.parametrize(
    ("text", "region", "reason"),
    [
        ("320101120190000", "ID", "length"),
        ("32010112019000011", "ID", "length"),
        ("320101120190000X", "ID", "digits_only"),
        ("110105194912310021", "CN", "checksum"),
        ("440308199003071234", "CN", "checksum"),
        ("440308199003071235X", "CN", "length"),
        ("44030819900307123", "CN", "length"),  # the old 15-digit cards are gone
        ("X40308199003071235", "CN", "format"),
        ("4403081990-0307-123X", "CN", "checksum"),
    ],
)
def test_bad_identity_numbers(text: str, region: str, reason: str) -> None:
    assert reason_of(lambda: parse_id_number(text, region)) == reason


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_every_resident_id_with_its_check_character_is_accepted(first_17: str) -> None:
    resident_id = first_17 + resident_id_check_character(first_17)
    assert parse_id_number(resident_id, "CN") == resident_id


def test_identity_numbers_of_other_countries_are_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unsupported region") as caught:
        parse_id_number("123", "MY")
    assert not isinstance(caught.value, ValidationError)


# --- Nothing but ValidationError, whatever is typed ---

TEXT_PARSERS: list[Callable[[str], object]] = [
    parse_meter_number,
    parse_pdam_customer,
    parse_bpjs_number,
    parse_postpaid_id,
    parse_token,
    format_token,
    parse_passenger_count,
    lambda text: parse_id_number(text, "ID"),
    lambda text: parse_id_number(text, "CN"),
]
TYPED = st.text(max_size=80) | st.text(alphabet="0123456789 -/.Xx年月日号", max_size=30)


@given(parse=st.sampled_from(TEXT_PARSERS), text=TYPED)
def test_parsers_raise_only_validation_error(parse: Callable[[str], object], text: str) -> None:
    try:
        parsed = parse(text)
    except ValidationError as error:
        assert error.reason in {"digits_only", "length", "format", "range", "checksum"}
    else:
        assert isinstance(parsed, str | int)


@given(
    text=TYPED | st.sampled_from(["5/12", "12月5日", "Dec 5", "29/2", "besok", "31 Des 2099"]),
    today=st.dates(min_value=date(2000, 1, 1), max_value=date(2200, 12, 31)),
    locale=st.sampled_from(["id", "en", "zh", "en-ID", "zh_CN"]),
)
def test_travel_dates_raise_only_validation_error(text: str, today: date, locale: str) -> None:
    try:
        travel = parse_travel_date(text, today, locale)
    except ValidationError as error:
        assert error.reason in {"format", "past", "too_far"}
    else:
        assert 0 <= (travel - today).days <= 365


def test_validation_error_is_a_value_error_carrying_its_reason() -> None:
    error = ValidationError("past")
    assert isinstance(error, ValueError)
    assert error.reason == "past"
