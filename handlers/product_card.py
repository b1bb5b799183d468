"""A product's card: its photo or text, the quantity to choose, and adding it to the cart."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import replace

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import MessageLimit
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.context import KiosContext
from bot.domain.catalog_csv import is_produce_sku
from bot.domain.entities import Center, Product
from bot.domain.errors import CartFull, OutOfStock, RecordNotFound
from bot.domain.money import format_money, to_major_str
from bot.views import callbacks
from bot.views.texts import Html, h, plain, short, t
from handlers.common import Visitor, notice, notice_out_of_stock, say, show_card, visitor_of

QUANTITY_CHOICES = (1, 2, 3, 5, 10)
_QUANTITY_ARG = re.compile(r"^q(\d{1,3})$")
log = logging.getLogger(__name__)


def stock_line(product: Product, locale: str) -> Html:
    """Stock in words: available, a number left, or sold out."""
    if product.stock is None:
        return h(locale, "shop.stock_untracked")
    if product.stock <= 0:
        return h(locale, "shop.stock_out")
    return h(locale, "shop.stock_left", stock=product.stock, unit=product.unit)


def sku_line(product: Product, locale: str) -> Html:
    """The SKU that /stock and /price take, with both commands ready to copy (the center's
    own goods only: a villager's produce is theirs to price)."""
    if is_produce_sku(product.sku):
        return Html("")
    example = to_major_str(product.price)
    return h(locale, "desk.product_sku", sku=product.sku, example=example)


def product_card(
    product: Product,
    locale: str,
    quantity: int,
    in_cart: int,
    seller: str | None = None,
    manager: bool = False,
) -> tuple[str, InlineKeyboardMarkup]:
    """The product's text (with the villager selling it, if any; its SKU for the `manager`
    of its center) and its buttons."""
    cart_line = h(locale, "shop.in_cart", quantity=in_cart) if in_cart else Html("")
    category: str | Html = product.category
    if seller:
        category = h(locale, "shop.from_seller", category=product.category, seller=seller)
    text = t(
        locale,
        "shop.product",
        name=product.name,
        price=format_money(product.price, locale),
        unit=product.unit,
        category=category,
        stock=stock_line(product, locale),
        in_cart=cart_line,
    )
    if manager:
        text += sku_line(product, locale)
    rows: list[list[InlineKeyboardButton]] = []
    if product.in_stock:
        rows.append(
            [
                InlineKeyboardButton(
                    f"✓ {n}" if n == quantity else str(n),
                    callback_data=callbacks.build(callbacks.PRODUCT, product.id, f"q{n}"),
                )
                for n in QUANTITY_CHOICES
            ]
        )
        rows.append(
            [
                InlineKeyboardButton(
                    plain(locale, "shop.add_to_cart"),
                    callback_data=callbacks.build(callbacks.ADD, product.id, str(quantity)),
                )
            ]
        )
    rows.append(
        [
            InlineKeyboardButton(
                plain(locale, "cart.view"), callback_data=callbacks.build(callbacks.CART_VIEW)
            )
        ]
    )
    return text, InlineKeyboardMarkup(rows)


def photo_card(
    product: Product,
    locale: str,
    quantity: int,
    in_cart: int,
    seller: str | None = None,
    manager: bool = False,
) -> tuple[str, InlineKeyboardMarkup]:
    """The card as a photo caption: names are cut if the text would pass the caption limit."""
    text, markup = product_card(product, locale, quantity, in_cart, seller, manager)
    if len(text) <= MessageLimit.CAPTION_LENGTH:  # visible text is never longer than its HTML
        return text, markup
    shorter = replace(product, name=short(product.name), category=short(product.category))
    return product_card(shorter, locale, quantity, in_cart, seller and short(seller), manager)


async def send_card(
    update: Update,
    context: KiosContext,
    product: Product,
    locale: str,
    quantity: int,
    in_cart: int,
    seller: str | None = None,
    manager: bool = False,
) -> None:
    """A new card message: the product's photo with the card as caption, or the card's text
    (also when the photo cannot be had: its bot was removed, or Telegram forgot it)."""
    chat = update.effective_chat
    assert chat is not None
    if product.photo_file_id:
        text, markup = photo_card(product, locale, quantity, in_cart, seller, manager)
        try:
            sent = await context.send_file(
                "photo", chat.id, product.photo_file_id, caption=text, reply_markup=markup
            )
            if sent is not None:
                return
        except BadRequest as exc:  # a file id Telegram no longer knows: the text card works
            log.warning("photo of product %s not shown: %s", product.id, exc.message)
    text, markup = product_card(product, locale, quantity, in_cart, seller, manager)
    await say(update, text, markup)


async def redraw_card(
    update: Update,
    product: Product,
    locale: str,
    quantity: int,
    in_cart: int,
    seller: str | None = None,
    manager: bool = False,
) -> None:
    """Edit the pressed card in place: its caption if it is a photo, else its text."""
    query = update.callback_query
    assert query is not None
    is_photo = isinstance(query.message, Message) and bool(query.message.photo)
    card = photo_card if is_photo else product_card
    text, markup = card(product, locale, quantity, in_cart, seller, manager)
    await show_card(query, text, markup)


def chosen_quantity(arg: str | None) -> int | None:
    """The quantity a card button carries; None if forged."""
    if arg is None:
        return 1
    match = _QUANTITY_ARG.match(arg)
    quantity = int(match.group(1)) if match else 0
    return quantity if quantity in QUANTITY_CHOICES else None


async def load_product(
    context: KiosContext, center: Center | None, product_id: int
) -> Product | None:
    """The product if it belongs to the villager's center and is on sale."""
    if center is None:
        return None
    try:
        return await context.store.catalog.product(product_id, center.id, center.currency)
    except RecordNotFound:
        return None


async def seller_of(context: KiosContext, product: Product) -> str | None:
    """The first name of the villager selling this product; None for the center's own goods."""
    if product.seller_id is None:
        return None
    return (await context.store.produce.seller_names([product.seller_id])).get(product.seller_id)


def manages(visitor: Visitor, product: Product) -> bool:
    """Whether the visitor manages the product's center (and so keeps its catalog)."""
    return any(center.id == product.center_id for center in visitor.managed)


async def cart_quantity(context: KiosContext, visitor: Visitor, product_id: int) -> int:
    """How many of this product the villager already has in the cart."""
    assert visitor.center is not None
    lines = await context.store.carts.lines(
        visitor.user.id, visitor.center.id, visitor.center.currency
    )
    return next((line.quantity for line in lines if line.product.id == product_id), 0)


async def product_pressed(update: Update, context: KiosContext) -> None:
    """Open a product card (as a new message) or change its chosen quantity (in place)."""
    query = update.callback_query
    assert query is not None
    visitor = await visitor_of(update, context)
    parsed = callbacks.parse(query.data)
    quantity = chosen_quantity(parsed.arg) if parsed else None
    product = await load_product(context, visitor.center, parsed.ident) if parsed else None
    if product is None or quantity is None or parsed is None:
        await notice(query, visitor.locale, "shop.product_gone", alert=True)
        return
    await query.answer()
    in_cart = await cart_quantity(context, visitor, product.id)
    seller = await seller_of(context, product)
    manager = manages(visitor, product)
    if parsed.arg is None:
        await send_card(
            update, context, product, visitor.locale, quantity, in_cart, seller, manager
        )
    else:
        await redraw_card(update, product, visitor.locale, quantity, in_cart, seller, manager)


async def add_pressed(update: Update, context: KiosContext) -> None:
    """Add the chosen quantity to the cart, never past tracked stock."""
    query = update.callback_query
    assert query is not None
    visitor = await visitor_of(update, context)
    parsed = callbacks.parse(query.data)
    quantity = int(parsed.arg) if parsed and parsed.arg and parsed.arg.isdigit() else 0
    product = await load_product(context, visitor.center, parsed.ident) if parsed else None
    if product is None or visitor.center is None or quantity not in QUANTITY_CHOICES:
        await notice(query, visitor.locale, "shop.product_gone", alert=True)
        return
    try:
        total = await context.store.carts.add(
            visitor.user.id, product.id, visitor.center.id, quantity
        )
    except OutOfStock as refused:
        await notice_out_of_stock(query, visitor.locale, refused)
        return
    except CartFull:
        await notice(query, visitor.locale, "shop.cart_full", alert=True)
        return
    await notice(query, visitor.locale, "shop.added", quantity=quantity, name=product.name)
    seller = await seller_of(context, product)
    manager = manages(visitor, product)
    await redraw_card(update, product, visitor.locale, quantity, total, seller, manager)


def build_product_card_handlers() -> Sequence[BaseHandler[Update, KiosContext, None]]:
    """Handlers for opening a product's card, choosing a quantity and adding to the cart."""
    return [
        CallbackQueryHandler(product_pressed, pattern=callbacks.pattern(callbacks.PRODUCT)),
        CallbackQueryHandler(add_pressed, pattern=callbacks.pattern(callbacks.ADD)),
    ]
