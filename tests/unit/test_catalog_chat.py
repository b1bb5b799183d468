"""Reading a catalog file sent in the chat, typed stock and prices, and skus made from names."""

from __future__ import annotations

import pytest

from bot.domain.catalog_chat import (
    MAX_UPLOAD_BYTES,
    BadNumber,
    UploadProblem,
    new_sku,
    parse_price,
    parse_stock,
    shown_errors,
    text_problem,
    upload_problem,
    upload_text,
)
from bot.domain.catalog_csv import parse_catalog_csv
from bot.domain.sheet import RowError, SheetError, SheetProblem, problem


@pytest.mark.parametrize(
    ("filename", "mime_type", "size", "problem"),
    [
        ("leping.csv", "text/csv", 300, None),
        ("LEPING.CSV", "application/vnd.ms-excel", 300, None),
        ("leping.csv", None, None, None),
        (None, "text/csv", 300, None),
        ("export.txt", "text/plain", 300, None),
        ("leping.csv", "text/csv", MAX_UPLOAD_BYTES + 1, UploadProblem.TOO_BIG),
        ("katalog.xlsx", "application/vnd.openxmlformats", 300, UploadProblem.SPREADSHEET),
        ("katalog.ods", None, 300, UploadProblem.SPREADSHEET),
        ("foto.jpg", "image/jpeg", 300, UploadProblem.NOT_CSV),
        ("notes.txt", "application/octet-stream", 300, UploadProblem.NOT_CSV),
        (None, None, 300, UploadProblem.NOT_CSV),
    ],
)
def test_files_are_judged_by_name_type_and_size(
    filename: str | None, mime_type: str | None, size: int | None, problem: UploadProblem | None
) -> None:
    assert upload_problem(filename, mime_type, size) is problem


def test_the_text_of_a_file_drops_the_byte_order_mark() -> None:
    assert upload_text("\ufeffsku,name\n".encode()) == "sku,name\n"
    assert upload_text("Café".encode("latin-1")) is UploadProblem.NOT_UTF8
    assert upload_text(b"sku\x00name") is UploadProblem.NOT_CSV
    assert upload_text(b"x" * (MAX_UPLOAD_BYTES + 1)) is UploadProblem.TOO_BIG


def test_only_the_first_twenty_errors_are_named_each_cut_short() -> None:
    long_name = problem(SheetProblem.EMPTY, column="x" * 500)
    errors = [RowError(line, long_name) for line in range(2, 32)]
    shown, more = shown_errors(errors)
    assert [error.line for error in shown] == list(range(2, 22)) and more == 10
    columns = [error.problem.values["column"] for error in shown]
    assert all(len(column) == 70 and column.endswith("…") for column in columns)
    few = [RowError(2, problem(SheetProblem.ZERO_PRICE))]
    assert shown_errors(few) == (few, 0)


@pytest.mark.parametrize(("text", "stock"), [("0", 0), (" 12 ", 12), ("-", None)])
def test_stock_is_a_whole_number_or_not_counted(text: str, stock: int | None) -> None:
    assert parse_stock(text) == stock


@pytest.mark.parametrize("text", ["", "-1", "2.5", "lima", "1e3", "٣", "99999999999", "--"])
def test_other_stock_is_refused(text: str) -> None:
    with pytest.raises(BadNumber):
        parse_stock(text)


def test_prices_are_read_as_people_type_them() -> None:
    assert parse_price("19500", "IDR").minor == 19500
    assert parse_price("19.500", "IDR").minor == 19500
    assert parse_price("Rp 19.500", "IDR").minor == 19500
    assert parse_price("19,5rb", "IDR").minor == 19500
    assert parse_price("12.50", "CNY").minor == 1250
    for text, currency in [("19,5", "IDR"), ("0", "IDR"), ("-5", "IDR"), ("abc", "CNY")]:
        with pytest.raises(BadNumber):
            parse_price(text, currency)


def test_typed_names_must_be_one_short_line() -> None:
    assert text_problem("Gula Aren", 200) is None
    assert text_problem("", 200) == "empty"
    assert text_problem("x" * 31, 30) == "long"
    assert text_problem("Gula\nAren", 200) == "lines"


def test_skus_are_made_from_names_and_never_reused() -> None:
    assert new_sku("Gula Aren 1 kg", []) == "GULA-AREN-1-KG"
    assert new_sku("Gula Aren 1 kg", ["gula-aren-1-kg", "GULA-AREN-1-KG-2"]) == "GULA-AREN-1-KG-3"
    assert new_sku("Kerupuk Udang <Sidoarjo> & Co", []) == "KERUPUK-UDANG-SIDOARJO-C"
    assert new_sku("Kopi Bubuk Kapal Api Spesial 165 gram", []) == "KOPI-BUBUK-KAPAL-API-SPE"
    assert new_sku("Café Crème", []) == "CAFE-CREME"
    assert new_sku("蜂蜜", []) == "P-1"
    assert new_sku("大米", ["P-1", "p-2"]) == "P-3"
    assert " " not in new_sku("  ", [])


def test_long_values_in_errors_are_cut_for_the_chat() -> None:
    header = "sku,name,category,price,unit," + ",".join(f"kolom{n}" for n in range(40))
    with pytest.raises(SheetError) as raised:
        parse_catalog_csv(header + "\n", "IDR")
    (shown,), more = shown_errors(raised.value.errors)
    assert more == 0 and shown.problem.key == SheetProblem.UNKNOWN_COLUMNS
    assert len(shown.problem.values["columns"]) == 70
