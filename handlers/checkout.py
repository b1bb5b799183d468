"""Checkout: pickup or delivery (with a location inside the radius), a note, then confirm.

The dialog's state and draft are persisted, so a restart leaves the villager where they were.
"""

from __future__ import annotations

from typing import Any

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.context import KiosContext
from bot.domain.entities import Checkout, cart_snapshot
from bot.domain.errors import CartChanged, EmptyCart, OutOfStock
from bot.domain.pipeline import Fulfilment, Role
from bot.services.submissions import check_delivery, submit_order
from bot.views import callbacks
from bot.views.cards import action_buttons, villager_card_text
from bot.views.texts import Html, h, plain, t
from handlers.cart import cart_text, render_cart
from handlers.common import Visitor, notice, say, show, visitor
from handlers.dialogs import Dialog

CHOOSE, LOCATION, NOTE, CONFIRM = "choose", "location", "note", "confirm"
# What a step returns: the next state, END, or None to stay where the dialog is.
Step = str | int | None
Handler = BaseHandler[Update, KiosContext, object]
DRAFT_KEY = "checkout"
MAX_NOTE_LENGTH = 500


def step(name: str) -> str:
    """Anchored pattern of one checkout button."""
    return f"^{callbacks.build(callbacks.CHECKOUT, 0, name)}$"


def button(locale: str, key: str, name: str) -> InlineKeyboardButton:
    """A checkout step button."""
    return InlineKeyboardButton(
        plain(locale, key), callback_data=callbacks.build(callbacks.CHECKOUT, 0, name)
    )


def draft(context: KiosContext) -> dict[str, Any]:
    """The checkout being filled in (persisted with the user's dialog data)."""
    value: dict[str, Any] = context.dialog.setdefault(DRAFT_KEY, {})
    return value


async def begin(update: Update, context: KiosContext) -> Step:
    """Start checkout: ask pickup or delivery, if the cart has anything."""
    query = update.callback_query
    found = await visitor(update, context)
    if query:
        await query.answer()
    if found.center is None or not await context.store.carts.lines(
        found.user.id, found.center.id, found.center.currency
    ):
        await say(update, t(found.locale, "cart.empty"))
        return ConversationHandler.END
    context.dialog[DRAFT_KEY] = {}
    options = [button(found.locale, "checkout.pickup", "pickup")]
    if found.center.has_location:
        options.append(button(found.locale, "checkout.delivery", "delivery"))
    rows = [options, [button(found.locale, "checkout.cancel", "cancel")]]
    await say(
        update,
        t(found.locale, "checkout.how", radius=f"{found.center.radius_km:g}"),
        InlineKeyboardMarkup(rows),
    )
    return CHOOSE


async def pickup(update: Update, context: KiosContext) -> Step:
    """Pickup at the center; next, the note."""
    found = await visitor(update, context)
    draft(context).update(fulfilment=Fulfilment.PICKUP.value, lat=None, lon=None, distance_m=None)
    await answer_and_mark(update, found, "checkout.chose_pickup")
    return await ask_note(update, found)


