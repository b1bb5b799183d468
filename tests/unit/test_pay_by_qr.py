"""Who gets a QR code to pay which request, and the picture they get: the code read back, and
the amount and payee written under it."""

from __future__ import annotations

import dataclasses
import io

import pytest
import zxingcpp
from PIL import Image

from bot.domain.entities import Center, ServiceRequest
from bot.domain.money import Money
from bot.domain.pay_by_qr import NoQr, offers_qr, qr_to_pay, refusal
from bot.domain.pipeline import RequestKind, RequestStatus
from bot.domain.qris import parse_qris
from bot.views import payment_qr
from bot.views.pay_texts import payment_png, picture_lines
from tests.unit.test_qris import STICKER

LEPING = Center(1, "LEPING", "Kios Desa Leping", 900, "IDR", "id", None, None, 3.0, 0)
SHANGHE = dataclasses.replace(
    LEPING, id=2, code="SHANGHE", name="上河服务站", currency="CNY", language="zh"
)


def request(
    status: RequestStatus, total: Money, kind: RequestKind = RequestKind.GOODS
) -> ServiceRequest:
    """Request #12 of villager 7001."""
    return ServiceRequest(
        id=12,
        center_id=1,
        villager_id=7001,
        kind=kind,
        status=status,
        total=total,
        fulfilment=None,
        lat=None,
        lon=None,
        distance_m=None,
        note=None,
        details={},
        reason=None,
        manager_chat_id=None,
        manager_message_id=None,
        created_at=0.0,
        updated_at=0.0,
    )


RUPIAH = Money(37_500, "IDR")
WITH_QRIS = dataclasses.replace(LEPING, qris_payload=STICKER)


@pytest.mark.parametrize(
    ("status", "payment", "center", "reason"),
    [
        (RequestStatus.SUBMITTED, "unpaid", WITH_QRIS, NoQr.NOT_YET),
        (RequestStatus.QUOTED, "unpaid", WITH_QRIS, NoQr.NOT_YET),
        (RequestStatus.REJECTED, "closed", WITH_QRIS, NoQr.CLOSED),
        (RequestStatus.CANCELLED, "unpaid", WITH_QRIS, NoQr.CLOSED),
        (RequestStatus.APPROVED, "cash", WITH_QRIS, NoQr.PAID),
        (RequestStatus.COMPLETED, "credit", WITH_QRIS, NoQr.PAID),
        (RequestStatus.APPROVED, "unpaid", LEPING, NoQr.CASH_ONLY),
        (RequestStatus.READY, "unpaid", WITH_QRIS, None),
        (RequestStatus.OUT_FOR_DELIVERY, "unpaid", WITH_QRIS, None),
        (RequestStatus.COMPLETED, "unpaid", WITH_QRIS, None),
    ],
)
def test_a_qr_only_for_an_unpaid_request_the_center_has_agreed_to(
    status: RequestStatus, payment: str, center: Center, reason: NoQr | None
) -> None:
    assert refusal(request(status, RUPIAH), payment, center) is reason


def test_a_produce_offer_is_not_paid_by_the_villager_who_sells() -> None:
    offer = request(RequestStatus.APPROVED, RUPIAH, RequestKind.PRODUCE)
    assert refusal(offer, "unpaid", WITH_QRIS) is NoQr.NOT_FOUND
    assert not offers_qr(offer, WITH_QRIS)


def test_the_qris_picture_carries_the_exact_amount_and_names_the_merchant() -> None:
    qr = qr_to_pay(request(RequestStatus.APPROVED, RUPIAH), WITH_QRIS)
    assert picture_lines(qr, "id") == ("Bayar Rp37.500", "KIOS DESA LEPING")
    image = Image.open(io.BytesIO(payment_png(qr, "id")))
    [code] = zxingcpp.read_barcodes(image)
    assert code.text == qr.content and parse_qris(code.text).amount == "37500"


def test_a_payee_qr_is_drawn_as_it_is_with_the_amount_to_pay_under_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    center = dataclasses.replace(SHANGHE, payee_qr="https://qr.alipay.com/fkx12345")
    qr = qr_to_pay(request(RequestStatus.APPROVED, Money(1250, "CNY")), center)
    assert not qr.carries_amount and qr.content == "https://qr.alipay.com/fkx12345"
    monkeypatch.setattr(payment_qr, "can_draw", lambda text: True)  # a machine with CJK fonts
    assert picture_lines(qr, "zh") == ("请支付 ¥12.50", "上河服务站")
    monkeypatch.setattr(payment_qr, "can_draw", lambda text: text.isascii())  # one without
    assert picture_lines(qr, "zh") == ("Pay CN¥12.50", "#12")
    image = Image.open(io.BytesIO(payment_png(qr, "zh")))
    assert [code.text for code in zxingcpp.read_barcodes(image)] == [qr.content]
