"""When a villager may get a QR code to pay a request, and what it holds."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from bot.domain.entities import Center, ServiceRequest
from bot.domain.pipeline import RequestKind, RequestStatus
from bot.domain.qris import parse_qris, with_amount

# The payment column's value until someone records money (requests.payment, migration 0014).
UNPAID: Final = "unpaid"
# Approved and after: the center has agreed to the price, so it is owed.
PAYABLE: Final = frozenset(
    {
        RequestStatus.APPROVED,
        RequestStatus.READY,
        RequestStatus.OUT_FOR_DELIVERY,
        RequestStatus.COMPLETED,
    }
)
# Still waiting for the manager (or for the villager's yes to a quote).
NOT_YET: Final = frozenset({RequestStatus.SUBMITTED, RequestStatus.QUOTED, RequestStatus.ACCEPTED})


class NoQr(StrEnum):
    """Why a villager gets no QR for a request (each value is a locale key's last part)."""

    NOT_FOUND = "not_found"
    NOT_YET = "not_yet"
    CLOSED = "closed"
    PAID = "paid"
    CASH_ONLY = "cash_only"


@dataclass(frozen=True)
class QrToPay:
    """What to draw: the QR's content, how much it is for, and whose it is."""

    request: ServiceRequest
    center: Center
    content: str
    # True: a QRIS payload that carries the amount; False: a payee QR shown beside the amount.
    carries_amount: bool
    merchant: str


def has_qr(center: Center) -> bool:
    """Whether the center takes payment by QR code (QRIS, or a CNY center's payee QR)."""
    if center.currency == "CNY":
        return bool(center.payee_qr)
    return bool(center.qris_payload)


def offers_qr(request: ServiceRequest, center: Center) -> bool:
    """Whether a Pay button belongs beside this request (its payment aside)."""
    return payable(request) and has_qr(center)


def payable(request: ServiceRequest) -> bool:
    """Whether the villager owes the center this request's total now."""
    return (
        request.kind is not RequestKind.PRODUCE  # the villager sells: the center pays them
        and request.status in PAYABLE
        and request.total.minor > 0
    )


def refusal(request: ServiceRequest, payment: str, center: Center) -> NoQr | None:
    """Why no QR can be given for this request now; None when one can."""
    if request.kind is RequestKind.PRODUCE:
        return NoQr.NOT_FOUND
    if request.status in NOT_YET:
        return NoQr.NOT_YET
    if not payable(request):
        return NoQr.CLOSED
    if payment != UNPAID:
        return NoQr.PAID
    return None if has_qr(center) else NoQr.CASH_ONLY


def qr_to_pay(request: ServiceRequest, center: Center) -> QrToPay:
    """The QR for paying `request` at `center` (which has one: see `refusal`)."""
    if center.currency == "CNY" or center.qris_payload is None:
        content = center.payee_qr or ""
        return QrToPay(request, center, content, carries_amount=False, merchant=center.name)
    static = parse_qris(center.qris_payload)
    dynamic = with_amount(static, request.total)
    return QrToPay(request, center, dynamic, carries_amount=True, merchant=static.merchant_name)
