"""What a person is told about a sheet that was not imported, in their own language."""

from __future__ import annotations

import json
from enum import StrEnum

import pytest

from bot.domain.catalog_csv import CatalogProblem
from bot.domain.prices_csv import PricesProblem, parse_prices_csv
from bot.domain.sheet import RowError, SheetError, SheetProblem
from bot.views.sheet_texts import problem_text, rejected_text
from bot.views.texts import LOCALE_DIR, LOCALES

HEADER_LINE = "kind,operator,code,name,price,commission\n"
BAD_PRICE_LIST = (
    HEADER_LINE
    + "topup,telkomsel,TSEL-1,Pulsa 1.000,2000,\n"  # line 2 is fine
    + "topup,simpati,SMP-5,Pulsa 5.000,6500,1000\n"  # line 3: no such operator
    + "topup,xl,xl-P5,Pulsa 5.000,6500,7000\n"  # line 4: commission above the price
    + "pulsa,xl,tsel-1,Pulsa,1000,\n"  # line 5: unknown kind
)
OPERATORS = "telkomsel, indosat, xl, axis, smartfren, tri"
KINDS = "topup, bill, ticket, lodging"
PROBLEMS: tuple[type[StrEnum], ...] = (SheetProblem, CatalogProblem, PricesProblem)


def errors_of(text: str, currency: str = "IDR") -> list[RowError]:
    with pytest.raises(SheetError) as caught:
        parse_prices_csv(text, currency)
    return caught.value.errors


@pytest.mark.parametrize("locale", LOCALES)
def test_every_problem_of_every_sheet_has_its_text(locale: str) -> None:
    with (LOCALE_DIR / f"{locale}.json").open(encoding="utf-8") as file:
        texts = json.load(file)
    missing = [member.value for kind in PROBLEMS for member in kind if member.value not in texts]
    assert missing == []


def test_an_indonesian_manager_reads_the_price_list_errors_in_indonesian() -> None:
    shown = rejected_text("id", errors_of(BAD_PRICE_LIST))

    assert shown.startswith("❌ Tidak ada yang diimpor: file ini punya 3 masalah.")
    assert f"• baris 3: operator 'simpati' bukan salah satu dari: {OPERATORS}" in shown
    assert "• baris 4: komisi lebih besar dari harga" in shown
    assert f"• baris 5: kind 'pulsa' tidak dikenal (isi salah satu: {KINDS})" in shown


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("id", "tidak ada harga: file kosong"),
        ("en", "no prices: the file is empty"),
        ("zh", "没有价目：文件是空的"),
    ],
)
def test_an_empty_price_list_is_named_in_each_language(locale: str, expected: str) -> None:
    (error,) = errors_of("")
    assert problem_text(locale, error.problem) == expected


def test_a_chinese_manager_reads_a_repeated_code_in_chinese() -> None:
    text = HEADER_LINE + "topup,cmcc,H30,话费,30,\ntopup,unicom,h30,话费,30,\n"
    (error,) = errors_of(text, "CNY")
    assert problem_text("zh", error.problem) == "code 'h30' 已在第 2 行使用"


def test_values_from_the_file_are_escaped_in_the_chat_but_not_in_the_terminal() -> None:
    (error,) = errors_of(HEADER_LINE + "topup,<b>,X1,Pulsa,1000,\n")
    assert "operator '&lt;b&gt;' bukan" in rejected_text("id", [error])
    assert problem_text("en", error.problem).startswith("operator '<b>' is not one of:")
