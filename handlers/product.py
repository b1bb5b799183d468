"""/product: the manager adds one product step by step, with an optional photo.

Name, category (a button of an existing one, or a new one typed), price, unit, stock (or
not counted), photo (or none), then the summary (handlers/product_summary.py) with Save.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.context import KiosContext
from bot.domain.catalog_chat import BadNumber, TextProblem, parse_price, parse_stock, text_problem
from bot.domain.catalog_csv import MAX_CATEGORY_CHARS, MAX_NAME_CHARS, MAX_UNIT_CHARS
from bot.domain.entities import Center
from bot.domain.money import minor_digits
from bot.views import callbacks
from bot.views.amount_texts import refusal_after
from bot.views.labels import text_refusal_key
from bot.views.texts import t
from handlers.common import notice, say, visitor_of
from handlers.dialogs import Dialog, Step, draft_of, typed_text
from handlers.product_summary import (
    CATEGORY,
    CONFIRM,
    DRAFT_KEY,
    NAME,
    PHOTO,
    PRICE,
    STOCK,
    UNIT,
    cancel,
    cancel_pressed,
    photo_expected,
    save_pressed,
    show_summary,
    step_button,
    step_pattern,
    use_buttons,
)

# A forgotten /product must not take the manager's later messages for a product's name.
DIALOG_TIMEOUT_S = 30 * 60
# Category buttons offered; more are typed (a village shop has a dozen).
MAX_CATEGORY_BUTTONS = 30


async def begin(update: Update, context: KiosContext) -> Step:
    """/product: ask the new product's name."""
    visitor = await visitor_of(update, context)
    center = visitor.managed_center
    if center is None:
        await say(update, t(visitor.locale, "product.not_manager"))
        return ConversationHandler.END
    context.dialog[DRAFT_KEY] = {"center_id": center.id}
    await say(update, t(visitor.locale, "product.ask_name", center=center.name))
    return NAME


async def refuse_text(update: Update, locale: str, problem: TextProblem, limit: int) -> None:
    """Say why the typed name, category or unit is not usable."""
    await say(update, t(locale, text_refusal_key(problem), limit=limit))


async def name_typed(update: Update, context: KiosContext) -> Step:
    """Keep the name and offer the center's categories as buttons."""
    visitor = await visitor_of(update, context)
    name = typed_text(update).strip()
    problem = text_problem(name, MAX_NAME_CHARS)
    if problem:
        await refuse_text(update, visitor.locale, problem, MAX_NAME_CHARS)
        return None
    draft = draft_of(context, DRAFT_KEY)
    names = await context.store.catalog_edits.categories(int(draft.get("center_id", 0)))
    draft.update(name=name, categories=names[:MAX_CATEGORY_BUTTONS])
    rows = [
        [InlineKeyboardButton(category[:60], callback_data=category_data(number))]
        for number, category in enumerate(draft["categories"])
    ]
    key = "product.ask_category" if rows else "product.ask_first_category"
    await say(update, t(visitor.locale, key), InlineKeyboardMarkup(rows) if rows else None)
    return CATEGORY


def category_data(number: int) -> str:
    """Callback data of the button of the offered category `number`."""
    return callbacks.step(callbacks.NEW_PRODUCT, "cat", number)


async def category_pressed(update: Update, context: KiosContext) -> Step:
    """An existing category was chosen."""
    query = update.callback_query
    assert query is not None
    visitor = await visitor_of(update, context)
    parsed = callbacks.parse(query.data)
    offered: list[str] = draft_of(context, DRAFT_KEY).get("categories", [])
    if parsed is None or parsed.ident >= len(offered):
        await notice(query, visitor.locale, "common.stale", alert=True)
        return None
    await query.answer()
    return await keep_category(update, context, offered[parsed.ident])


async def category_typed(update: Update, context: KiosContext) -> Step:
    """A new category typed (one spelled like an existing one is that one)."""
    visitor = await visitor_of(update, context)
    category = typed_text(update).strip()
    problem = text_problem(category, MAX_CATEGORY_CHARS)
    if problem:
        await refuse_text(update, visitor.locale, problem, MAX_CATEGORY_CHARS)
        return None
    offered: list[str] = draft_of(context, DRAFT_KEY).get("categories", [])
    same = [name for name in offered if name.casefold() == category.casefold()]
    return await keep_category(update, context, same[0] if same else category)


async def keep_category(update: Update, context: KiosContext, category: str) -> Step:
    """Keep the category and ask the price."""
    visitor = await visitor_of(update, context)
    draft_of(context, DRAFT_KEY)["category"] = category
    center = await draft_center(context)
    await say(update, t(visitor.locale, "product.ask_price", example=price_example(center)))
    return PRICE


