"""How a request's payment reads: its line on the manager's card and in /orders, the buttons
that record it, the villager's note once recorded, and why a record was refused."""

from __future__ import annotations

from telegram import InlineKeyboardButton

from bot.domain.clock import short_moment
from bot.domain.entities import ServiceRequest
from bot.domain.money import Money, format_money
from bot.domain.payments import Payment, PaymentRefusal, PaymentRefused, payable
from bot.domain.pipeline import SALE_KINDS
from bot.views import callbacks
from bot.views.texts import Html, h, plain, t

# The ways a manager records a payment, in the order of their buttons.
RECORDED = (Payment.CASH, Payment.QRIS, Payment.CREDIT)


def payment_label(locale: str, payment: Payment) -> str:
    """How a request stands with money ("Unpaid", "Paid in cash", "On credit")."""
    return plain(locale, f"pay.state.{payment.value}")


def payment_state(request: ServiceRequest, locale: str) -> Html:
    """The payment, and once recorded who recorded it and when (on the center's clock)."""
    label = payment_label(locale, request.payment)
    if request.payment_at is None:
        return h(locale, "pay.state_line", state=label)
    return h(
        locale,
        "pay.recorded_line",
        state=label,
        name=request.payment_by_name or "-",
        when=short_moment(request.payment_at, request.total.currency),
    )


def card_payment(request: ServiceRequest, locale: str) -> Html:
    """The payment line of the manager's card; none for a villager's produce offer."""
    if request.kind not in SALE_KINDS:
        return Html("")
    return h(locale, "pay.card_line", state=payment_state(request, locale))


def payment_buttons(
    request: ServiceRequest, locale: str, credit_on: bool
) -> list[InlineKeyboardButton]:
    """Paid cash, Paid QRIS and (where the center gives credit) On credit, while the request
    is payable and unpaid; each names the quote the card shows."""
    if request.payment is not Payment.UNPAID or not payable(request.kind, request.status):
        return []
    ways = [way for way in RECORDED if credit_on or way is not Payment.CREDIT]
    return [
        InlineKeyboardButton(
            plain(locale, f"pay.button.{way.value}"),
            callback_data=callbacks.build(
                callbacks.PAID, request.id, callbacks.versioned(way.value, request.quote_version)
            ),
        )
        for way in ways
    ]


def recorded_message(request: ServiceRequest, locale: str) -> str:
    """What the villager is told once their request's payment is recorded."""
    return t(
        locale,
        f"pay.told.{request.payment.value}",
        number=request.id,
        amount=format_money(request.total, locale),
    )


def refusal_text(
    request: ServiceRequest, refused: PaymentRefused, locale: str
) -> tuple[str, dict[str, object]]:
    """The key and values answering a refused payment (credit's with the limit and debt)."""
    values: dict[str, object] = {
        "number": request.id,
        "state": payment_label(locale, request.payment),
    }
    if refused.reason in (PaymentRefusal.OVER_LIMIT, PaymentRefusal.CREDIT_OFF):
        currency = request.total.currency
        values["amount"] = format_money(request.total, locale)
        values["owed"] = format_money(Money(refused.owed_minor or 0, currency), locale)
        values["limit"] = format_money(Money(refused.limit_minor or 0, currency), locale)
    return f"pay.refused.{refused.reason.value}", values
