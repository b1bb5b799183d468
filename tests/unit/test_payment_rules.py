"""The payment rules: what may be recorded on a request, and what may be paid back on a tab."""

from __future__ import annotations

import pytest

from bot.domain.payments import (
    LedgerKind,
    Payment,
    PaymentRefusal,
    PaymentRefused,
    PayMethod,
    check_payment,
    check_repayment,
    closes_payment,
    payment_entry,
    repayment_entry,
)
from bot.domain.pipeline import RequestStatus as S


def refusal(call: object, *args: object, **kwargs: object) -> PaymentRefusal:
    with pytest.raises(PaymentRefused) as caught:
        call(*args, **kwargs)  # type: ignore[operator]
    return caught.value.reason


@pytest.mark.parametrize("status", [S.APPROVED, S.READY, S.OUT_FOR_DELIVERY, S.COMPLETED])
@pytest.mark.parametrize("paid", [Payment.CASH, Payment.QRIS])
def test_an_approved_request_may_be_paid(status: S, paid: Payment) -> None:
    check_payment(status, Payment.UNPAID, paid, 25_000)


@pytest.mark.parametrize("status", [S.SUBMITTED, S.QUOTED, S.ACCEPTED, S.REJECTED, S.CANCELLED])
def test_nothing_is_paid_before_approval_or_after_a_refusal(status: S) -> None:
    assert refusal(check_payment, status, Payment.UNPAID, Payment.CASH, 25_000) == (
        PaymentRefusal.NOT_PAYABLE
    )


@pytest.mark.parametrize("recorded", [Payment.CASH, Payment.QRIS, Payment.CREDIT, Payment.CLOSED])
def test_a_payment_is_recorded_once(recorded: Payment) -> None:
    reason = refusal(check_payment, S.APPROVED, recorded, Payment.CASH, 25_000)
    assert reason == PaymentRefusal.ALREADY_RECORDED


def test_credit_needs_a_limit_and_stays_within_it() -> None:
    assert refusal(check_payment, S.APPROVED, Payment.UNPAID, Payment.CREDIT, 10_000) == (
        PaymentRefusal.CREDIT_OFF
    )
    check_payment(
        S.APPROVED,
        Payment.UNPAID,
        Payment.CREDIT,
        10_000,
        owed_minor=40_000,
        credit_limit_minor=50_000,
    )
    reason = refusal(
        check_payment,
        S.APPROVED,
        Payment.UNPAID,
        Payment.CREDIT,
        10_001,
        owed_minor=40_000,
        credit_limit_minor=50_000,
    )
    assert reason == PaymentRefusal.OVER_LIMIT


def test_a_repayment_is_positive_and_never_more_than_is_owed() -> None:
    check_repayment(5_000, 5_000)
    assert refusal(check_repayment, 0, 5_000) == PaymentRefusal.NOT_POSITIVE
    assert refusal(check_repayment, 5_001, 5_000) == PaymentRefusal.OVER_OWED
    assert refusal(check_repayment, 1, 0) == PaymentRefusal.NOTHING_OWED


def test_ledger_rows_move_the_debt_only_for_credit_and_repayment() -> None:
    cash = payment_entry(1, 7, 3, Payment.CASH, 25_000, "IDR", 500)
    credit = payment_entry(1, 7, 4, Payment.CREDIT, 25_000, "IDR", 500)
    back = repayment_entry(1, 7, PayMethod.QRIS, 10_000, "IDR", 500)
    assert (cash.kind, cash.method, cash.owed_change_minor) == (LedgerKind.CASH, PayMethod.CASH, 0)
    assert (credit.kind, credit.method, credit.owed_change_minor) == (
        LedgerKind.CREDIT,
        None,
        25_000,
    )
    assert (back.kind, back.request_id, back.owed_change_minor) == (
        LedgerKind.REPAYMENT,
        None,
        -10_000,
    )


def test_only_an_unpaid_request_closes_when_cancelled_or_rejected() -> None:
    assert closes_payment(S.CANCELLED, Payment.UNPAID)
    assert closes_payment(S.REJECTED, Payment.UNPAID)
    assert not closes_payment(S.REJECTED, Payment.CASH)
    assert not closes_payment(S.COMPLETED, Payment.UNPAID)
