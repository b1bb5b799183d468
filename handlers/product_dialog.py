"""/product: the manager adds one product step by step, with an optional photo.

Name, category (a button of an existing one, or a new one typed), price, unit, stock (or
not counted), photo (or none), then Save on the summary. The sku is made from the name,
unused in the center, and shown when the product is saved, for /stock and /price.
"""

from __future__ import annotations

import secrets
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot import callbacks
from bot.catalog_chat import BadNumber, parse_price, parse_stock, text_problem
from bot.catalog_csv import MAX_CATEGORY_CHARS, MAX_NAME_CHARS, MAX_UNIT_CHARS
from bot.context import KiosContext
from bot.money import Money, format_money, minor_digits
from bot.texts import h, plain, t
from handlers.common import leave_dialog, notice, remind_buttons, say, show_card, visitor
from handlers.dialogs import Dialog
from storage.catalog_edits import NewProduct
from storage.models import Center

NAME, CATEGORY, PRICE, UNIT, STOCK, PHOTO, CONFIRM = (
    f"product_{step}" for step in ("name", "category", "price", "unit", "stock", "photo", "confirm")
)
DRAFT_KEY = "new_product"
Step = str | int | None
Handler = BaseHandler[Update, KiosContext, object]
# A forgotten /product must not take the manager's later messages for a product's name.
DIALOG_TIMEOUT_S = 30 * 60
# Category buttons offered; more are typed (a village shop has a dozen).
MAX_CATEGORY_BUTTONS = 30


def step_button(locale: str, key: str, step: str, number: int = 0) -> InlineKeyboardButton:
    """A /product dialog button."""
    return InlineKeyboardButton(
        plain(locale, key), callback_data=callbacks.build(callbacks.NEW_PRODUCT, number, step)
    )


def step_pattern(step: str) -> str:
    """Anchored pattern of one /product step button (any number)."""
    return rf"^{callbacks.NEW_PRODUCT}:[0-9]+:{step}$"


def draft_of(context: KiosContext) -> dict[str, Any]:
    """The product being described (empty if the dialog was left)."""
    draft: dict[str, Any] = context.dialog.setdefault(DRAFT_KEY, {})
    return draft


def typed_text(update: Update) -> str:
    """The trimmed text of the message."""
    message = update.effective_message
    return (message.text or "").strip() if message else ""


async def begin(update: Update, context: KiosContext) -> Step:
    """/product: ask the new product's name."""
    found = await visitor(update, context)
    if not found.managed:
        await say(update, t(found.locale, "product.not_manager"))
        return ConversationHandler.END
    center = found.managed[0]
    context.dialog[DRAFT_KEY] = {"center_id": center.id}
    await say(update, t(found.locale, "product.ask_name", center=center.name))
    return NAME


async def refuse_text(update: Update, locale: str, problem: str, limit: int) -> None:
    """Say why the typed name, category or unit is not usable."""
    await say(update, t(locale, f"product.text_{problem}", limit=limit))


async def name_typed(update: Update, context: KiosContext) -> Step:
    """Keep the name and offer the center's categories as buttons."""
    found = await visitor(update, context)
    name = typed_text(update)
    problem = text_problem(name, MAX_NAME_CHARS)
    if problem:
        await refuse_text(update, found.locale, problem, MAX_NAME_CHARS)
        return None
    draft = draft_of(context)
    names = await context.store.catalog_edits.categories(int(draft.get("center_id", 0)))
    draft.update(name=name, categories=names[:MAX_CATEGORY_BUTTONS])
    rows = [
        [InlineKeyboardButton(category[:60], callback_data=category_data(number))]
        for number, category in enumerate(draft["categories"])
    ]
    key = "product.ask_category" if rows else "product.ask_first_category"
    await say(update, t(found.locale, key), InlineKeyboardMarkup(rows) if rows else None)
    return CATEGORY


def category_data(number: int) -> str:
    """Callback data of the button of the offered category `number`."""
    return callbacks.build(callbacks.NEW_PRODUCT, number, "cat")


