"""Catalog CSV: what a shop keeper's spreadsheet turns into, and what they are told."""

from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain import catalog_csv
from bot.domain.catalog_csv import (
    HEADER,
    MAX_ROWS,
    CatalogRow,
    export_catalog_csv,
    parse_catalog_csv,
)
from bot.domain.money import Money
from bot.domain.sheet import SheetError
from bot.views.sheet_texts import problem_text

SAMPLE_CATALOG = Path(__file__).resolve().parents[2] / "bot" / "data" / "sample_catalog.csv"
HEADER_LINE = "sku,name,category,price,unit,stock,aliases\n"


def errors_of(text: str, currency: str = "IDR") -> list[tuple[int, str]]:
    """Each bad line and what it is told in English (as the command line prints it)."""
    with pytest.raises(SheetError) as caught:
        parse_catalog_csv(text, currency)
    return [(error.line, problem_text("en", error.problem)) for error in caught.value.errors]


def test_parses_a_good_file() -> None:
    text = (
        HEADER_LINE
        + "BRS-5,Beras Medium 5 kg,Sembako,72000,sak,20,beas| wos |\n"
        + 'MG-1,"Minyak Goreng, 1 liter",Sembako, 18000 ,liter,,migor|lenga\n'
    )
    assert parse_catalog_csv(text, "IDR") == [
        CatalogRow(
            "BRS-5", "Beras Medium 5 kg", "Sembako", Money(72000, "IDR"), "sak", 20, ("beas", "wos")
        ),
        CatalogRow(
            "MG-1",
            "Minyak Goreng, 1 liter",
            "Sembako",
            Money(18000, "IDR"),
            "liter",
            None,
            ("migor", "lenga"),
        ),
    ]


def test_cny_prices_have_two_decimals() -> None:
    rows = parse_catalog_csv(HEADER_LINE + "T-1,Teh,Minuman,12.5,pcs,,\n", "CNY")
    assert rows[0].price == Money(1250, "CNY")


def test_accepts_byte_order_mark_crlf_and_any_column_order() -> None:
    text = "\ufeffPrice,SKU,name,unit,category\r\n3500,IMG,Indomie Goreng,pcs,Sembako\r\n"
    assert parse_catalog_csv(text, "IDR") == [
        CatalogRow("IMG", "Indomie Goreng", "Sembako", Money(3500, "IDR"), "pcs", None, ())
    ]


def test_blank_rows_are_skipped_but_still_counted_as_lines() -> None:
    text = HEADER_LINE + "A,Gula,Sembako,17500,kg,,\n\n,,,,,,\nB,Garam,Dapur,abc,bungkus,,\n"
    assert errors_of(text) == [
        (5, "price: amount is not a number (use digits and an optional '.' for decimals)")
    ]


def test_every_bad_line_is_reported_with_its_reasons() -> None:
    text = (
        HEADER_LINE
        + "OK-1,Gula Pasir 1 kg,Sembako,17500,kg,30,gendis\n"  # line 2 is fine
        + "BAD 1,,Sembako,-5,kg,many,\n"  # line 3
        + "OK-2,Telur Ayam,Sembako,29000,,-1,endog\n"  # line 4
        + "OK-3,Beras,Sembako,15.000,sak,,\n"  # line 5
        + "OK-4,Kopi,Minuman,0,pcs,,\n"  # line 6
        + "OK-5,Teh\n"  # line 7
    )
    assert errors_of(text) == [
        (3, "sku must not contain spaces"),
        (3, "name is empty"),
        (3, "price: amount must not be negative"),
        (3, "stock must be a whole number of 0 or more, or empty"),
        (4, "unit is empty"),
        (4, "stock must be a whole number of 0 or more, or empty"),
        (5, "price: IDR amounts have no decimals (write 15000, not 15.000)"),
        (6, "price must be more than 0"),
        (7, "expected 7 cells, found 2"),
    ]


def test_duplicate_sku_names_both_lines() -> None:
    text = (
        HEADER_LINE
        + "GP-1,Gula,Sembako,1,kg,,\nX,Garam,Dapur,1,kg,,\ngp-1,Gula Lagi,Sembako,2,kg,,\n"
    )
    assert errors_of(text) == [(4, "sku 'gp-1' is already used on line 2")]


