"""/orders: the villager's requests, newest first, paged, with Cancel where it still applies."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler

from bot.context import KiosContext
from bot.domain.entities import ServiceRequest
from bot.domain.money import Money, format_money
from bot.domain.pay_by_qr import payable
from bot.domain.payments import Payment
from bot.domain.pipeline import Action, RequestKind, RequestStatus, Role
from bot.views import callbacks
from bot.views.labels import kind_label, status_label
from bot.views.pay_texts import pay_button
from bot.views.payment_texts import payment_label
from bot.views.question_texts import ask_button
from bot.views.texts import Html, h, plain, short, t
from handlers.common import Visitor, page_buttons, page_of
from handlers.paging import paged_list
from handlers.request_actions import actions_of

ORDERS_PER_PAGE = 5


def order_line(request: ServiceRequest, locale: str) -> str:
    """One line of the villager's list."""
    if request.kind is RequestKind.PRODUCE:
        return produce_line(request, locale)
    return t(
        locale,
        "orders.line",
        number=request.id,
        kind=kind_label(locale, request.kind),
        total=format_money(request.total, locale),
        status=status_label(locale, request.status),
        payment=payment_part(request, locale),
    )


def payment_part(request: ServiceRequest, locale: str) -> Html:
    """How the request stands with money; nothing once it was closed unpaid."""
    if request.payment is Payment.CLOSED:
        return Html("")
    return h(locale, "pay.orders_part", state=payment_label(locale, request.payment))


def produce_line(request: ServiceRequest, locale: str) -> str:
    """A produce offer in the seller's list: what, its status, and what has sold of it."""
    d = request.details
    sold = Html("")
    if request.status in (RequestStatus.APPROVED, RequestStatus.COMPLETED):
        amount = Money(int(d.get("sold_minor", 0)), request.total.currency)
        sold = h(
            locale,
            "orders.produce_sold",
            quantity=int(d.get("sold_quantity", 0)),
            offered=d.get("quantity", 0),
            unit=d.get("unit", ""),
            amount=format_money(amount, locale),
        )
    return t(
        locale,
        "orders.produce_line",
        number=request.id,
        kind=kind_label(locale, request.kind),
        name=short(str(d.get("name", ""))),
        status=status_label(locale, request.status, request.kind),
        sold=sold,
    )


async def orders_page(
    context: KiosContext, visitor: Visitor, asked: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    """A page of the villager's requests, newest first, with Cancel where it still applies."""
    requests = context.store.requests
    total = await requests.count_of_villager(visitor.user.id)
    # Questions about an order (or anything else) go to the manager from here.
    ask = [ask_button(visitor.locale)] if visitor.center is not None else []
    if total == 0:
        return t(visitor.locale, "orders.none"), InlineKeyboardMarkup([ask]) if ask else None
    page = page_of(asked, total, ORDERS_PER_PAGE)
    shown = await requests.of_villager(visitor.user.id, page.size, page.offset)
    # Each line is already HTML (values escaped by t()); escaping it again shows the tags.
    lines = Html("\n".join(order_line(r, visitor.locale) for r in shown))
    rows = [
        [
            InlineKeyboardButton(
                plain(visitor.locale, "orders.cancel", number=r.id),
                callback_data=callbacks.build(callbacks.REQUEST, r.id, Action.CANCEL.value),
            )
        ]
        for r in shown
        if Action.CANCEL in actions_of(r, Role.VILLAGER)
    ]
    rows += await pay_rows(context, shown, visitor.locale)
    rows.append(page_buttons(callbacks.ORDERS_PAGE, page))
    rows.append(ask)
    text = t(visitor.locale, "orders.list", lines=lines, page=page.index + 1, pages=page.count)
    kept = [row for row in rows if row]
    # No buttons must mean no markup: PTB serializes an empty keyboard as {}, which Telegram
    # refuses ("can't parse reply keyboard markup JSON object").
    return text, InlineKeyboardMarkup(kept) if kept else None


async def pay_rows(
    context: KiosContext, shown: list[ServiceRequest], locale: str
) -> list[list[InlineKeyboardButton]]:
    """A Pay button for each shown request still unpaid at a center that takes QR codes."""
    owed = [request for request in shown if payable(request)]
    unpaid = await context.store.qr_payments.unpaid_with_qr([request.id for request in owed])
    return [[pay_button(request, locale)] for request in owed if request.id in unpaid]


def build_orders_handlers() -> list[BaseHandler[Update, KiosContext, None]]:
    """Handlers for /orders and its pages."""
    return paged_list("orders", callbacks.ORDERS_PAGE, orders_page)
