"""/pay N and the Pay button: the villager gets a QR code to pay an approved request.

Kios Desa does not talk to a bank: the QR code carries the amount (QRIS) or stands beside it
(a CNY center's payee QR), and the manager records the payment when the money shows.
"""

from __future__ import annotations

import asyncio

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import KiosContext
from bot.domain.pay_by_qr import NoQr, QrToPay
from bot.services.qr_payment import qr_for
from bot.views import callbacks
from bot.views.labels import no_qr_key
from bot.views.pay_texts import payment_caption, payment_png
from bot.views.texts import t
from handlers.common import Visitor, notice, say, visitor_of


async def send_qr(update: Update, context: KiosContext, visitor: Visitor, request_id: int) -> None:
    """Send the picture to pay request `request_id`, or say in one line why there is none."""
    found = await qr_for(context.store, visitor.user.id, request_id)
    if isinstance(found, NoQr):
        await say(update, t(visitor.locale, no_qr_key(found)))
        return
    await send_picture(update, found, visitor.locale)


async def send_picture(update: Update, qr: QrToPay, locale: str) -> None:
    """Send the QR code to pay, with the amount under it and how to pay as its caption."""
    chat = update.effective_chat
    assert chat is not None
    # Drawing takes a moment: keep the event loop free for other villagers meanwhile.
    png = await asyncio.to_thread(payment_png, qr, locale)
    await chat.send_photo(png, caption=payment_caption(qr, locale))


async def pay_command(update: Update, context: KiosContext) -> None:
    """/pay N: the QR code to pay request N."""
    visitor = await visitor_of(update, context)
    number = (context.args or [""])[0].removeprefix("#")
    if len(context.args or []) != 1 or not number.isdecimal() or len(number) > 9:
        await say(update, t(visitor.locale, "qris.pay_usage"))
        return
    await send_qr(update, context, visitor, int(number))


async def pay_pressed(update: Update, context: KiosContext) -> None:
    """The Pay button: the same as /pay N; a press that no longer applies says why, as a toast."""
    query = update.callback_query
    assert query is not None
    visitor = await visitor_of(update, context)
    pressed = callbacks.parse(query.data)
    found = await qr_for(context.store, visitor.user.id, pressed.ident if pressed else 0)
    if isinstance(found, NoQr):
        await notice(query, visitor.locale, no_qr_key(found), alert=True)
        return
    await query.answer()
    await send_picture(update, found, visitor.locale)


def build_pay_handlers() -> list[BaseHandler[Update, KiosContext, None]]:
    """Handlers for /pay and the Pay button."""
    return [
        CommandHandler("pay", pay_command),
        CallbackQueryHandler(pay_pressed, pattern=callbacks.item_pattern(callbacks.PAY)),
    ]