def test_duplicate_sku_is_reported_even_on_an_otherwise_bad_line() -> None:
    text = HEADER_LINE + "GP-1,Gula,Sembako,1,kg,,\nGP-1,,Sembako,1,kg,,\n"
    assert errors_of(text) == [
        (3, "name is empty"),
        (3, "sku 'GP-1' is already used on line 2"),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no products: the file is empty"),
        ("\ufeff", "no products: the file is empty"),
        (HEADER_LINE, "no products: the file has a header but no rows"),
        (HEADER_LINE + "\n,,,,,,\n", "no products: the file has a header but no rows"),
        ("sku;name;category;price;unit\n", "columns must be separated by commas, not semicolons"),
        ("sku,name,price,unit\nA,B,1,kg\n", "missing columns: category"),
        ("sku,name,category,price,unit,colour\n", "unknown columns: colour"),
        ("sku,name,category,price,unit,\n", "unknown columns: (empty)"),
        ("sku,name,category,price,unit,unit\n", "repeated columns: unit"),
    ],
)
def test_file_level_problems_are_reported_on_line_1(text: str, message: str) -> None:
    assert errors_of(text) == [(1, message)]


def test_stock_and_aliases_columns_are_optional() -> None:
    rows = parse_catalog_csv("sku,name,category,price,unit\nA,Gula,Sembako,17500,kg\n", "IDR")
    assert rows[0].stock is None
    assert rows[0].aliases == ()


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("S" * 65 + ",Gula,Sembako,1,kg,,", "sku is longer than 64 characters"),
        ("A," + "N" * 201 + ",Sembako,1,kg,,", "name is longer than 200 characters"),
        ("A,Gula," + "C" * 101 + ",1,kg,,", "category is longer than 100 characters"),
        ("A,Gula,Sembako,1," + "U" * 31 + ",,", "unit is longer than 30 characters"),
        ("A,Gula,Sembako,1,kg,," + "a" * 101, "alias longer than 100 characters"),
        ("A," + "N" * 1001 + ",Sembako,1,kg,,", "name is far too long (1,001 characters)"),
        ('A,"Gula\nPasir",Sembako,1,kg,,', "name contains a line break or control character"),
        ("A,Gula,Sembako,1,kg,1.5,", "stock must be a whole number of 0 or more, or empty"),
        ("A,Gula,Sembako,1,kg,1000000001,", "stock is more than 1,000,000,000"),
        ("A,Gula,Sembako,,kg,,", "price: amount is empty"),
        ("A,Gula,Sembako,NaN,kg,,", "price: amount must be a finite number"),
        ("A,Gula,Sembako,10000000000000,kg,,", "price: amount is too large"),
    ],
    ids=lambda value: value if len(value) < 50 else f"{value[:20]}...",
)
def test_cell_rules(row: str, message: str) -> None:
    assert errors_of(HEADER_LINE + row + "\n") == [(2, message)]


def test_absurdly_long_cell_is_refused_without_crashing() -> None:
    text = HEADER_LINE + "A,Gula,Sembako,1,kg,," + "x" * 200_000 + "\n"
    assert errors_of(text) == [(2, "a cell is far too long (at most 1,000 characters)")]


def test_unclosed_quote_is_reported_where_the_row_starts() -> None:
    text = HEADER_LINE + 'A,Gula,Sembako,1,kg,,\nB,"Garam,Dapur,1,kg,,\nC,Kopi,Minuman,1,pcs,,\n'
    assert errors_of(text) == [
        (3, "not valid CSV here (unexpected end of data); check for an unclosed quote")
    ]


def test_too_many_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    assert MAX_ROWS == 100_000
    # The real limit takes seconds to reach.
    monkeypatch.setattr(catalog_csv, "SHEET", replace(catalog_csv.SHEET, max_records=3))
    rows = "".join(f"S{n},Gula,Sembako,1,kg,,\n" for n in range(4))
    assert errors_of(HEADER_LINE + "\n" + rows) == [
        (6, "too many rows: at most 3 products per file")
    ]


def test_repeated_aliases_are_dropped_ignoring_case() -> None:
    rows = parse_catalog_csv(HEADER_LINE + "A,Gula,Sembako,1,kg,,gendis|Gendis| |gula\n", "IDR")
    assert rows[0].aliases == ("gendis", "gula")