async def category_pressed(update: Update, context: KiosContext) -> Step:
    """An existing category was chosen."""
    query = update.callback_query
    assert query is not None
    found = await visitor(update, context)
    parsed = callbacks.parse(query.data)
    offered: list[str] = draft_of(context).get("categories", [])
    if parsed is None or parsed.ident >= len(offered):
        await notice(query, found.locale, "common.stale", alert=True)
        return None
    await query.answer()
    return await keep_category(update, context, offered[parsed.ident])


async def category_typed(update: Update, context: KiosContext) -> Step:
    """A new category typed (one spelled like an existing one is that one)."""
    found = await visitor(update, context)
    category = typed_text(update)
    problem = text_problem(category, MAX_CATEGORY_CHARS)
    if problem:
        await refuse_text(update, found.locale, problem, MAX_CATEGORY_CHARS)
        return None
    offered: list[str] = draft_of(context).get("categories", [])
    same = [name for name in offered if name.casefold() == category.casefold()]
    return await keep_category(update, context, same[0] if same else category)


async def keep_category(update: Update, context: KiosContext, category: str) -> Step:
    """Keep the category and ask the price."""
    found = await visitor(update, context)
    draft_of(context)["category"] = category
    center = await draft_center(context)
    await say(update, t(found.locale, "product.ask_price", example=price_example(center)))
    return PRICE


def price_example(center: Center | None) -> str:
    """How a price is typed in the center's currency."""
    return "12.50" if center and minor_digits(center.currency) else "15000"


async def draft_center(context: KiosContext) -> Center | None:
    """The center the draft is for."""
    return await context.store.centers.get(int(draft_of(context).get("center_id", 0)))


async def price_typed(update: Update, context: KiosContext) -> Step:
    """Keep the price (major units, as in the CSV) and ask the unit."""
    found = await visitor(update, context)
    center = await draft_center(context)
    try:
        price = parse_price(typed_text(update), center.currency if center else "IDR")
    except BadNumber:
        await say(update, t(found.locale, "product.bad_price", example=price_example(center)))
        return None
    draft_of(context).update(price_minor=price.minor, currency=price.currency)
    await say(update, t(found.locale, "product.ask_unit"))
    return UNIT


async def unit_typed(update: Update, context: KiosContext) -> Step:
    """Keep the unit and ask how many are in stock."""
    found = await visitor(update, context)
    unit = typed_text(update)
    problem = text_problem(unit, MAX_UNIT_CHARS)
    if problem:
        await refuse_text(update, found.locale, problem, MAX_UNIT_CHARS)
        return None
    draft_of(context)["unit"] = unit
    button = step_button(found.locale, "product.no_stock", "nostock")
    await say(update, t(found.locale, "product.ask_stock"), InlineKeyboardMarkup([[button]]))
    return STOCK


async def stock_typed(update: Update, context: KiosContext) -> Step:
    """Keep the typed stock ("-" for not counted) and ask for a photo."""
    found = await visitor(update, context)
    try:
        stock = parse_stock(typed_text(update))
    except BadNumber:
        await say(update, t(found.locale, "product.bad_stock"))
        return None
    return await keep_stock(update, context, stock)


async def stock_skipped(update: Update, context: KiosContext) -> Step:
    """Not counted: the product is always available."""
    assert update.callback_query is not None
    await update.callback_query.answer()
    return await keep_stock(update, context, None)


async def keep_stock(update: Update, context: KiosContext, stock: int | None) -> Step:
    """Keep the stock and ask for a photo."""
    found = await visitor(update, context)
    draft_of(context)["stock"] = stock
    button = step_button(found.locale, "product.no_photo", "nophoto")
    await say(update, t(found.locale, "product.ask_photo"), InlineKeyboardMarkup([[button]]))
    return PHOTO


async def photo_sent(update: Update, context: KiosContext) -> Step:
    """Keep the photo's largest size and show the summary."""
    message = update.effective_message
    assert message is not None and message.photo
    draft_of(context)["photo"] = message.photo[-1].file_id
    return await show_summary(update, context)


