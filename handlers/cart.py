"""The cart: lines with quantities, changed by buttons, and the way to checkout."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import KiosContext
from bot.domain.entities import CartLine
from bot.domain.errors import OutOfStock, RecordNotFound
from bot.domain.money import Money, format_money
from bot.views import callbacks
from bot.views.texts import Html, plain, short, t
from handlers.common import (
    Visitor,
    answer_press,
    notice,
    notice_out_of_stock,
    say,
    show,
    visitor_of,
)

CART_ACTIONS = {"inc": 1, "dec": -1}


def cart_text(lines: Sequence[CartLine], locale: str, currency: str) -> str:
    """The cart's lines and total, or an empty-cart hint."""
    if not lines:
        return t(locale, "cart.empty")
    total = sum((line.subtotal for line in lines), Money.zero(currency))
    rendered = "\n".join(
        t(
            locale,
            "card.item",
            quantity=line.quantity,
            name=short(line.product.name),
            unit=line.product.unit,
            subtotal=format_money(line.subtotal, locale),
        )
        for line in lines
    )
    return t(locale, "cart.summary", lines=Html(rendered), total=format_money(total, locale))


def cart_buttons(lines: Sequence[CartLine], locale: str) -> InlineKeyboardMarkup | None:
    """Per line: less, the product, more, remove; then Checkout."""
    if not lines:
        return None
    rows = [
        [
            InlineKeyboardButton(
                "➖", callback_data=callbacks.build(callbacks.CART, line.product.id, "dec")
            ),
            InlineKeyboardButton(
                f"{line.product.name[:24]} ×{line.quantity}",
                callback_data=callbacks.build(callbacks.PRODUCT, line.product.id),
            ),
            InlineKeyboardButton(
                "➕", callback_data=callbacks.build(callbacks.CART, line.product.id, "inc")
            ),
            InlineKeyboardButton(
                "🗑", callback_data=callbacks.build(callbacks.CART, line.product.id, "rm")
            ),
        ]
        for line in lines
    ]
    rows.append(
        [
            InlineKeyboardButton(
                plain(locale, "cart.checkout"),
                callback_data=callbacks.step(callbacks.CHECKOUT, "start"),
            )
        ]
    )
    return InlineKeyboardMarkup(rows)


async def render_cart(
    context: KiosContext, visitor: Visitor
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The villager's cart as text and buttons."""
    center = visitor.center
    if center is None:
        return t(visitor.locale, "onboarding.ask_center"), None
    lines = await context.store.carts.lines(visitor.user.id, center.id, center.currency)
    return cart_text(lines, visitor.locale, center.currency), cart_buttons(lines, visitor.locale)


async def show_cart(update: Update, context: KiosContext) -> None:
    """/cart, or the cart button: show the cart as a new message."""
    visitor = await visitor_of(update, context)
    await answer_press(update)
    text, markup = await render_cart(context, visitor)
    await say(update, text, markup)


async def change_line(update: Update, context: KiosContext) -> None:
    """More, less or remove on a cart line; the cart message is redrawn in place."""
    query = update.callback_query
    assert query is not None
    visitor = await visitor_of(update, context)
    parsed = callbacks.parse(query.data)
    if parsed is None or visitor.center is None or parsed.arg not in ("inc", "dec", "rm"):
        await notice(query, visitor.locale, "common.stale", alert=True)
        return
    carts = context.store.carts
    try:
        if parsed.arg == "rm":
            await carts.remove(visitor.user.id, parsed.ident)
        else:
            await carts.change(
                visitor.user.id, parsed.ident, visitor.center.id, CART_ACTIONS[parsed.arg]
            )
    except OutOfStock as refused:
        await notice_out_of_stock(query, visitor.locale, refused)
        return
    except RecordNotFound:
        await carts.remove(visitor.user.id, parsed.ident)
    await query.answer()
    text, markup = await render_cart(context, visitor)
    await show(query, text, markup)


def build_cart_handlers() -> list[BaseHandler[Update, KiosContext, None]]:
    """Handlers for /cart and its buttons."""
    return [
        CommandHandler("cart", show_cart),
        CallbackQueryHandler(show_cart, pattern=callbacks.pattern(callbacks.CART_VIEW)),
        CallbackQueryHandler(change_line, pattern=callbacks.pattern(callbacks.CART)),
    ]
