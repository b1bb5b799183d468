"""Service price list CSV: what an operator's spreadsheet turns into, and what they are told."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.money import Money
from bot.domain.phones import OPERATORS
from bot.domain.pipeline import RequestKind
from bot.domain.prices_csv import (
    HEADER,
    MAX_ROWS,
    PriceRow,
    default_price_rows,
    export_prices_csv,
    parse_prices_csv,
)
from bot.domain.sheet import SheetError
from bot.views.sheet_texts import problem_text

HEADER_LINE = "kind,operator,code,name,price,commission\n"
TOPUP = RequestKind.TOPUP


def errors_of(text: str, currency: str = "IDR") -> list[tuple[int, str]]:
    """Each bad line and what it is told in English (as the command line prints it)."""
    with pytest.raises(SheetError) as caught:
        parse_prices_csv(text, currency)
    return [(error.line, problem_text("en", error.problem)) for error in caught.value.errors]


def idr(minor: int) -> Money:
    return Money(minor, "IDR")


def test_parses_a_good_idr_file() -> None:
    text = (
        HEADER_LINE
        + "topup,telkomsel,telkomsel-P10,Pulsa 10.000,11500,1000\n"
        + 'TopUp, XL ,xl-D3,"Data 3 GB, 30 hari", 27000 ,\n'
    )
    assert parse_prices_csv(text, "IDR") == [
        PriceRow(TOPUP, "telkomsel", "telkomsel-P10", "Pulsa 10.000", idr(11500), idr(1000)),
        PriceRow(TOPUP, "xl", "xl-D3", "Data 3 GB, 30 hari", idr(27000), idr(0)),
    ]


def test_cny_prices_have_two_decimals_and_chinese_operators() -> None:
    rows = parse_prices_csv(HEADER_LINE + "topup,cmcc,cmcc-H30,话费 30元,30.5,0.50\n", "CNY")
    assert rows == [
        PriceRow(TOPUP, "cmcc", "cmcc-H30", "话费 30元", Money(3050, "CNY"), Money(50, "CNY"))
    ]


def test_accepts_byte_order_mark_crlf_any_column_order_and_no_commission_column() -> None:
    text = "\ufeffCode,Price,Kind,Name,Operator\r\ntri-P5,6500,topup,Pulsa 5.000,tri\r\n"
    assert parse_prices_csv(text, "IDR") == [
        PriceRow(TOPUP, "tri", "tri-P5", "Pulsa 5.000", idr(6500), idr(0))
    ]


KINDS = "topup, bill, ticket, lodging"


def test_every_bad_line_is_reported_with_its_reasons() -> None:
    text = (
        HEADER_LINE
        + "topup,telkomsel,telkomsel-P5,Pulsa 5.000,6500,1000\n"  # line 2 is fine
        + "topup,simpati,simpati-P5,Pulsa 5.000,6500,1000\n"  # line 3
        + "topup,indosat,indosat-P5,Pulsa 5.000,6500,7000\n"  # line 4
        + "topup,,xl P5,,15.000,-1\n"  # line 5
        + "produce,,PLN-20,Token 20.000,21000,\n"  # line 6
        + "pulsa,xl,xl-P5,Pulsa 5.000,0,\n"  # line 7
        + "topup,axis,TELKOMSEL-p5,Pulsa 5.000,6500\n"  # line 8
        + "topup,axis,TELKOMSEL-p5,Pulsa 5.000,6500,0\n"  # line 9
    )
    operators = "telkomsel, indosat, xl, axis, smartfren, tri"
    assert errors_of(text) == [
        (3, f"operator 'simpati' is not one of: {operators}"),
        (4, "commission is more than the price"),
        (5, f"operator is empty (a topup needs one of: {operators})"),
        (5, "code must not contain spaces"),
        (5, "name is empty"),
        (5, "price: IDR amounts have no decimals (write 15000, not 15.000)"),
        (5, "commission: amount must not be negative"),
        (6, f"kind 'produce' has no price list (use {KINDS})"),
        (7, f"kind 'pulsa' is unknown (use {KINDS})"),
        (7, "price must be more than 0"),
        (8, "expected 6 cells, found 5"),
        (9, "code 'TELKOMSEL-p5' is already used on line 2"),
    ]


def test_a_code_may_repeat_across_kinds_only() -> None:
    text = HEADER_LINE + "topup,xl,X1,Pulsa,1000,\ntopup,tri,x1,Pulsa,1000,\n"
    assert errors_of(text) == [(3, "code 'x1' is already used on line 2")]


def test_an_indonesian_operator_is_refused_at_a_chinese_center() -> None:
    text = HEADER_LINE + "topup,telkomsel,T-1,Pulsa,30,\n"
    assert errors_of(text, "CNY") == [
        (2, "operator 'telkomsel' is not one of: cmcc, unicom, telecom")
    ]


def test_long_and_control_character_cells_are_named() -> None:
    text = (
        HEADER_LINE
        + f"topup,xl,{'C' * 65},Pulsa,1000,\n"
        + f'topup,xl,C-2,"{"n" * 201}",1000,\n'
        + 'topup,xl,C-3,"Pulsa\nbaru",1000,\n'  # still one spreadsheet row
        + f"topup,xl,C-4,{'x' * 1001},1000,\n"
    )
    assert errors_of(text) == [
        (2, "code is longer than 64 characters"),
        (3, "name is longer than 200 characters"),
        (4, "name contains a line break or control character"),
        (5, "name is far too long (1,001 characters)"),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", [(1, "no prices: the file is empty")]),
        (HEADER_LINE, [(1, "no prices: the file has a header but no rows")]),
        (
            "kind;operator;code;name;price\n",
            [(1, "columns must be separated by commas, not semicolons")],
        ),
        (
            "kind,code,name,price,fee,price\n",
            [
                (1, "missing columns: operator"),
                (1, "unknown columns: fee"),
                (1, "repeated columns: price"),
            ],
        ),
        (HEADER_LINE + 'topup,xl,"X,Pulsa,1000,\n', None),
    ],
)
def test_unusable_files_say_why(text: str, expected: list[tuple[int, str]] | None) -> None:
    errors = errors_of(text)
    if expected is None:
        assert [line for line, _ in errors] == [2]
        assert "unclosed quote" in errors[0][1]
    else:
        assert errors == expected


def test_too_many_rows_stops_reading() -> None:
    text = HEADER_LINE + "".join(f"topup,xl,X{n},Pulsa,1000,\n" for n in range(MAX_ROWS + 1))
    assert errors_of(text) == [
        (MAX_ROWS + 2, f"too many rows: at most {MAX_ROWS:,} prices per file")
    ]


def test_export_writes_major_units_and_quotes_where_needed() -> None:
    rows = [
        PriceRow(TOPUP, "xl", "xl-D3", "Data 3 GB, 30 hari", idr(27000), idr(2000)),
        PriceRow(TOPUP, "unicom", "u-H30", "话费 30元", Money(3050, "CNY"), Money(0, "CNY")),
    ]
    assert export_prices_csv(rows) == (
        HEADER_LINE + 'topup,xl,xl-D3,"Data 3 GB, 30 hari",27000,2000\n'
        "topup,unicom,u-H30,话费 30元,30.50,0.00\n"
    )


def test_header_constant_matches_export() -> None:
    assert export_prices_csv([]) == ",".join(HEADER) + "\n"


@pytest.mark.parametrize(("currency", "region"), [("IDR", "ID"), ("CNY", "CN")])
def test_the_defaults_cover_every_operator_and_import_as_they_are(
    currency: str, region: str
) -> None:
    defaults = default_price_rows(currency)

    topups = [row for row in defaults if row.kind is RequestKind.TOPUP]
    assert {row.operator for row in topups} == {operator.code for operator in OPERATORS[region]}
    fees = {row.kind.value: row.code for row in defaults if row.kind is not RequestKind.TOPUP}
    assert fees == {"bill": "fee", "ticket": "fee", "lodging": "fee"}
    assert parse_prices_csv(export_prices_csv(defaults), currency) == defaults


def _text(max_size: int, allow_spaces: bool = True) -> st.SearchStrategy[str]:
    """Trimmed, non-empty text without control characters, like a real cell."""
    excluded = ["Cc", "Cs", "Zl", "Zp"] + ([] if allow_spaces else ["Zs"])
    alphabet = st.characters(exclude_categories=excluded)  # type: ignore[arg-type]
    stripped = st.text(alphabet, min_size=1, max_size=max_size).map(str.strip)
    return stripped.filter(
        lambda text: bool(text) and (allow_spaces or not any(c.isspace() for c in text))
    )


@st.composite
def _price_row(draw: st.DrawFn, currency: str, operators: tuple[str, ...]) -> PriceRow:
    """A valid price row: the commission is never more than the price."""
    price = draw(st.integers(min_value=1, max_value=10**12))
    commission = draw(st.integers(min_value=0, max_value=price))
    return PriceRow(
        kind=TOPUP,
        operator=draw(st.sampled_from(operators)),
        code=draw(_text(64, allow_spaces=False)),
        name=draw(_text(200)),
        price=Money(price, currency),
        commission=Money(commission, currency),
    )


def _rows(currency: str, region: str) -> st.SearchStrategy[list[PriceRow]]:
    """Price rows that are valid and have distinct codes."""
    operators = tuple(operator.code for operator in OPERATORS[region])
    row = _price_row(currency, operators)
    return st.lists(row, min_size=1, max_size=8, unique_by=lambda r: r.code.casefold())


@given(rows=_rows("IDR", "ID"))
def test_export_then_import_gives_the_same_rows_idr(rows: list[PriceRow]) -> None:
    assert parse_prices_csv(export_prices_csv(rows), "IDR") == rows


@given(rows=_rows("CNY", "CN"))
def test_export_then_import_gives_the_same_rows_cny(rows: list[PriceRow]) -> None:
    assert parse_prices_csv(export_prices_csv(rows), "CNY") == rows