async def photo_skipped(update: Update, context: KiosContext) -> Step:
    """No photo: show the summary."""
    assert update.callback_query is not None
    await update.callback_query.answer()
    draft_of(context)["photo"] = None
    return await show_summary(update, context)


def new_product(draft: dict[str, Any]) -> NewProduct | None:
    """The product the draft describes, or None if a step is missing (a stale dialog)."""
    try:
        return NewProduct(
            name=str(draft["name"]),
            category=str(draft["category"]),
            price=Money(int(draft["price_minor"]), str(draft["currency"])),
            unit=str(draft["unit"]),
            stock=None if draft["stock"] is None else int(draft["stock"]),
            photo_file_id=draft["photo"],
        )
    except (KeyError, TypeError, ValueError):
        return None


def summary_text(locale: str, product: NewProduct) -> str:
    """The product as the manager is asked to check it."""
    stock = (
        h(locale, "catalog.stock_untracked")
        if product.stock is None
        else h(locale, "catalog.stock_count", stock=product.stock, unit=product.unit)
    )
    photo = h(locale, "product.photo_yes" if product.photo_file_id else "product.photo_no")
    return t(
        locale,
        "product.summary",
        name=product.name,
        category=product.category,
        price=format_money(product.price, locale),
        unit=product.unit,
        stock=stock,
        photo=photo,
    )


async def show_summary(update: Update, context: KiosContext) -> Step:
    """The summary with Save and Cancel; with the photo, as villagers will see it."""
    found = await visitor(update, context)
    product = new_product(draft_of(context))
    if product is None:
        return await leave_dialog(update, context, DRAFT_KEY, "product.stale")
    text = summary_text(found.locale, product)
    # Save carries this summary's number: a press on an older summary saves nothing.
    summary_number = secrets.randbelow(callbacks.MAX_ID) + 1
    draft_of(context)["summary"] = summary_number
    markup = InlineKeyboardMarkup(
        [
            [
                step_button(found.locale, "product.save", "save", summary_number),
                step_button(found.locale, "product.cancel", "no"),
            ]
        ]
    )
    chat = update.effective_chat
    assert chat is not None
    if product.photo_file_id:
        await chat.send_photo(product.photo_file_id, caption=text, reply_markup=markup)
    else:
        await say(update, text, markup)
    return CONFIRM


async def save_pressed(update: Update, context: KiosContext) -> Step:
    """Save the product the summary showed, if the presser still manages the center."""
    query = update.callback_query
    assert query is not None
    found = await visitor(update, context)
    parsed = callbacks.parse(query.data)
    draft = draft_of(context)
    if parsed is None or parsed.ident != draft.get("summary"):
        await notice(query, found.locale, "product.stale_notice", alert=True)
        return None
    context.dialog.pop(DRAFT_KEY, None)
    product = new_product(draft)
    center_id = draft.get("center_id")
    if product is None or center_id not in {center.id for center in found.managed}:
        await notice(query, found.locale, "product.stale_notice", alert=True)
        return ConversationHandler.END
    saved = await context.store.catalog_edits.add_product(int(center_id), product)
    await query.answer()
    text = t(found.locale, "product.saved", name=saved.name, sku=saved.sku)
    await show_card(query, text)
    return ConversationHandler.END


async def cancel_pressed(update: Update, context: KiosContext) -> Step:
    """Cancel on the summary (a photo or a text message): nothing is saved."""
    query = update.callback_query
    assert query is not None
    found = await visitor(update, context)
    context.dialog.pop(DRAFT_KEY, None)
    await query.answer()
    await show_card(query, t(found.locale, "product.cancelled"))
    return ConversationHandler.END


async def cancel(update: Update, context: KiosContext) -> Step:
    """/cancel: leave the dialog, nothing is saved."""
    return await leave_dialog(update, context, DRAFT_KEY, "product.cancelled")


async def photo_expected(update: Update, context: KiosContext) -> None:
    """Anything but a photo in the photo step."""
    await remind_buttons(update, context, "product.photo_expected")


async def use_buttons(update: Update, context: KiosContext) -> None:
    """Typed text on the summary."""
    await remind_buttons(update, context, "product.use_buttons")


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
