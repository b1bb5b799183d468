"""Payment beside fulfilment: how a request was paid, and the kasbon (credit) book's rules.

A request's payment is its own state: it never changes what fulfilment allows, and fulfilment
never changes it, except that cancelling or rejecting an unpaid request closes it. Money moves
are rows of an append-only ledger (storage/ledger.py); a villager's debt at a center is the sum
of the ledger's `owed_change` over their rows, never a number overwritten.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.domain.pipeline import SALE_KINDS, RequestKind, RequestStatus


class Payment(StrEnum):
    """How a request stands with money."""

    UNPAID = "unpaid"
    CASH = "cash"  # paid in cash, at the counter or on delivery
    QRIS = "qris"  # paid by QRIS; the manager saw the money in their app
    CREDIT = "credit"  # on the villager's tab (kasbon)
    CLOSED = "closed"  # cancelled or rejected before anything was paid


class LedgerKind(StrEnum):
    """What one ledger row records."""

    CASH = "cash"  # a request paid in cash
    QRIS = "qris"  # a request paid by QRIS
    CREDIT = "credit"  # a request put on the tab: the villager owes its amount
    REPAYMENT = "repayment"  # money paid back on the tab (method: cash or qris)


class PayMethod(StrEnum):
    """How money changed hands."""

    CASH = "cash"
    QRIS = "qris"


class PaymentRefusal(StrEnum):
    """Why a payment cannot be recorded."""

    ALREADY_RECORDED = "already_recorded"  # the request's payment is recorded already
    NOT_PAYABLE = "not_payable"  # not approved yet, or cancelled/rejected
    CREDIT_OFF = "credit_off"  # the center gives no credit
    OVER_LIMIT = "over_limit"  # the villager would owe more than the center's limit
    NOTHING_OWED = "nothing_owed"  # a repayment with no debt
    OVER_OWED = "over_owed"  # a repayment larger than the debt
    NOT_POSITIVE = "not_positive"  # an amount of zero or less
    STALE = "stale"  # pressed on a card showing an older quote than the request has now


class PaymentRefused(Exception):
    """The payment does not apply; `reason` says why.

    A refused credit carries what the villager owes and the center's limit, for the answer.
    """

    def __init__(
        self,
        reason: PaymentRefusal,
        *,
        owed_minor: int | None = None,
        limit_minor: int | None = None,
    ) -> None:
        """Keep the reason (and, for credit, the numbers behind it)."""
        self.reason = reason
        self.owed_minor = owed_minor
        self.limit_minor = limit_minor
        super().__init__(reason)


# A request's price is settled once it is approved; before that there is nothing to pay.
PAYABLE_STATUSES = frozenset(
    {
        RequestStatus.APPROVED,
        RequestStatus.READY,
        RequestStatus.OUT_FOR_DELIVERY,
        RequestStatus.COMPLETED,
    }
)


def payable(kind: RequestKind, status: RequestStatus) -> bool:
    """Whether a request of `kind` in `status` has a price to record a payment for (a
    villager's produce offer is no sale of the center: its buyers pay)."""
    return kind in SALE_KINDS and status in PAYABLE_STATUSES


LEDGER_KIND = {Payment.CASH: LedgerKind.CASH, Payment.QRIS: LedgerKind.QRIS}
LEDGER_KIND[Payment.CREDIT] = LedgerKind.CREDIT


@dataclass(frozen=True)
class LedgerEntry:
    """One money event, as the ledger stores it (amounts in the center's minor units)."""

    center_id: int
    villager_id: int
    request_id: int | None
    kind: LedgerKind
    method: PayMethod | None
    amount_minor: int
    owed_change_minor: int
    currency: str
    actor_id: int | None


def check_payment(
    status: RequestStatus,
    current: Payment,
    wanted: Payment,
    amount_minor: int,
    *,
    owed_minor: int = 0,
    credit_limit_minor: int = 0,
) -> None:
    """Raise PaymentRefused unless `wanted` may be recorded for a request in this state.

    `owed_minor` is what the villager owes the center now; credit is refused when it would
    take them past `credit_limit_minor` (0: the center gives no credit).
    """
    if wanted not in LEDGER_KIND:
        raise ValueError(f"{wanted} is not something to record")
    if current is not Payment.UNPAID:
        raise PaymentRefused(PaymentRefusal.ALREADY_RECORDED)
    if status not in PAYABLE_STATUSES or amount_minor <= 0:
        raise PaymentRefused(PaymentRefusal.NOT_PAYABLE)
    if wanted is Payment.CREDIT:
        numbers = {"owed_minor": owed_minor, "limit_minor": credit_limit_minor}
        if credit_limit_minor <= 0:
            raise PaymentRefused(PaymentRefusal.CREDIT_OFF, **numbers)
        if owed_minor + amount_minor > credit_limit_minor:
            raise PaymentRefused(PaymentRefusal.OVER_LIMIT, **numbers)


def check_repayment(amount_minor: int, owed_minor: int) -> None:
    """Raise PaymentRefused unless `amount_minor` may be paid back on a debt of `owed_minor`."""
    if amount_minor <= 0:
        raise PaymentRefused(PaymentRefusal.NOT_POSITIVE)
    if owed_minor <= 0:
        raise PaymentRefused(PaymentRefusal.NOTHING_OWED)
    if amount_minor > owed_minor:
        raise PaymentRefused(PaymentRefusal.OVER_OWED)


def payment_entry(
    center_id: int,
    villager_id: int,
    request_id: int | None,
    payment: Payment,
    amount_minor: int,
    currency: str,
    actor_id: int | None,
) -> LedgerEntry:
    """The ledger row recording a request's payment (credit adds its amount to the debt)."""
    kind = LEDGER_KIND[payment]
    owed = amount_minor if kind is LedgerKind.CREDIT else 0
    method = PayMethod(payment.value) if kind is not LedgerKind.CREDIT else None
    return LedgerEntry(
        center_id, villager_id, request_id, kind, method, amount_minor, owed, currency, actor_id
    )


def repayment_entry(
    center_id: int,
    villager_id: int,
    method: PayMethod,
    amount_minor: int,
    currency: str,
    actor_id: int | None,
) -> LedgerEntry:
    """The ledger row recording money paid back on a villager's tab."""
    return LedgerEntry(
        center_id,
        villager_id,
        None,
        LedgerKind.REPAYMENT,
        method,
        amount_minor,
        -amount_minor,
        currency,
        actor_id,
    )


def closes_payment(target: RequestStatus, current: Payment) -> bool:
    """Whether moving a request to `target` closes its payment (an unpaid one cancelled or
    rejected: there is nothing left to pay)."""
    closing = target in (RequestStatus.CANCELLED, RequestStatus.REJECTED)
    return closing and current is Payment.UNPAID
