"""How paying by QR code reads: the Pay button, the picture's lines and its caption."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain.entities import Center, ServiceRequest
from bot.domain.money import format_money
from bot.domain.pay_by_qr import QrToPay, offers_qr
from bot.views import callbacks
from bot.views.payment_qr import legible, payment_picture
from bot.views.texts import plain, t


def pay_button(request: ServiceRequest, locale: str) -> InlineKeyboardButton:
    """The button that asks for the QR code paying `request` (QRIS for rupiah)."""
    key = "qris.payee_button" if request.total.currency == "CNY" else "qris.pay_button"
    return InlineKeyboardButton(
        plain(locale, key, number=request.id),
        callback_data=callbacks.build(callbacks.PAY, request.id),
    )


def with_pay_button(
    markup: InlineKeyboardMarkup | None, request: ServiceRequest, center: Center, locale: str
) -> InlineKeyboardMarkup | None:
    """`markup` with a Pay row under it when the request can be paid by QR code now."""
    if not offers_qr(request, center):
        return markup
    rows = [list(row) for row in markup.inline_keyboard] if markup else []
    return InlineKeyboardMarkup([*rows, [pay_button(request, locale)]])


def payment_caption(qr: QrToPay, locale: str) -> str:
    """What goes with the picture: how much, to whom, how to pay, and who confirms it."""
    key = "qris.caption" if qr.carries_amount else "qris.payee_caption"
    amount = format_money(qr.request.total, locale)
    return t(locale, key, number=qr.request.id, amount=amount, merchant=qr.merchant)


def picture_lines(qr: QrToPay, locale: str) -> tuple[str, str]:
    """What is written under the QR code: "Pay <amount>", then the payee's name.

    Where no font here draws the villager's language, the first line is in English; a payee
    name no font draws gives way to the request's number.
    """
    amount = format_money(qr.request.total, locale)
    english = plain("en", "qris.image_pay", amount=format_money(qr.request.total, "en"))
    pay_line = legible(plain(locale, "qris.image_pay", amount=amount), english)
    return pay_line, legible(qr.merchant, f"#{qr.request.id}")


def payment_png(qr: QrToPay, locale: str) -> bytes:
    """The picture a villager pays from: the QR code with `picture_lines` under it."""
    return payment_picture(qr.content, *picture_lines(qr, locale))
