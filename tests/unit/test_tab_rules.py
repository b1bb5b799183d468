"""The kasbon book's rules: repayments settle the oldest credit first, reminders wait a week,
amounts are read as shopkeepers type them, and a tab reads as a villager expects."""

from __future__ import annotations

import pytest

from bot.domain.money import MoneyError
from bot.domain.payments import LedgerKind, PayMethod
from bot.domain.pipeline import RequestKind
from bot.domain.tabs import (
    DAY_S,
    REMINDER_GAP_S,
    Tab,
    TabLine,
    age_in_days,
    may_remind,
    next_reminder_at,
    oldest_unpaid_at,
    open_credits,
    parse_amount,
    parse_credit_limit,
)
from bot.views import callbacks
from bot.views.tab_texts import age_text, tab_text
from bot.views.texts import t

# 5 December 2026, 10:00 in Jakarta.
DEC_5 = 1_796_439_600.0


def credit(request_id: int, minor: int, at: float = DEC_5) -> TabLine:
    return TabLine(LedgerKind.CREDIT, request_id, RequestKind.GOODS, None, minor, minor, at)


def repayment(minor: int, at: float = DEC_5, method: PayMethod = PayMethod.CASH) -> TabLine:
    return TabLine(LedgerKind.REPAYMENT, None, None, method, minor, -minor, at)


def test_repayments_settle_the_oldest_credit_first() -> None:
    lines = (credit(1, 18_000), credit(2, 72_000), repayment(50_000), credit(3, 5_000))

    assert [(c.line.request_id, c.left_minor) for c in open_credits(lines)] == [
        (1, 0),
        (2, 40_000),
        (3, 5_000),
    ]
    assert Tab(1, 7, "IDR", lines).balance_minor == 45_000


def test_the_oldest_unpaid_credit_moves_on_as_credits_are_paid_off() -> None:
    first, second = credit(1, 10_000, DEC_5), credit(2, 10_000, DEC_5 + DAY_S)
    assert oldest_unpaid_at((first, second)) == DEC_5
    assert oldest_unpaid_at((first, second, repayment(10_000))) == DEC_5 + DAY_S
    assert oldest_unpaid_at((first, second, repayment(20_000))) is None


def test_a_reminder_waits_a_week_after_the_last() -> None:
    assert may_remind(None, DEC_5)
    assert not may_remind(DEC_5, DEC_5)
    assert not may_remind(DEC_5, DEC_5 + REMINDER_GAP_S - 1)
    assert may_remind(DEC_5, DEC_5 + REMINDER_GAP_S)
    assert next_reminder_at(DEC_5) == DEC_5 + 7 * DAY_S


@pytest.mark.parametrize(
    ("typed", "currency", "minor"),
    [
        ("50000", "IDR", 50_000),
        ("50rb", "IDR", 50_000),
        ("50 ribu", "IDR", 50_000),
        ("Rp 50.000", "IDR", 50_000),
        ("1.250.000", "IDR", 1_250_000),
        ("1,5jt", "IDR", 1_500_000),
        ("2 juta", "IDR", 2_000_000),
        ("50K", "IDR", 50_000),
        ("12.50", "CNY", 1_250),
        ("¥12", "CNY", 1_200),
    ],
)
def test_amounts_are_read_as_shopkeepers_type_them(typed: str, currency: str, minor: int) -> None:
    assert parse_amount(typed, currency) == minor


@pytest.mark.parametrize(
    "typed", ["", "lima puluh", "-5000", "50.00", "1.5.0jt", "50rbu", "1,5", "0.5rb.", "9" * 50]
)
def test_nonsense_amounts_are_refused(typed: str) -> None:
    with pytest.raises(MoneyError):
        parse_amount(typed, "IDR")


def test_a_credit_limit_of_off_or_zero_is_no_credit() -> None:
    assert parse_credit_limit("off", "IDR") == 0
    assert parse_credit_limit("OFF", "IDR") == 0
    assert parse_credit_limit("0", "IDR") == 0
    assert parse_credit_limit("200rb", "IDR") == 200_000
    assert parse_credit_limit("200000", "IDR") == 200_000
    with pytest.raises(MoneyError):
        parse_credit_limit("banyak", "IDR")


def test_ages_count_whole_days() -> None:
    assert age_in_days(DEC_5, DEC_5 + DAY_S - 1) == 0
    assert age_in_days(DEC_5, DEC_5 + 15 * DAY_S) == 15
    assert age_text(DEC_5, DEC_5 + 3600, "en") == "since today"
    assert age_text(DEC_5, DEC_5 + 15 * DAY_S, "en") == "oldest unpaid 15 days"
    assert age_text(DEC_5, DEC_5 + 15 * DAY_S, "id") == "utang terlama 15 hari"


def test_a_tab_shows_each_request_the_repayments_and_the_balance() -> None:
    lines = (credit(1, 18_000), credit(2, 72_000), repayment(50_000, DEC_5 + DAY_S))

    assert tab_text(Tab(1, 7, "IDR", lines), "Kios Desa Leping", "en") == (
        "📒 <b>Your tab at Kios Desa Leping</b>, oldest first\n"
        "<s>#1 · Goods order · Dec 5, 2026 · IDR18,000</s> ✓ paid\n"
        "<b>#2</b> · Goods order · Dec 5, 2026 · IDR72,000 (IDR40,000 still open)\n"
        "💵 Dec 6, 2026 · you paid back IDR50,000 (cash)\n\n"
        "<b>You owe IDR40,000.</b> Please pay at the center when you can."
    )
    cleared = (*lines, repayment(40_000, DEC_5 + DAY_S, PayMethod.QRIS))
    assert tab_text(Tab(1, 7, "IDR", cleared), "Kios", "id") == t("id", "tab.clear", center="Kios")


def test_a_tab_button_carries_any_telegram_user_id_and_forged_ones_parse_to_nothing() -> None:
    big = 7_123_456_789_012
    data = callbacks.tab_button(3, callbacks.TAB_PAY, big)
    assert len(data.encode()) <= callbacks.MAX_BYTES
    assert callbacks.parse_tab(data) == (3, "p", big)
    assert callbacks.parse_tab(callbacks.tab_button(3, callbacks.TAB_REMIND, 42)) == (3, "r", 42)
    for forged in ("tab:3:x12", "tab:3:p0", "tab:3:p", "tab:3", "tbp:3:p12", "tab:3:p12:9", None):
        assert callbacks.parse_tab(forged) is None
    with pytest.raises(ValueError):
        callbacks.tab_button(3, "z", 42)
