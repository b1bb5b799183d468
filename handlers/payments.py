"""The manager's Paid cash / Paid QRIS / On credit buttons on a request's card.

Every press is checked on the server: the presser must manage the request's center, and the
request must still be unpaid, payable and at the quote the card showed.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.context import KiosContext
from bot.domain.errors import RecordNotFound
from bot.domain.payments import Payment, PaymentRefused
from bot.domain.pipeline import TransitionRefused
from bot.services.paying import record_payment
from bot.views import callbacks
from bot.views.labels import refusal_key
from bot.views.payment_texts import RECORDED, payment_label, refusal_text
from handlers.card_redraw import redraw_card
from handlers.common import Visitor, notice, visitor_of
from handlers.request_actions import card_for, refresh


def parse_payment(data: str | None) -> tuple[int, Payment, int] | None:
    """The request, the payment and the quote version a pay button carries; None if forged."""
    parsed = callbacks.parse(data)
    if parsed is None or parsed.prefix != callbacks.PAID:
        return None
    arg, version = callbacks.version_of(parsed.arg)
    if version is None or arg not in {way.value for way in RECORDED}:
        return None
    return parsed.ident, Payment(arg), version


async def pay_pressed(update: Update, context: KiosContext) -> None:
    """Record the pressed payment, or say why it does not apply and redraw the card."""
    query = update.callback_query
    assert query is not None
    visitor = await visitor_of(update, context)
    parsed = parse_payment(query.data)
    if parsed is None:
        await notice(query, visitor.locale, "request.not_allowed", alert=True)
        return
    request_id, wanted, version = parsed
    try:
        paid = await record_payment(context.store, request_id, wanted, visitor.user.id, version)
    except TransitionRefused as refused:
        await notice(query, visitor.locale, refusal_key(refused.reason), alert=True)
        return
    except PaymentRefused as refused:
        await refuse(update, context, visitor, request_id, refused)
        return
    state = payment_label(visitor.locale, paid.request.payment)
    await notice(query, visitor.locale, "pay.done", number=request_id, state=state)
    text, markup = await card_for(
        context, paid.request, paid.role, visitor, paid.villager, paid.center
    )
    await redraw_card(context, query, text, markup)


async def refuse(
    update: Update,
    context: KiosContext,
    visitor: Visitor,
    request_id: int,
    refused: PaymentRefused,
) -> None:
    """Answer a refused payment in the manager's language, then show the card as it is now."""
    query = update.callback_query
    assert query is not None
    try:
        request = await context.store.requests.get(request_id)
    except RecordNotFound:
        await notice(query, visitor.locale, "request.not_allowed", alert=True)
        return
    key, values = refusal_text(request, refused, visitor.locale)
    await notice(query, visitor.locale, key, alert=True, **values)
    await refresh(update, context, visitor, request_id)


def build_payment_handlers() -> list[BaseHandler[Update, KiosContext, None]]:
    """The pay buttons of the manager's card."""
    return [CallbackQueryHandler(pay_pressed, pattern=callbacks.pattern(callbacks.PAID))]
