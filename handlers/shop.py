"""Finding goods: search by typing, browsing categories, a product's card, adding to the cart."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import replace

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import MessageLimit
from telegram.error import BadRequest
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.context import KiosContext
from bot.domain.entities import Center, Product
from bot.domain.errors import CartFull, OutOfStock, RecordNotFound
from bot.domain.money import format_money
from bot.views import callbacks
from bot.views.texts import Html, h, plain, short, t
from handlers.common import Visitor, notice, say, show_card, visitor_of
from handlers.onboarding import find_center

QUANTITY_CHOICES = (1, 2, 3, 5, 10)
MAX_QUERY_LENGTH = 100
MAX_CATEGORY_RESULTS = 30
# Well inside Telegram's 100 buttons a keyboard; a village shop has a dozen categories.
MAX_CATEGORY_BUTTONS = 60
_QUANTITY_ARG = re.compile(r"^q(\d{1,3})$")
log = logging.getLogger(__name__)


def product_button(
    product: Product, locale: str, seller: str | None = None
) -> list[InlineKeyboardButton]:
    """A one-button row: name, the villager selling it if any, and price; opens the card."""
    key = "shop.produce_button" if seller else "shop.product_button"
    label = plain(
        locale, key, name=product.name, seller=seller, price=format_money(product.price, locale)
    )
    return [
        InlineKeyboardButton(
            label[:60], callback_data=callbacks.build(callbacks.PRODUCT, product.id)
        )
    ]


async def search_command(update: Update, context: KiosContext) -> None:
    """/search TEXT: search the catalog, or explain how."""
    visitor = await visitor_of(update, context)
    query = " ".join(context.args or [])
    if not query:
        await say(update, t(visitor.locale, "shop.search_usage"))
        return
    await search(update, context, visitor, query)


async def typed_text(update: Update, context: KiosContext) -> None:
    """Plain text outside any dialog: find a center first, then search goods."""
    visitor = await visitor_of(update, context)
    message = update.effective_message
    text = (message.text or "").strip()[:MAX_QUERY_LENGTH] if message else ""
    if not text:  # only characters Python counts as blank (e.g. \x1c): nothing to look for
        await say(update, t(visitor.locale, "common.not_understood"))
        return
    if visitor.center is None:
        await find_center(update, context, visitor, text)
    else:
        await search(update, context, visitor, text)


async def search(update: Update, context: KiosContext, visitor: Visitor, query: str) -> None:
    """Show the best matches as buttons, or say nothing matched and what to try."""
    center = visitor.center
    if center is None:
        await say(update, t(visitor.locale, "onboarding.ask_center"))
        return
    query = query[:MAX_QUERY_LENGTH]  # it is quoted back: a long /search must still fit
    index = await context.search.index_for(center)
    hits = index.search(query)
    products = await context.store.catalog.products(
        center.id, center.currency, [hit.product_id for hit in hits]
    )
    if not products:
        await say(update, t(visitor.locale, "shop.no_results", query=query))
        return
    sellers = await context.store.produce.seller_names(p.seller_id for p in products)
    rows = [product_button(p, visitor.locale, sellers.get(p.seller_id or 0)) for p in products]
    await say(update, t(visitor.locale, "shop.results", query=query), InlineKeyboardMarkup(rows))


async def categories(update: Update, context: KiosContext) -> None:
    """/categories: one button per category."""
    visitor = await visitor_of(update, context)
    if visitor.center is None:
        await say(update, t(visitor.locale, "onboarding.ask_center"))
        return
    names = (await context.search.index_for(visitor.center)).categories()
    if not names:
        await say(update, t(visitor.locale, "shop.empty_catalog"))
        return
    rows = [
        [InlineKeyboardButton(name[:60], callback_data=callbacks.build(callbacks.CATEGORY, number))]
        for number, name in enumerate(names[:MAX_CATEGORY_BUTTONS])
    ]
    await say(update, t(visitor.locale, "shop.categories"), InlineKeyboardMarkup(rows))


async def category_chosen(update: Update, context: KiosContext) -> None:
    """List the products of the pressed category."""
    query = update.callback_query
    assert query is not None
    visitor = await visitor_of(update, context)
    parsed = callbacks.parse(query.data)
    center = visitor.center
    names = (await context.search.index_for(center)).categories() if center else []
    if center is None or parsed is None or parsed.ident >= len(names):
        await notice(query, visitor.locale, "common.stale", alert=True)
        return
    await query.answer()
    name = names[parsed.ident]
    ids = (await context.search.index_for(center)).in_category(name)[:MAX_CATEGORY_RESULTS]
    products = await context.store.catalog.products(center.id, center.currency, ids)
    sellers = await context.store.produce.seller_names(p.seller_id for p in products)
    rows = [product_button(p, visitor.locale, sellers.get(p.seller_id or 0)) for p in products]
    await say(update, t(visitor.locale, "shop.category", category=name), InlineKeyboardMarkup(rows))


def stock_line(product: Product, locale: str) -> Html:
    """Stock in words: available, a number left, or sold out."""
    if product.stock is None:
        return h(locale, "shop.stock_untracked")
    if product.stock <= 0:
        return h(locale, "shop.stock_out")
    return h(locale, "shop.stock_left", stock=product.stock, unit=product.unit)


def product_card(
    product: Product, locale: str, quantity: int, in_cart: int, seller: str | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    """The product's text (with the villager selling it, if any) and its buttons."""
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
    product: Product, locale: str, quantity: int, in_cart: int, seller: str | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    """The card as a photo caption: names are cut if the text would pass the caption limit."""
    text, markup = product_card(product, locale, quantity, in_cart, seller)
    if len(text) <= MessageLimit.CAPTION_LENGTH:  # visible text is never longer than its HTML
        return text, markup
    shorter = replace(product, name=short(product.name), category=short(product.category))
    return product_card(shorter, locale, quantity, in_cart, seller and short(seller))


