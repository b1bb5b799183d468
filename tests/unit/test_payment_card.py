"""The payment on the manager's card: its line, and which pay buttons it offers when."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.domain.entities import Center, ServiceRequest, User
from bot.domain.money import Money
from bot.domain.payments import PAYABLE_STATUSES, Payment
from bot.domain.pipeline import Fulfilment, RequestKind, RequestStatus
from bot.views import callbacks
from bot.views.cards import manager_buttons, manager_card_text
from bot.views.texts import plain

SITI = User(7001, "Siti", None, None, "id", "id", None, 1, None, False)
LEPING = Center(1, "LEPING", "Kios Desa Leping", 500, "IDR", "id", None, None, 3.0, 1)
ORDER = ServiceRequest(
    id=12,
    center_id=1,
    villager_id=SITI.id,
    kind=RequestKind.GOODS,
    status=RequestStatus.APPROVED,
    total=Money(25_000, "IDR"),
    fulfilment=Fulfilment.PICKUP,
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
    quote_version=2,
)


def pay_buttons(request: ServiceRequest, center: Center) -> list[tuple[str, str]]:
    """The pay buttons of the card, as (label, callback data)."""
    markup = manager_buttons(request, center, "en")
    rows = markup.inline_keyboard if markup else ()
    return [
        (str(b.text), str(b.callback_data))
        for row in rows
        for b in row
        if str(b.callback_data).startswith("pd:")
    ]


@pytest.mark.parametrize("status", list(RequestStatus))
def test_pay_buttons_only_while_payable_and_unpaid(status: RequestStatus) -> None:
    shown = pay_buttons(replace(ORDER, status=status), LEPING)
    if status in PAYABLE_STATUSES:
        assert shown == [
            (plain("en", "pay.button.cash"), "pd:12:cash-2"),
            (plain("en", "pay.button.qris"), "pd:12:qris-2"),
        ]
    else:
        assert shown == []
    assert pay_buttons(replace(ORDER, status=status, payment=Payment.CASH), LEPING) == []


def test_on_credit_only_where_the_center_gives_credit_and_never_for_produce() -> None:
    lending = replace(LEPING, credit_limit_minor=100_000)
    assert [label for label, _ in pay_buttons(ORDER, lending)][-1] == plain(
        "en", "pay.button.credit"
    )
    for _label, data in pay_buttons(ORDER, lending):
        parsed = callbacks.parse(data)
        assert parsed is not None and len(data.encode()) <= callbacks.MAX_BYTES
    assert pay_buttons(replace(ORDER, kind=RequestKind.PRODUCE), lending) == []


def test_the_card_says_who_recorded_the_payment_and_when_on_the_centers_clock() -> None:
    at = datetime(2026, 12, 5, 7, 5, tzinfo=UTC).timestamp()  # 14:05 in Jakarta
    paid = replace(ORDER, payment=Payment.CASH, payment_by=500, payment_by_name="Sari")
    card = manager_card_text(replace(paid, payment_at=at), SITI, "en")
    assert card.endswith("💰 Payment: <b>Paid in cash</b>, recorded by Sari, 05/12 14:05")
    unpaid = manager_card_text(ORDER, SITI, "id")
    assert unpaid.endswith("💰 Pembayaran: <b>Belum dibayar</b>")
    offer = manager_card_text(replace(ORDER, kind=RequestKind.PRODUCE, details={}), SITI, "en")
    assert "💰" not in offer
