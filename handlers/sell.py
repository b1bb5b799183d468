"""/sell: a villager offers their own produce (what, how many, unit, price, photo), then Confirm.

The offer goes to the manager as a request card; once approved it is on sale in the catalog.
"""

from __future__ import annotations

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

from bot.context import KiosContext
from bot.domain.money import Money, format_money
from bot.domain.pipeline import Role
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
from bot.views.cards import action_buttons, villager_card_text
from bot.views.texts import Html, plain, t
from handlers.common import Visitor, leave_dialog, notice, remind_buttons, say, show, visitor
from handlers.dialogs import Dialog

NAME, QUANTITY, UNIT, PRICE, PHOTO, CONFIRM = (
    "sell_name",
    "sell_quantity",
    "sell_unit",
    "sell_price",
    "sell_photo",
    "sell_confirm",
)
DRAFT_KEY = "sell"
Step = str | int | None
Handler = BaseHandler[Update, KiosContext, object]
PRICE_EXAMPLES = {"IDR": "3000", "CNY": "4.50"}


def step_button(locale: str, key: str, step: str, ident: int = 0) -> InlineKeyboardButton:
    """A /sell dialog button."""
    return InlineKeyboardButton(
        plain(locale, key), callback_data=callbacks.build(callbacks.SELL, ident, step)
    )


def cancel_row(locale: str) -> list[InlineKeyboardButton]:
    """The Cancel button every step shows."""
    return [step_button(locale, "sell.cancel", "no")]


def draft_of(context: KiosContext) -> dict[str, Any]:
    """The offer as far as the villager has told it."""
    draft: dict[str, Any] = context.dialog.setdefault(DRAFT_KEY, {})
    return draft


def typed_text(update: Update) -> str:
    """What the villager typed (cut well past any valid answer)."""
    message = update.effective_message
    return (message.text or "")[:200] if message else ""


async def refuse(update: Update, found: Visitor, error: OfferError, step: str) -> str:
    """Explain why the answer was refused; the same question stays open."""
    example = PRICE_EXAMPLES.get(found.center.currency if found.center else "IDR", "3000")
    await say(update, t(found.locale, f"sell.error.{error.reason}", example=example))
    return step


async def begin(update: Update, context: KiosContext) -> Step:
    """/sell: ask what the villager wants to sell."""
    found = await visitor(update, context)
    if found.center is None:
        await say(update, t(found.locale, "onboarding.ask_center"))
        return ConversationHandler.END
    context.dialog[DRAFT_KEY] = {"center": found.center.id}
    markup = InlineKeyboardMarkup([cancel_row(found.locale)])
    await say(update, t(found.locale, "sell.ask_name", center=found.center.name), markup)
    return NAME


async def name_typed(update: Update, context: KiosContext) -> Step:
    """Keep the produce's name and ask how many units there are."""
    found = await visitor(update, context)
    try:
        name = check_name(typed_text(update))
    except OfferError as error:
        return await refuse(update, found, error, NAME)
    draft_of(context)["name"] = name
    await say(update, t(found.locale, "sell.ask_quantity", name=name))
    return QUANTITY


async def quantity_typed(update: Update, context: KiosContext) -> Step:
    """Keep the quantity and offer the usual units as buttons."""
    found = await visitor(update, context)
    try:
        quantity = check_quantity(typed_text(update))
    except OfferError as error:
        return await refuse(update, found, error, QUANTITY)
    draft_of(context)["quantity"] = quantity
    units = units_for(found.locale)
    buttons = [
        InlineKeyboardButton(unit, callback_data=callbacks.build(callbacks.SELL, i, "unit"))
        for i, unit in enumerate(units)
    ]
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)] + [cancel_row(found.locale)]
    await say(update, t(found.locale, "sell.ask_unit"), InlineKeyboardMarkup(rows))
    return UNIT


async def unit_typed(update: Update, context: KiosContext) -> Step:
    """A unit of the villager's own (e.g. "karung")."""
    found = await visitor(update, context)
    try:
        unit = check_unit(typed_text(update))
    except OfferError as error:
        return await refuse(update, found, error, UNIT)
    return await ask_price(update, context, found, unit)