async def send_card(
    update: Update,
    product: Product,
    locale: str,
    quantity: int,
    in_cart: int,
    seller: str | None = None,
) -> None:
    """A new card message: the product's photo with the card as caption, or the card's text."""
    chat = update.effective_chat
    assert chat is not None
    if product.photo_file_id:
        text, markup = photo_card(product, locale, quantity, in_cart, seller)
        try:
            await chat.send_photo(product.photo_file_id, caption=text, reply_markup=markup)
            return
        except BadRequest as exc:  # a file id Telegram no longer knows: the text card works
            log.warning("photo of product %s not shown: %s", product.id, exc.message)
    text, markup = product_card(product, locale, quantity, in_cart, seller)
    await say(update, text, markup)


async def redraw_card(
    update: Update,
    product: Product,
    locale: str,
    quantity: int,
    in_cart: int,
    seller: str | None = None,
) -> None:
    """Edit the pressed card in place: its caption if it is a photo, else its text."""
    query = update.callback_query
    assert query is not None
    is_photo = isinstance(query.message, Message) and bool(query.message.photo)
    card = photo_card if is_photo else product_card
    text, markup = card(product, locale, quantity, in_cart, seller)
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
    if parsed.arg is None:
        await send_card(update, product, visitor.locale, quantity, in_cart, seller)
    else:
        await redraw_card(update, product, visitor.locale, quantity, in_cart, seller)


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
    except OutOfStock as exc:
        await notice(
            query,
            visitor.locale,
            "shop.not_enough",
            alert=True,
            name=exc.product_name,
            left=exc.available,
        )
        return
    except CartFull:
        await notice(query, visitor.locale, "shop.cart_full", alert=True)
        return
    await notice(query, visitor.locale, "shop.added", quantity=quantity, name=product.name)
    seller = await seller_of(context, product)
    await redraw_card(update, product, visitor.locale, quantity, total, seller)


def build_shop_handlers() -> Sequence[BaseHandler[Update, KiosContext, None]]:
    """Handlers for /search, /categories, product cards and adding to the cart."""
    return [
        CommandHandler("search", search_command),
        CommandHandler("categories", categories),
        CallbackQueryHandler(category_chosen, pattern=callbacks.pattern(callbacks.CATEGORY)),
        CallbackQueryHandler(product_pressed, pattern=callbacks.pattern(callbacks.PRODUCT)),
        CallbackQueryHandler(add_pressed, pattern=callbacks.pattern(callbacks.ADD)),
    ]


def build_typed_text_handler() -> BaseHandler[Update, KiosContext, None]:
    """Plain text outside dialogs; registered after every dialog so they see text first."""
    return MessageHandler(filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE, typed_text)
