"""Finding goods: /search or plain text, /categories and a category's products.

Each product is a button that opens its card (handlers/product_card.py).
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.context import KiosContext
from bot.domain.entities import Product
from bot.domain.money import format_money
from bot.views import callbacks
from bot.views.texts import plain, t
from handlers.common import Visitor, joined_center, notice, say, visitor_of
from handlers.onboarding import desk_before_start, find_center

MAX_QUERY_LENGTH = 100
MAX_CATEGORY_RESULTS = 30
# Well inside Telegram's 100 buttons a keyboard; a village shop has a dozen categories.
MAX_CATEGORY_BUTTONS = 60


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
    if visitor.center is None and visitor.desk is not None:  # not a center's name: their desk
        await desk_before_start(update, context, visitor)
    elif visitor.center is None:
        await find_center(update, context, visitor, text)
    else:
        await search(update, context, visitor, text)


async def search(update: Update, context: KiosContext, visitor: Visitor, query: str) -> None:
    """Show the best matches as buttons, or say nothing matched and what to try."""
    center = await joined_center(update, visitor)
    if center is None:
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
    center = await joined_center(update, visitor)
    if center is None:
        return
    names = (await context.search.index_for(center)).categories()
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


def build_shop_handlers() -> Sequence[BaseHandler[Update, KiosContext, None]]:
    """Handlers for /search, /categories and a category's products."""
    return [
        CommandHandler("search", search_command),
        CommandHandler("categories", categories),
        CallbackQueryHandler(category_chosen, pattern=callbacks.pattern(callbacks.CATEGORY)),
    ]


def build_typed_text_handler() -> BaseHandler[Update, KiosContext, None]:
    """Plain text outside dialogs; registered after every dialog so they see text first."""
    return MessageHandler(filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE, typed_text)
