"""Amounts as people type them: Indonesian shorthands, currency signs, and clear refusals."""

from __future__ import annotations

import pytest

from bot.domain.amounts import (
    AmountProblem,
    AmountRefused,
    parse_amount,
    split_amounts,
    trailing_amount,
)
from bot.domain.money import Money, MoneyError


@pytest.mark.parametrize(
    ("typed", "rupiah"),
    [
        ("25000", 25_000),
        ("25.000", 25_000),
        ("1.500.000", 1_500_000),
        ("300rb", 300_000),
        ("300 rb", 300_000),
        ("300 ribu", 300_000),
        ("300RB", 300_000),
        ("1,5 jt", 1_500_000),
        ("1.5jt", 1_500_000),
        ("1,25 juta", 1_250_000),
        ("2 juta", 2_000_000),
        ("Rp 25.000", 25_000),
        ("Rp25.000,-", 25_000),
        ("Rp. 25.000", 25_000),
        ("rp 1,5jt", 1_500_000),
        ("25.000 rupiah", 25_000),
        ("25000 IDR", 25_000),
        ("25k", 25_000),
        ("2.5k", 2_500),
        ("1,000", 1_000),
        ("1,000,000", 1_000_000),
        ("15000.00", 15_000),
        ("２５０００", 25_000),  # a full-width keyboard
        ("0", 0),
    ],
)
def test_rupiah_as_indonesians_type_them(typed: str, rupiah: int) -> None:
    assert parse_amount(typed, "IDR") == Money(rupiah, "IDR")


@pytest.mark.parametrize(
    ("typed", "fen"),
    [
        ("25", 2_500),
        ("12.50", 1_250),
        ("12.5", 1_250),
        ("¥12.50", 1_250),
        ("￥12.50", 1_250),
        ("12.5元", 1_250),
        ("12.5 yuan", 1_250),
        ("30块", 3_000),
        ("5万", 5_000_000),
        ("1,000.50", 100_050),
        ("1.000,50", 100_050),
        ("2k", 200_000),
    ],
)
def test_yuan_and_english_amounts_still_work(typed: str, fen: int) -> None:
    assert parse_amount(typed, "CNY") == Money(fen, "CNY")


@pytest.mark.parametrize(
    ("typed", "currency", "problem"),
    [
        ("", "IDR", AmountProblem.EMPTY),
        ("   ", "IDR", AmountProblem.EMPTY),
        ("abc", "IDR", AmountProblem.NOT_A_NUMBER),
        ("dua puluh ribu", "IDR", AmountProblem.NOT_A_NUMBER),
        ("rb", "IDR", AmountProblem.NOT_A_NUMBER),
        ("2 300", "IDR", AmountProblem.NOT_A_NUMBER),
        ("25000" * 10, "IDR", AmountProblem.NOT_A_NUMBER),
        ("nan", "CNY", AmountProblem.NOT_A_NUMBER),
        ("1e5", "IDR", AmountProblem.NOT_A_NUMBER),
        ("-3", "IDR", AmountProblem.NEGATIVE),
        ("Rp -3.000", "IDR", AmountProblem.NEGATIVE),
        ("−5", "CNY", AmountProblem.NEGATIVE),
        ("1,5,5", "IDR", AmountProblem.GROUPING),
        ("1.50.000", "IDR", AmountProblem.GROUPING),
        ("1234.567", "IDR", AmountProblem.GROUPING),
        ("1.5000", "CNY", AmountProblem.GROUPING),
        ("1,5", "IDR", AmountProblem.DECIMALS),
        ("25.5", "IDR", AmountProblem.DECIMALS),
        ("0,0001 rb", "IDR", AmountProblem.GROUPING),
        ("1.234,5", "IDR", AmountProblem.DECIMALS),
        ("1.000,505", "CNY", AmountProblem.DECIMALS),
        ("9999999999999", "IDR", AmountProblem.TOO_LARGE),
        ("99999999999999999999", "IDR", AmountProblem.TOO_LARGE),
        ("2000000 jt", "IDR", AmountProblem.TOO_LARGE),
        ("¥20", "IDR", AmountProblem.CURRENCY),
        ("20元", "IDR", AmountProblem.CURRENCY),
        ("Rp 25.000", "CNY", AmountProblem.CURRENCY),
    ],
)
def test_unreadable_amounts_are_refused_with_a_reason(
    typed: str, currency: str, problem: AmountProblem
) -> None:
    with pytest.raises(AmountRefused) as refused:
        parse_amount(typed, currency)
    assert refused.value.problem is problem
    assert isinstance(refused.value, MoneyError)  # callers that catch MoneyError still do


def test_several_amounts_in_one_line_are_read_word_by_word() -> None:
    rupiah = [Money(150_000, "IDR"), Money(2_500, "IDR")]
    assert split_amounts("150000 2500", "IDR", most=2) == rupiah
    assert split_amounts("150rb 2.500", "IDR", most=2) == rupiah
    assert split_amounts("Rp 150.000 Rp 2.500", "IDR", most=2) == rupiah
    assert split_amounts("1,5 jt", "IDR", most=2) == [Money(1_500_000, "IDR")]
    with pytest.raises(AmountRefused):
        split_amounts("1 2 3", "IDR", most=2)
    with pytest.raises(AmountRefused) as refused:
        split_amounts("150rb abc", "IDR", most=2)
    assert refused.value.problem is AmountProblem.NOT_A_NUMBER


def test_a_line_ends_with_its_price() -> None:
    assert trailing_amount(["Bus", "pagi", "Rp", "300.000"], "IDR") == (2, Money(300_000, "IDR"))
    assert trailing_amount(["Kamar", "2", "300rb"], "IDR") == (1, Money(300_000, "IDR"))
    assert trailing_amount(["Hotel", "1,5", "jt"], "IDR") == (2, Money(1_500_000, "IDR"))
