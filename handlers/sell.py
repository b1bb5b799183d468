"""/sell: a villager offers their own produce (what, how many, unit, price, photo), then Confirm.

The offer goes to the manager as a request card; once approved it is on sale in the catalog.
"""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.context import KiosContext
from bot.domain.holding import TooManyOpenRequests
from bot.domain.money import Money, format_money
from bot.services.produce import (
    OfferError,
    check_name,
    check_price,
    check_quantity,
    check_unit,
    offer_details,
    units_for,
)
from bot.services.submissions import submit_offer
from bot.views import callbacks
from bot.views.amount_texts import refusal_after
from bot.views.labels import offer_refusal_key
from bot.views.texts import plain, t
from handlers.common import Visitor, joined_center, notice, say, visitor_of
from handlers.dialogs import (
    Dialog,
    Step,
    draft_of,
    give_request_key,
    leave_dialog,
    remind_buttons,
    request_key,
    show_not_sent,
    show_submitted,
    typed_text,
)

NAME, QUANTITY, UNIT, PRICE, PHOTO, CONFIRM = (
    "sell_name",
    "sell_quantity",
    "sell_unit",
    "sell_price",
    "sell_photo",
    "sell_confirm",
)
DRAFT_KEY = "sell"
# What the villager types is cut well past any valid answer.
MAX_TYPED = 200
PRICE_EXAMPLES = {"IDR": "3000", "CNY": "4.50"}


def step_button(locale: str, key: str, step: str, ident: int = 0) -> InlineKeyboardButton:
    """A /sell dialog button."""
    return InlineKeyboardButton(
        plain(locale, key), callback_data=callbacks.step(callbacks.SELL, step, ident)
    )


def cancel_row(locale: str) -> list[InlineKeyboardButton]:
    """The Cancel button every step shows."""
    return [step_button(locale, "sell.cancel", "no")]


async def refuse(update: Update, visitor: Visitor, error: OfferError, step: str) -> str:
    """Explain why the answer was refused; the same question stays open."""
    example = PRICE_EXAMPLES.get(visitor.center.currency if visitor.center else "IDR", "3000")
    text = t(visitor.locale, offer_refusal_key(error.reason), example=example)
    await say(update, text + refusal_after(visitor.locale, error))
    return step


async def begin(update: Update, context: KiosContext) -> Step:
    """/sell: ask what the villager wants to sell."""
    visitor = await visitor_of(update, context)
    center = await joined_center(update, visitor)
    if center is None:
        return ConversationHandler.END
    context.dialog[DRAFT_KEY] = {"center": center.id}
    markup = InlineKeyboardMarkup([cancel_row(visitor.locale)])
    await say(update, t(visitor.locale, "sell.ask_name", center=center.name), markup)
    return NAME


async def name_typed(update: Update, context: KiosContext) -> Step:
    """Keep the produce's name and ask how many units there are."""
    visitor = await visitor_of(update, context)
    try:
        name = check_name(typed_text(update, MAX_TYPED))
    except OfferError as error:
        return await refuse(update, visitor, error, NAME)
    draft_of(context, DRAFT_KEY)["name"] = name
    await say(update, t(visitor.locale, "sell.ask_quantity", name=name))
    return QUANTITY


async def quantity_typed(update: Update, context: KiosContext) -> Step:
    """Keep the quantity and offer the usual units as buttons."""
    visitor = await visitor_of(update, context)
    try:
        quantity = check_quantity(typed_text(update, MAX_TYPED))
    except OfferError as error:
        return await refuse(update, visitor, error, QUANTITY)
    draft_of(context, DRAFT_KEY)["quantity"] = quantity
    units = units_for(visitor.locale)
    buttons = [
        InlineKeyboardButton(unit, callback_data=callbacks.step(callbacks.SELL, "unit", i))
        for i, unit in enumerate(units)
    ]
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)] + [cancel_row(visitor.locale)]
    await say(update, t(visitor.locale, "sell.ask_unit"), InlineKeyboardMarkup(rows))
    return UNIT


async def unit_typed(update: Update, context: KiosContext) -> Step:
    """A unit of the villager's own (e.g. "karung")."""
    visitor = await visitor_of(update, context)
    try:
        unit = check_unit(typed_text(update, MAX_TYPED))
    except OfferError as error:
        return await refuse(update, visitor, error, UNIT)
    return await ask_price(update, context, visitor, unit)


async def unit_pressed(update: Update, context: KiosContext) -> Step:
    """One of the usual units."""
    query = update.callback_query
    assert query is not None
    visitor = await visitor_of(update, context)
    parsed = callbacks.parse(query.data)
    units = units_for(visitor.locale)
    if parsed is None or parsed.ident >= len(units):
        await notice(query, visitor.locale, "common.stale", alert=True)
        return UNIT
    await query.answer()
    return await ask_price(update, context, visitor, units[parsed.ident])


async def ask_price(update: Update, context: KiosContext, visitor: Visitor, unit: str) -> Step:
    """Keep the unit and ask the price of one."""
    draft_of(context, DRAFT_KEY)["unit"] = unit
    currency = visitor.center.currency if visitor.center else "IDR"
    example = PRICE_EXAMPLES.get(currency, "3000")
    await say(update, t(visitor.locale, "sell.ask_price", unit=unit, example=example))
    return PRICE