async def unit_pressed(update: Update, context: KiosContext) -> Step:
    """One of the usual units."""
    query = update.callback_query
    assert query is not None
    found = await visitor(update, context)
    parsed = callbacks.parse(query.data)
    units = units_for(found.locale)
    if parsed is None or parsed.ident >= len(units):
        await notice(query, found.locale, "common.stale", alert=True)
        return UNIT
    await query.answer()
    return await ask_price(update, context, found, units[parsed.ident])


async def ask_price(update: Update, context: KiosContext, found: Visitor, unit: str) -> Step:
    """Keep the unit and ask the price of one."""
    draft_of(context)["unit"] = unit
    currency = found.center.currency if found.center else "IDR"
    example = PRICE_EXAMPLES.get(currency, "3000")
    await say(update, t(found.locale, "sell.ask_price", unit=unit, example=example))
    return PRICE


async def price_typed(update: Update, context: KiosContext) -> Step:
    """Keep the price and ask for a photo (or Skip)."""
    found = await visitor(update, context)
    try:
        price = check_price(typed_text(update), found.center.currency if found.center else "IDR")
    except OfferError as error:
        return await refuse(update, found, error, PRICE)
    draft_of(context)["price"] = price.minor
    markup = InlineKeyboardMarkup(
        [[step_button(found.locale, "sell.skip_photo", "skip")], cancel_row(found.locale)]
    )
    await say(update, t(found.locale, "sell.ask_photo"), markup)
    return PHOTO


async def photo_sent(update: Update, context: KiosContext) -> Step:
    """Keep the largest size of the photo and show the summary."""
    message = update.effective_message
    assert message is not None and message.photo
    draft_of(context)["photo"] = message.photo[-1].file_id
    return await summary(update, context)


async def photo_skipped(update: Update, context: KiosContext) -> Step:
    """No photo: show the summary."""
    assert update.callback_query is not None
    await update.callback_query.answer()
    draft_of(context)["photo"] = None
    return await summary(update, context)


async def summary(update: Update, context: KiosContext) -> Step:
    """Show the offer as the manager will get it, with Confirm and Cancel."""
    found = await visitor(update, context)
    draft = draft_of(context)
    if found.center is None or draft.get("center") != found.center.id or "price" not in draft:
        context.dialog.pop(DRAFT_KEY, None)
        await say(update, t(found.locale, "common.stale"))
        return ConversationHandler.END
    price = Money(int(draft["price"]), found.center.currency)
    text = t(
        found.locale,
        "sell.summary",
        name=draft["name"],
        quantity=draft["quantity"],
        unit=draft["unit"],
        price=format_money(price, found.locale),
        total=format_money(price.times(int(draft["quantity"])), found.locale),
        photo=plain(found.locale, "sell.with_photo" if draft.get("photo") else "sell.no_photo"),
    )
    markup = InlineKeyboardMarkup(
        [[step_button(found.locale, "sell.confirm", "ok")], cancel_row(found.locale)]
    )
    await say(update, text, markup)
    return CONFIRM


def details_from(found: Visitor, draft: dict[str, Any]) -> dict[str, Any] | None:
    """The offer the summary showed, checked again; None if it no longer holds."""
    center = found.center
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
    found = await visitor(update, context)
    details = details_from(found, context.dialog.pop(DRAFT_KEY, None) or {})
    if details is None or found.center is None:
        await notice(query, found.locale, "common.stale", alert=True)
        return ConversationHandler.END
    request = await submit_offer(context.store, found.user, found.center, details)
    await query.answer()
    text = t(found.locale, "sell.submitted", card=Html(villager_card_text(request, found.locale)))
    await show(query, text, action_buttons(request, Role.VILLAGER, found.locale))
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
    return f"^{callbacks.build(callbacks.SELL, 0, step)}$"


def build_sell_conversation() -> Dialog:
    """The persistent /sell dialog."""
    text = filters.TEXT & ~filters.COMMAND
    return Dialog(
        entry_points=[CommandHandler("sell", begin)],
        states={
            NAME: [MessageHandler(text, name_typed)],
            QUANTITY: [MessageHandler(text, quantity_typed)],
            UNIT: [
                CallbackQueryHandler(unit_pressed, pattern=rf"^{callbacks.SELL}:[0-9]+:unit$"),
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