def test_export_writes_the_import_format() -> None:
    rows = [
        CatalogRow(
            "BRS-5", "Beras Medium 5 kg", "Sembako", Money(72000, "IDR"), "sak", 20, ("beas", "wos")
        ),
        CatalogRow(
            "MG-1", 'Minyak "Bimoli", 1 L', "Sembako", Money(18000, "IDR"), "liter", None, ()
        ),
    ]
    assert export_catalog_csv(rows) == (
        "sku,name,category,price,unit,stock,aliases\n"
        "BRS-5,Beras Medium 5 kg,Sembako,72000,sak,20,beas|wos\n"
        'MG-1,"Minyak ""Bimoli"", 1 L",Sembako,18000,liter,,\n'
    )
    assert parse_catalog_csv(export_catalog_csv(rows), "IDR") == rows


def test_export_of_cny_prices_keeps_two_decimals() -> None:
    row = CatalogRow("T-1", "Teh", "Minuman", Money(1250, "CNY"), "pcs", 0, ())
    assert export_catalog_csv([row]).splitlines()[1] == "T-1,Teh,Minuman,12.50,pcs,0,"


def _text(max_size: int, allow_spaces: bool = True) -> st.SearchStrategy[str]:
    """Trimmed, non-empty text without control characters, like a real cell."""
    excluded = ["Cc", "Cs", "Zl", "Zp"] + ([] if allow_spaces else ["Zs"])
    alphabet = st.characters(exclude_categories=excluded, exclude_characters="|")  # type: ignore[arg-type]
    stripped = st.text(alphabet, min_size=1, max_size=max_size).map(str.strip)
    return stripped.filter(
        lambda text: bool(text) and (allow_spaces or not any(c.isspace() for c in text))
    )


def _rows(currency: str) -> st.SearchStrategy[list[CatalogRow]]:
    """Catalogue rows that are valid and have distinct skus."""
    aliases = st.lists(_text(30), max_size=4, unique_by=str.casefold).map(tuple)
    row = st.builds(
        CatalogRow,
        # Villagers' produce (PRD-...) is never in a catalog file.
        sku=_text(64, allow_spaces=False).filter(lambda sku: not catalog_csv.is_produce_sku(sku)),
        name=_text(200),
        category=_text(100),
        price=st.integers(min_value=1, max_value=10**12).map(lambda minor: Money(minor, currency)),
        unit=_text(30),
        stock=st.none() | st.integers(min_value=0, max_value=1_000_000_000),
        aliases=aliases,
    )
    return st.lists(row, min_size=1, max_size=8, unique_by=lambda r: r.sku.casefold())


@given(rows=_rows("IDR"))
def test_export_then_import_gives_the_same_rows_idr(rows: list[CatalogRow]) -> None:
    assert parse_catalog_csv(export_catalog_csv(rows), "IDR") == rows


@given(rows=_rows("CNY"))
def test_export_then_import_gives_the_same_rows_cny(rows: list[CatalogRow]) -> None:
    assert parse_catalog_csv(export_catalog_csv(rows), "CNY") == rows


def test_header_constant_matches_export() -> None:
    assert export_catalog_csv([]).strip() == ",".join(HEADER)


def test_sample_catalog_parses() -> None:
    rows = parse_catalog_csv(SAMPLE_CATALOG.read_text(encoding="utf-8"), "IDR")
    by_sku = {row.sku: row for row in rows}
    assert 55 <= len(rows) <= 80
    assert by_sku["SBK-BRS-M5"].price == Money(72000, "IDR")
    assert by_sku["RMT-LPG3"].unit == "tabung"
    assert "endog" in by_sku["SBK-TLR-1"].aliases
    assert any(row.stock is None for row in rows)
    assert any(row.stock is not None for row in rows)
    assert {"Sembako", "Dapur", "Minuman", "Kebersihan", "Rumah Tangga", "Pertanian"} <= {
        row.category for row in rows
    }


def test_a_file_cannot_set_a_villagers_produce() -> None:
    text = (
        "sku,name,category,price,unit\n"
        "prd-7,Kangkung,Hasil Bumi,1000,ikat\n"
        "PRDX-1,Prada,Sembako,1000,bungkus\n"  # only the PRD- prefix is kept
    )
    assert errors_of(text) == [(2, "skus starting with PRD- are kept for villagers' produce")]
