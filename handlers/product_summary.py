"""The end of /product: the summary to check, then Save (under a sku made from the name) or Cancel.

Save carries the number of the summary it belongs to, so a press on an older summary, or a
forged one, saves nothing; the presser must still manage the draft's center.
"""

from __future__ import annotations

import secrets
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ConversationHandler

from bot.context import KiosContext
from bot.domain.money import Money, format_money
from bot.views import callbacks
from bot.views.texts import h, plain, t
from handlers.common import notice, say, show_card, visitor_of
from handlers.dialogs import Step, draft_of, leave_dialog, remind_buttons
from storage.catalog_edits import NewProduct

NAME, CATEGORY, PRICE, UNIT, STOCK, PHOTO, CONFIRM = (
    f"product_{step}" for step in ("name", "category", "price", "unit", "stock", "photo", "confirm")
)
DRAFT_KEY = "new_product"


def step_button(locale: str, key: str, step: str, number: int = 0) -> InlineKeyboardButton:
    """A /product dialog button."""
    return InlineKeyboardButton(
        plain(locale, key), callback_data=callbacks.step(callbacks.NEW_PRODUCT, step, number)
    )


def step_pattern(step: str) -> str:
    """Anchored pattern of one /product step button (any number)."""
    return callbacks.step_pattern(callbacks.NEW_PRODUCT, step, ident=None)


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
    visitor = await visitor_of(update, context)
    product = new_product(draft_of(context, DRAFT_KEY))
    if product is None:
        return await leave_dialog(update, context, DRAFT_KEY, "product.stale")
    text = summary_text(visitor.locale, product)
    # Save carries this summary's number: a press on an older summary saves nothing.
    summary_number = secrets.randbelow(callbacks.MAX_ID) + 1
    draft_of(context, DRAFT_KEY)["summary"] = summary_number
    markup = InlineKeyboardMarkup(
        [
            [
                step_button(visitor.locale, "product.save", "save", summary_number),
                step_button(visitor.locale, "product.cancel", "no"),
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
    visitor = await visitor_of(update, context)
    parsed = callbacks.parse(query.data)
    draft = draft_of(context, DRAFT_KEY)
    if parsed is None or parsed.ident != draft.get("summary"):
        await notice(query, visitor.locale, "product.stale_notice", alert=True)
        return None
    context.dialog.pop(DRAFT_KEY, None)
    product = new_product(draft)
    center_id = draft.get("center_id")
    if product is None or center_id not in {center.id for center in visitor.managed}:
        await notice(query, visitor.locale, "product.stale_notice", alert=True)
        return ConversationHandler.END
    saved = await context.store.catalog_edits.add_product(int(center_id), product)
    await query.answer()
    text = t(visitor.locale, "product.saved", name=saved.name, sku=saved.sku)
    await show_card(query, text)
    return ConversationHandler.END


async def cancel_pressed(update: Update, context: KiosContext) -> Step:
    """Cancel on the summary (a photo or a text message): nothing is saved."""
    query = update.callback_query
    assert query is not None
    visitor = await visitor_of(update, context)
    context.dialog.pop(DRAFT_KEY, None)
    await query.answer()
    await show_card(query, t(visitor.locale, "product.cancelled"))
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