async def price_typed(update: Update, context: KiosContext) -> Step:
    """Keep the price and ask for a photo (or Skip)."""
    visitor = await visitor_of(update, context)
    try:
        price = check_price(
            typed_text(update, MAX_TYPED), visitor.center.currency if visitor.center else "IDR"
        )
    except OfferError as error:
        return await refuse(update, visitor, error, PRICE)
    draft_of(context, DRAFT_KEY)["price"] = price.minor
    markup = InlineKeyboardMarkup(
        [[step_button(visitor.locale, "sell.skip_photo", "skip")], cancel_row(visitor.locale)]
    )
    await say(update, t(visitor.locale, "sell.ask_photo"), markup)
    return PHOTO


async def photo_sent(update: Update, context: KiosContext) -> Step:
    """Keep the largest size of the photo and show the summary."""
    message = update.effective_message
    assert message is not None and message.photo
    draft_of(context, DRAFT_KEY)["photo"] = message.photo[-1].file_id
    return await summary(update, context)


async def photo_skipped(update: Update, context: KiosContext) -> Step:
    """No photo: show the summary."""
    assert update.callback_query is not None
    await update.callback_query.answer()
    draft_of(context, DRAFT_KEY)["photo"] = None
    return await summary(update, context)


async def summary(update: Update, context: KiosContext) -> Step:
    """Show the offer as the manager will get it, with Confirm and Cancel."""
    visitor = await visitor_of(update, context)
    draft = draft_of(context, DRAFT_KEY)
    if visitor.center is None or draft.get("center") != visitor.center.id or "price" not in draft:
        context.dialog.pop(DRAFT_KEY, None)
        await say(update, t(visitor.locale, "common.stale"))
        return ConversationHandler.END
    price = Money(int(draft["price"]), visitor.center.currency)
    give_request_key(draft)
    text = t(
        visitor.locale,
        "sell.summary",
        name=draft["name"],
        quantity=draft["quantity"],
        unit=draft["unit"],
        price=format_money(price, visitor.locale),
        total=format_money(price.times(int(draft["quantity"])), visitor.locale),
        photo=plain(visitor.locale, "sell.with_photo" if draft.get("photo") else "sell.no_photo"),
    )
    markup = InlineKeyboardMarkup(
        [[step_button(visitor.locale, "sell.confirm", "ok")], cancel_row(visitor.locale)]
    )
    await say(update, text, markup)
    return CONFIRM


def details_from(visitor: Visitor, draft: dict[str, Any]) -> dict[str, Any] | None:
    """The offer the summary showed, checked again; None if it no longer holds."""
    center = visitor.center
    if center is None or draft.get("center") != center.id:
        return None
    try:
        return offer_details(
            center,
            check_name(str(draft["name"])),
            check_quantity(str(draft["quantity"])),
            check_unit(str(draft["unit"])),
            Money(int(draft["price"]), center.currency),
            draft.get("photo"),
        )
    except (KeyError, ValueError, TypeError):
        return None


async def confirm(update: Update, context: KiosContext) -> Step:
    """Send the offer to the manager; the villager sees its number and status."""
    query = update.callback_query
    assert query is not None
    visitor = await visitor_of(update, context)
    draft = context.dialog.get(DRAFT_KEY) or {}
    details = details_from(visitor, draft)
    if details is None or visitor.center is None:
        context.dialog.pop(DRAFT_KEY, None)
        await notice(query, visitor.locale, "common.stale", alert=True)
        return ConversationHandler.END
    try:
        request = await submit_offer(
            context.store, visitor.user, visitor.center, details, request_key(draft)
        )
    except TooManyOpenRequests as refused:
        context.dialog.pop(DRAFT_KEY, None)
        await show_not_sent(query, visitor.locale, refused, "requests.too_many_open")
        return ConversationHandler.END
    await query.answer()
    await show_submitted(query, visitor.locale, "sell.submitted", request)
    # Kept until the villager has seen it: a Confirm pressed again then finds the offer.
    context.dialog.pop(DRAFT_KEY, None)
    return ConversationHandler.END


async def cancel(update: Update, context: KiosContext) -> Step:
    """Leave the /sell dialog; nothing is sent."""
    return await leave_dialog(update, context, DRAFT_KEY, "sell.cancelled")


async def photo_expected(update: Update, context: KiosContext) -> None:
    """Something else than a photo at the photo step."""
    await remind_buttons(update, context, "sell.photo_or_skip")


async def use_buttons(update: Update, context: KiosContext) -> None:
    """Typed text where a button is expected."""
    await remind_buttons(update, context, "sell.use_buttons")


def step_pattern(step: str) -> str:
    """Anchored pattern of one /sell step button."""
    return callbacks.step_pattern(callbacks.SELL, step)


def build_sell_conversation() -> Dialog:
    """The persistent /sell dialog."""
    text = filters.TEXT & ~filters.COMMAND
    return Dialog(
        entry_points=[CommandHandler("sell", begin)],
        states={
            NAME: [MessageHandler(text, name_typed)],
            QUANTITY: [MessageHandler(text, quantity_typed)],
            UNIT: [
                CallbackQueryHandler(
                    unit_pressed, pattern=callbacks.step_pattern(callbacks.SELL, "unit", ident=None)
                ),
                MessageHandler(text, unit_typed),
            ],
            PRICE: [MessageHandler(text, price_typed)],
            PHOTO: [
                MessageHandler(filters.PHOTO, photo_sent),
                CallbackQueryHandler(photo_skipped, pattern=step_pattern("skip")),
                MessageHandler(~filters.COMMAND, photo_expected),
            ],
            CONFIRM: [
                CallbackQueryHandler(confirm, pattern=step_pattern("ok")),
                MessageHandler(text, use_buttons),
            ],
        },
        fallbacks=[
            CallbackQueryHandler(cancel, pattern=step_pattern("no")),
            CommandHandler("cancel", cancel),
        ],
        name="sell",
        persistent=True,
        allow_reentry=True,
    )