def price_example(center: Center | None) -> str:
    """How a price is typed in the center's currency."""
    return "12.50" if center and minor_digits(center.currency) else "15000"


async def draft_center(context: KiosContext) -> Center | None:
    """The center the draft is for."""
    return await context.store.centers.get(int(draft_of(context, DRAFT_KEY).get("center_id", 0)))


async def price_typed(update: Update, context: KiosContext) -> Step:
    """Keep the price (major units, as in the CSV) and ask the unit."""
    visitor = await visitor_of(update, context)
    center = await draft_center(context)
    try:
        price = parse_price(typed_text(update).strip(), center.currency if center else "IDR")
    except BadNumber as bad:
        text = t(visitor.locale, "product.bad_price", example=price_example(center))
        await say(update, text + refusal_after(visitor.locale, bad))
        return None
    draft_of(context, DRAFT_KEY).update(price_minor=price.minor, currency=price.currency)
    await say(update, t(visitor.locale, "product.ask_unit"))
    return UNIT


async def unit_typed(update: Update, context: KiosContext) -> Step:
    """Keep the unit and ask how many are in stock."""
    visitor = await visitor_of(update, context)
    unit = typed_text(update).strip()
    problem = text_problem(unit, MAX_UNIT_CHARS)
    if problem:
        await refuse_text(update, visitor.locale, problem, MAX_UNIT_CHARS)
        return None
    draft_of(context, DRAFT_KEY)["unit"] = unit
    button = step_button(visitor.locale, "product.no_stock", "nostock")
    await say(update, t(visitor.locale, "product.ask_stock"), InlineKeyboardMarkup([[button]]))
    return STOCK


async def stock_typed(update: Update, context: KiosContext) -> Step:
    """Keep the typed stock ("-" for not counted) and ask for a photo."""
    visitor = await visitor_of(update, context)
    try:
        stock = parse_stock(typed_text(update).strip())
    except BadNumber:
        await say(update, t(visitor.locale, "product.bad_stock"))
        return None
    return await keep_stock(update, context, stock)


async def stock_skipped(update: Update, context: KiosContext) -> Step:
    """Not counted: the product is always available."""
    assert update.callback_query is not None
    await update.callback_query.answer()
    return await keep_stock(update, context, None)


async def keep_stock(update: Update, context: KiosContext, stock: int | None) -> Step:
    """Keep the stock and ask for a photo."""
    visitor = await visitor_of(update, context)
    draft_of(context, DRAFT_KEY)["stock"] = stock
    button = step_button(visitor.locale, "product.no_photo", "nophoto")
    await say(update, t(visitor.locale, "product.ask_photo"), InlineKeyboardMarkup([[button]]))
    return PHOTO


async def photo_sent(update: Update, context: KiosContext) -> Step:
    """Keep the photo's largest size and show the summary."""
    message = update.effective_message
    assert message is not None and message.photo
    draft_of(context, DRAFT_KEY)["photo"] = message.photo[-1].file_id
    return await show_summary(update, context)


async def photo_skipped(update: Update, context: KiosContext) -> Step:
    """No photo: show the summary."""
    assert update.callback_query is not None
    await update.callback_query.answer()
    draft_of(context, DRAFT_KEY)["photo"] = None
    return await show_summary(update, context)


def build_product_conversation() -> Dialog:
    """The persistent /product dialog."""
    text = filters.TEXT & ~filters.COMMAND
    return Dialog(
        entry_points=[CommandHandler("product", begin)],
        states={
            NAME: [MessageHandler(text, name_typed)],
            CATEGORY: [
                CallbackQueryHandler(category_pressed, pattern=step_pattern("cat")),
                MessageHandler(text, category_typed),
            ],
            PRICE: [MessageHandler(text, price_typed)],
            UNIT: [MessageHandler(text, unit_typed)],
            STOCK: [
                CallbackQueryHandler(stock_skipped, pattern=step_pattern("nostock")),
                MessageHandler(text, stock_typed),
            ],
            PHOTO: [
                MessageHandler(filters.PHOTO, photo_sent),
                CallbackQueryHandler(photo_skipped, pattern=step_pattern("nophoto")),
                MessageHandler(~filters.COMMAND, photo_expected),
            ],
            CONFIRM: [
                CallbackQueryHandler(save_pressed, pattern=step_pattern("save")),
                MessageHandler(~filters.COMMAND, use_buttons),
            ],
        },
        fallbacks=[
            CallbackQueryHandler(cancel_pressed, pattern=step_pattern("no")),
            CommandHandler("cancel", cancel),
        ],
        name="product",
        persistent=True,
        conversation_timeout=DIALOG_TIMEOUT_S,
        allow_reentry=True,
    )
