"""Paying by QR code: a center keeps its QRIS (or payee QR), a villager gets one to pay."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain.entities import Center
from bot.domain.errors import RecordNotFound
from bot.domain.pay_by_qr import UNPAID, NoQr, QrToPay, qr_to_pay, refusal
from bot.domain.qris import InvalidQris, QrisRefusal, payee_content, static_qris
from storage import Storage

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SavedQr:
    """A center after its payment QR was stored, and what was read from a QRIS."""

    center: Center
    merchant: str | None = None
    city: str | None = None


async def save_center_qr(store: Storage, center: Center, text: str) -> SavedQr:
    """Keep `text` as the center's QRIS (IDR) or payee QR (CNY); InvalidQris if unusable."""
    if center.currency == "CNY":  # a wallet's link: no EMVCo rules to check
        return SavedQr(await store.centers.set_payee_qr(center.code, payee_content(text)))
    qris = static_qris(text)
    saved = await store.centers.set_qris(center.code, qris.payload)
    return SavedQr(saved, qris.merchant_name, qris.merchant_city)


async def save_photographed_qr(store: Storage, center: Center, codes: Sequence[str]) -> SavedQr:
    """Keep the first usable one of the QR codes read from a photo; else InvalidQris of the
    first (EMPTY when the photo held none)."""
    first: InvalidQris | None = None
    for code in codes:
        try:
            return await save_center_qr(store, center, code)
        except InvalidQris as refused:
            first = first or refused
    raise first or InvalidQris(QrisRefusal.EMPTY)


async def qr_for(store: Storage, villager_id: int, request_id: int) -> QrToPay | NoQr:
    """The QR code for this villager to pay their request, or why there is none."""
    try:
        request = await store.requests.get(request_id)
    except RecordNotFound:
        return NoQr.NOT_FOUND
    if request.villager_id != villager_id:  # someone else's number: as if it did not exist
        return NoQr.NOT_FOUND
    center = await store.centers.get(request.center_id)
    payment = await store.qr_payments.payment_of(request_id) or UNPAID
    reason = refusal(request, payment, center)
    if reason is not None:
        return reason
    try:
        return qr_to_pay(request, center)
    except InvalidQris as broken:  # stored before a rule it breaks: the center takes cash
        log.warning("center %s has an unusable QRIS: %s", center.code, broken.reason)
        return NoQr.CASH_ONLY
