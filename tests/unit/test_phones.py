"""Mobile numbers for top-ups: every way villagers type them, and which operator sells credit."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.phones import (
    OPERATORS,
    MobileNumber,
    PhoneError,
    normalize_phone,
    operator_name,
    parse_mobile,
)

TELKOMSEL = MobileNumber("+6281234567890", "081234567890", "ID", "telkomsel")
CHINA_MOBILE = MobileNumber("+8613800138000", "13800138000", "CN", "cmcc")


@pytest.mark.parametrize(
    "text",
    [
        "081234567890",
        "0812-3456-7890",
        "0812 3456 7890",
        "0812.3456.7890",
        "(0812) 3456 7890",
        "+62 812 3456 7890",
        "+62 (0) 812 3456 7890",
        "+62 0812 3456 7890",
        "+6281234567890",
        "6281234567890",
        "62-812-3456-7890",
        "62 812 3456 7890",
        "0062 812 3456 7890",
        "81234567890",  # the leading 0 forgotten
        "  0812 3456 7890\n",
        "０８１２－３４５６－７８９０",  # full-width, as some phone keyboards type
    ],
)
def test_indonesian_mobile_in_any_common_form(text: str) -> None:
    assert parse_mobile(text, "ID") == TELKOMSEL


@pytest.mark.parametrize(
    "text",
    [
        "13800138000",
        "138 0013 8000",
        "138-0013-8000",
        "+86 138 0013 8000",
        "+8613800138000",
        "8613800138000",
        "86 138 0013 8000",
        "0086 138 0013 8000",
        "＋86 138 0013 8000",
        "１３８００１３８０００",
    ],
)
def test_chinese_mobile_in_any_common_form(text: str) -> None:
    assert parse_mobile(text, "CN") == CHINA_MOBILE


@pytest.mark.parametrize(
    ("text", "national"),
    [
        ("0812 345 678", "0812345678"),  # 10 digits: old Telkomsel numbers
        ("0812 3456 789", "08123456789"),
        ("0812 3456 78901", "0812345678901"),  # 13 digits: the longest issued
    ],
)
def test_indonesian_mobile_numbers_vary_in_length(text: str, national: str) -> None:
    assert parse_mobile(text, "ID").national == national


INDONESIAN_PREFIXES = {
    "telkomsel": "0811 0812 0813 0821 0822 0823 0851 0852 0853",
    "indosat": "0814 0815 0816 0855 0856 0857 0858",
    "xl": "0817 0818 0819 0859 0877 0878",
    "axis": "0831 0832 0833 0838",
    "smartfren": "0881 0882 0883 0884 0885 0886 0887 0888 0889",
    "tri": "0895 0896 0897 0898 0899",
}


@pytest.mark.parametrize(
    ("prefix", "operator"),
    [
        (prefix, operator)
        for operator, prefixes in INDONESIAN_PREFIXES.items()
        for prefix in prefixes.split()
    ],
)
def test_every_indonesian_prefix_names_its_operator(prefix: str, operator: str) -> None:
    number = parse_mobile(f"{prefix}-1234-5678", "ID")
    assert number.operator == operator
    assert number.national == f"{prefix}12345678"


def test_tri_stays_tri_although_the_library_says_indosat_ooredoo_hutchison() -> None:
    assert parse_mobile("0896 1234 5678", "ID").operator == "tri"
    assert parse_mobile("0856 1234 5678", "ID").operator == "indosat"


def test_smartfren_prefixes_missing_from_the_library_come_from_our_table() -> None:
    assert parse_mobile("0885 1234 5678", "ID").operator == "smartfren"


def test_prefixes_only_the_library_knows_still_get_an_operator() -> None:
    assert parse_mobile("0879 1234 5678", "ID").operator == "xl"


def test_a_mobile_prefix_nobody_sells_credit_for_has_no_operator() -> None:
    assert parse_mobile("0828 1234 5678", "ID").operator is None


@pytest.mark.parametrize(
    ("text", "operator"),
    [
        ("139 1234 5678", "cmcc"),
        ("150 1234 5678", "cmcc"),
        ("198 1234 5678", "cmcc"),
        ("1340 012 3456", "cmcc"),
        ("130 1234 5678", "unicom"),
        ("186 1234 5678", "unicom"),
        ("166 1234 5678", "unicom"),
        ("133 1234 5678", "telecom"),
        ("189 1234 5678", "telecom"),
        ("199 1234 5678", "telecom"),
        # 170 is split between the three virtual-operator hosts.
        ("1700 123 4567", "telecom"),
        ("1703 123 4567", "cmcc"),
        ("1704 123 4567", "unicom"),
    ],
)
def test_chinese_operators(text: str, operator: str) -> None:
    assert parse_mobile(text, "CN").operator == operator


@pytest.mark.parametrize(
    "text",
    [
        "192 1234 5678",  # China Broadnet, a fourth operator
        "1349 012 3456",  # Chinasat satellite phones
        "162 1234 5678",  # virtual operators the data leaves unnamed
    ],
)
def test_chinese_numbers_outside_the_three_operators_have_none(text: str) -> None:
    number = parse_mobile(text, "CN")
    assert number.region == "CN"
    assert number.operator is None


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("021 5551234", "ID"),  # Jakarta
        ("(022) 4201234", "ID"),  # Bandung
        ("0361 234567", "ID"),  # Bali
        ("+62 21 5551234", "ID"),
        ("62215551234", "ID"),
        ("0800 1234 567", "ID"),  # toll-free
        ("010 1234 5678", "CN"),  # Beijing
        ("0755 8888 1234", "CN"),  # Shenzhen
        ("+86 10 1234 5678", "CN"),
        ("400 123 4567", "CN"),  # company hotline
    ],
)
def test_landlines_cannot_be_topped_up(text: str, region: str) -> None:
    with pytest.raises(PhoneError) as caught:
        parse_mobile(text, region)
    assert caught.value.reason == "not_mobile"


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("+86 138 0013 8000", "ID"),
        ("8613800138000", "ID"),
        ("0086 138 0013 8000", "ID"),
        ("+86 10 1234 5678", "ID"),  # foreign first, even for a landline
        ("+62 812 3456 7890", "CN"),
        ("6281234567890", "CN"),
        ("+65 8123 4567", "ID"),
        ("+60 12 345 6789", "ID"),
    ],
)
def test_a_number_of_another_country_is_refused_as_such(text: str, region: str) -> None:
    with pytest.raises(PhoneError) as caught:
        parse_mobile(text, region)
    assert caught.value.reason == "wrong_country"


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("", "ID"),
        ("   ", "ID"),
        ("-", "ID"),
        ("+", "ID"),
        ("()", "ID"),
        ("0812", "ID"),
        ("0812 3456 7", "ID"),
        ("0812 3456 7890 1234", "ID"),
        ("0812 FLOWERS", "ID"),  # the library would read letters as a vanity number
        ("08123456789a", "ID"),
        ("0812-3456-7890 ext 5", "ID"),
        ("++62 812 3456 7890", "ID"),
        ("0812+3456", "ID"),
        ("nomor saya 0812 3456 7890", "ID"),
        ("1" * 200, "ID"),
        ("138 0013 8000", "ID"),  # a Chinese mobile without +86 is no Indonesian number
        ("0812 3456 7890", "CN"),
        ("138 0013 800", "CN"),
        ("140 1234 5678", "CN"),  # not read as +1 401 (Rhode Island)
        ("手机 13800138000", "CN"),
    ],
)
def test_garbage_is_invalid(text: str, region: str) -> None:
    with pytest.raises(PhoneError) as caught:
        parse_mobile(text, region)
    assert caught.value.reason == "invalid"


def test_phone_error_is_a_value_error_carrying_its_reason() -> None:
    error = PhoneError("not_mobile")
    assert isinstance(error, ValueError)
    assert error.reason == "not_mobile"
    assert str(error) == "not_mobile"


def test_a_region_without_operators_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unsupported region") as caught:
        parse_mobile("0812 3456 7890", "MY")
    assert not isinstance(caught.value, PhoneError)


def test_operator_codes_are_unique_and_named() -> None:
    codes = [operator.code for operators in OPERATORS.values() for operator in operators]
    assert len(codes) == len(set(codes))
    assert set(codes) >= {"telkomsel", "indosat", "xl", "axis", "smartfren", "tri"}
    assert set(codes) >= {"cmcc", "unicom", "telecom"}
    assert operator_name("tri") == "Tri"
    assert operator_name("cmcc") == "China Mobile"
    with pytest.raises(KeyError):
        operator_name("esia")


def test_normalize_phone_is_unchanged() -> None:
    assert normalize_phone("6281234567890") == "+6281234567890"
    assert normalize_phone("0812-3456-7890") == "+6281234567890"
    assert normalize_phone("021 5551234") == "+62215551234"  # landlines still accepted
    assert normalize_phone("8613800138000", "CNY") == "+8613800138000"
    assert normalize_phone("12345") is None


REGIONS = st.sampled_from(sorted(OPERATORS))
PHONE_LIKE = st.text(alphabet="0123456789+-() .８６", max_size=25)


@given(text=st.text(max_size=60) | PHONE_LIKE, region=REGIONS)
def test_parse_mobile_raises_only_phone_error(text: str, region: str) -> None:
    try:
        number = parse_mobile(text, region)
    except PhoneError as error:
        assert error.reason in {"invalid", "not_mobile", "wrong_country"}
    else:
        assert number.region == region
        assert number.operator in {None, *(operator.code for operator in OPERATORS[region])}


@given(
    region=REGIONS,
    digits=st.text(alphabet="0123456789", min_size=9, max_size=11),
    lead=st.sampled_from(["08", "13", "15", "18", "19"]),
)
def test_a_parsed_number_parses_again_to_itself(region: str, digits: str, lead: str) -> None:
    try:
        number = parse_mobile(lead + digits, region)
    except PhoneError:
        return
    assert parse_mobile(number.e164, region) == number
    assert parse_mobile(number.national, region) == number
    assert normalize_phone(number.e164, "IDR" if region == "ID" else "CNY") == number.e164