async def delivery(update: Update, context: KiosContext) -> Step:
    """Delivery: ask for the villager's location with a location button."""
    found = await visitor(update, context)
    await answer_and_mark(update, found, "checkout.chose_delivery")
    keyboard = ReplyKeyboardMarkup(
        [[KeyboardButton(plain(found.locale, "checkout.send_location"), request_location=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )
    await say(update, t(found.locale, "checkout.ask_location"), keyboard)
    return LOCATION


async def answer_and_mark(update: Update, found: Visitor, key: str) -> None:
    """Answer the press and leave the choice visible on the question, without buttons."""
    query = update.callback_query
    if query is None:
        return
    await query.answer()
    await show(query, t(found.locale, key))


async def location(update: Update, context: KiosContext) -> Step:
    """Measure the distance; inside the radius go on, outside explain and offer pickup."""
    found = await visitor(update, context)
    message = update.effective_message
    place = message.location if message else None
    assert place is not None and found.center is not None
    checked = check_delivery(found.center, place.latitude, place.longitude)
    if checked is None or not checked.within:
        km = f"{(checked.distance_m if checked else 0) / 1000:.1f}"
        rows = [
            [button(found.locale, "checkout.pickup", "pickup")],
            [button(found.locale, "checkout.cancel", "cancel")],
        ]
        await say(
            update,
            t(found.locale, "checkout.too_far", km=km, radius=f"{found.center.radius_km:g}"),
            InlineKeyboardMarkup(rows),
        )
        return LOCATION
    draft(context).update(
        fulfilment=Fulfilment.DELIVERY.value,
        lat=place.latitude,
        lon=place.longitude,
        distance_m=round(checked.distance_m),
    )
    await say(
        update,
        t(found.locale, "checkout.location_ok", km=f"{checked.distance_m / 1000:.1f}"),
        ReplyKeyboardRemove(),
    )
    return await ask_note(update, found)


async def location_expected(update: Update, context: KiosContext) -> Step:
    """Something other than a location arrived: explain the button again."""
    found = await visitor(update, context)
    await say(update, t(found.locale, "checkout.location_needed"))
    return LOCATION


async def ask_note(update: Update, found: Visitor) -> str:
    """Offer an optional note for the manager."""
    rows = [
        [button(found.locale, "checkout.skip_note", "skip")],
        [button(found.locale, "checkout.cancel", "cancel")],
    ]
    await say(update, t(found.locale, "checkout.ask_note"), InlineKeyboardMarkup(rows))
    return NOTE


async def note(update: Update, context: KiosContext) -> Step:
    """Keep the typed note (trimmed to a sane length) and show the summary."""
    message = update.effective_message
    draft(context)["note"] = (message.text or "").strip()[:MAX_NOTE_LENGTH] if message else ""
    return await summary(update, context)


async def skip_note(update: Update, context: KiosContext) -> Step:
    """No note; show the summary."""
    if update.callback_query:
        await update.callback_query.answer()
    draft(context)["note"] = ""
    return await summary(update, context)


async def summary(update: Update, context: KiosContext) -> Step:
    """Show the order as it will be sent, with Confirm and Cancel."""
    found = await visitor(update, context)
    chosen = draft(context)
    if found.center is None:
        cart, _ = await render_cart(context, found)
    else:
        center = found.center
        lines = await context.store.carts.lines(found.user.id, center.id, center.currency)
        cart = cart_text(lines, found.locale, center.currency)
        # What the villager sees now is what Confirm will submit, or they are shown it again.
        chosen["center_id"] = center.id
        chosen["cart"] = [list(line) for line in cart_snapshot(lines)]
    if chosen.get("fulfilment") == Fulfilment.DELIVERY.value:
        way = h(found.locale, "card.delivery", km=f"{(chosen.get('distance_m') or 0) / 1000:.1f}")
    else:
        way = h(found.locale, "card.pickup")
    note_line = (
        h(found.locale, "card.note", note=chosen["note"]) if chosen.get("note") else Html("")
    )
    rows = [
        [button(found.locale, "checkout.confirm", "confirm")],
        [button(found.locale, "checkout.cancel", "cancel")],
    ]
    await say(
        update,
        t(found.locale, "checkout.summary", cart=Html(cart), fulfilment=way, note=note_line),
        InlineKeyboardMarkup(rows),
    )
    return CONFIRM


async def confirm(update: Update, context: KiosContext) -> Step:
    """Submit the order; the villager sees its number and status."""
    query = update.callback_query
    assert query is not None
    found = await visitor(update, context)
    chosen = draft(context)
    if found.center is None:
        await notice(query, found.locale, "common.stale", alert=True)
        return ConversationHandler.END
    if "fulfilment" not in chosen or chosen.get("center_id") != found.center.id:
        # The draft was lost (a crash) or belongs to another center: ask again, keep the cart.
        return await begin(update, context)
    checkout = Checkout(
        Fulfilment(chosen["fulfilment"]),
        chosen.get("lat"),
        chosen.get("lon"),
        chosen.get("distance_m"),
        chosen.get("note") or None,
        expected_lines=tuple(tuple(line) for line in chosen.get("cart", [])),
    )
    try:
        request = await submit_order(context.store, found.user, found.center, checkout)
    except CartChanged:
        await notice(query, found.locale, "checkout.cart_changed", alert=True)
        return await summary(update, context)
    except EmptyCart:
        await notice(query, found.locale, "cart.empty_notice", alert=True)
        return ConversationHandler.END
    except OutOfStock as exc:
        await notice(
            query,
            found.locale,
            "shop.not_enough",
            alert=True,
            name=exc.product_name,
            left=exc.available,
        )
        return ConversationHandler.END
    context.dialog.pop(DRAFT_KEY, None)
    await query.answer()
    text = t(
        found.locale,
        "checkout.submitted",
        number=request.id,
        card=Html(villager_card_text(request, found.locale)),
    )
    await show(query, text, action_buttons(request, Role.VILLAGER, found.locale))
    return ConversationHandler.END


async def cancel(update: Update, context: KiosContext) -> Step:
    """Leave checkout; the cart stays as it was."""
    found = await visitor(update, context)
    context.dialog.pop(DRAFT_KEY, None)
    if update.callback_query:
        await update.callback_query.answer()
        await show(update.callback_query, t(found.locale, "checkout.cancelled"))
    else:
        await say(update, t(found.locale, "checkout.cancelled"), ReplyKeyboardRemove())
    return ConversationHandler.END


async def use_buttons(update: Update, context: KiosContext) -> None:
    """Typed text where a button is expected: say so, stay in the same step."""
    found = await visitor(update, context)
    await say(update, t(found.locale, "checkout.use_buttons"))


def build_checkout_conversation() -> Dialog:
    """The persistent checkout dialog."""
    cancel_button: Handler = CallbackQueryHandler(cancel, pattern=step("cancel"))
    typed: Handler = MessageHandler(filters.TEXT & ~filters.COMMAND, use_buttons)
    return Dialog(
        entry_points=[
            CallbackQueryHandler(begin, pattern=step("start")),
            CommandHandler("checkout", begin),
        ],
        states={
            CHOOSE: [
                CallbackQueryHandler(pickup, pattern=step("pickup")),
                CallbackQueryHandler(delivery, pattern=step("delivery")),
                typed,
            ],
            LOCATION: [
                MessageHandler(filters.LOCATION, location),
                CallbackQueryHandler(pickup, pattern=step("pickup")),
                MessageHandler(filters.ALL & ~filters.COMMAND, location_expected),
            ],
            NOTE: [
                CallbackQueryHandler(skip_note, pattern=step("skip")),
                MessageHandler(filters.TEXT & ~filters.COMMAND, note),
            ],
            CONFIRM: [CallbackQueryHandler(confirm, pattern=step("confirm")), typed],
        },
        fallbacks=[cancel_button, CommandHandler("cancel", cancel)],
        name="checkout",
        persistent=True,
        allow_reentry=True,
    )


def build_stale_checkout_handler() -> BaseHandler[Update, KiosContext, None]:
    """A checkout button pressed after its dialog ended."""
    return CallbackQueryHandler(stale_step, pattern=callbacks.pattern(callbacks.CHECKOUT))


async def stale_step(update: Update, context: KiosContext) -> None:
    """Tell the villager this checkout is over and where to go instead."""
    query = update.callback_query
    assert query is not None
    found = await visitor(update, context)
    await notice(query, found.locale, "checkout.stale", alert=True)
