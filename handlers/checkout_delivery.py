"""Checkout's second step: how the order reaches the villager, then the optional note.

Pickup at the center, or delivery to a location the villager shares, if it lies inside the
center's radius (outside it, pickup is offered instead).
"""

from __future__ import annotations

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)

from bot.context import KiosContext
from bot.domain.pipeline import Fulfilment
from bot.services.submissions import check_delivery
from bot.views import callbacks
from bot.views.texts import distance_km, number, plain, t
from handlers.common import Visitor, say, show, visitor_of
from handlers.dialogs import Step, draft_of, remind_buttons

CHOOSE, LOCATION, NOTE, CONFIRM = "choose", "location", "note", "confirm"
DRAFT_KEY = "checkout"


def step(name: str) -> str:
    """Anchored pattern of one checkout button."""
    return callbacks.step_pattern(callbacks.CHECKOUT, name)


def button(locale: str, key: str, name: str) -> InlineKeyboardButton:
    """A checkout step button."""
    return InlineKeyboardButton(
        plain(locale, key), callback_data=callbacks.step(callbacks.CHECKOUT, name)
    )


async def pickup(update: Update, context: KiosContext) -> Step:
    """Pickup at the center; next, the note."""
    visitor = await visitor_of(update, context)
    draft_of(context, DRAFT_KEY).update(
        fulfilment=Fulfilment.PICKUP.value, lat=None, lon=None, distance_m=None
    )
    await answer_and_mark(update, visitor, "checkout.chose_pickup")
    return await ask_note(update, visitor)


async def delivery(update: Update, context: KiosContext) -> Step:
    """Delivery: ask for the villager's location with a location button."""
    visitor = await visitor_of(update, context)
    await answer_and_mark(update, visitor, "checkout.chose_delivery")
    keyboard = ReplyKeyboardMarkup(
        [[KeyboardButton(plain(visitor.locale, "checkout.send_location"), request_location=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )
    await say(update, t(visitor.locale, "checkout.ask_location"), keyboard)
    return LOCATION


async def answer_and_mark(update: Update, visitor: Visitor, key: str) -> None:
    """Answer the press and leave the choice visible on the question, without buttons."""
    query = update.callback_query
    if query is None:
        return
    await query.answer()
    await show(query, t(visitor.locale, key))


async def location(update: Update, context: KiosContext) -> Step:
    """Measure the distance; inside the radius go on, outside explain and offer pickup."""
    visitor = await visitor_of(update, context)
    message = update.effective_message
    place = message.location if message else None
    assert place is not None and visitor.center is not None
    checked = check_delivery(visitor.center, place.latitude, place.longitude)
    if checked is None or not checked.within:
        km = distance_km(visitor.locale, checked.distance_m if checked else 0)
        radius = number(visitor.locale, visitor.center.radius_km)
        rows = [
            [button(visitor.locale, "checkout.pickup", "pickup")],
            [button(visitor.locale, "checkout.cancel", "cancel")],
        ]
        await say(
            update,
            t(visitor.locale, "checkout.too_far", km=km, radius=radius),
            InlineKeyboardMarkup(rows),
        )
        return LOCATION
    draft_of(context, DRAFT_KEY).update(
        fulfilment=Fulfilment.DELIVERY.value,
        lat=place.latitude,
        lon=place.longitude,
        distance_m=round(checked.distance_m),
    )
    await say(
        update,
        t(
            visitor.locale,
            "checkout.location_ok",
            km=distance_km(visitor.locale, checked.distance_m),
        ),
        ReplyKeyboardRemove(),
    )
    return await ask_note(update, visitor, delivery=True)


async def location_expected(update: Update, context: KiosContext) -> Step:
    """Something other than a location arrived: explain the button again."""
    await remind_buttons(update, context, "checkout.location_needed")
    return LOCATION


async def ask_note(update: Update, visitor: Visitor, *, delivery: bool = False) -> str:
    """Offer an optional note for the manager, about the pickup or the delivery."""
    rows = [
        [button(visitor.locale, "checkout.skip_note", "skip")],
        [button(visitor.locale, "checkout.cancel", "cancel")],
    ]
    key = "checkout.ask_delivery_note" if delivery else "checkout.ask_note"
    await say(update, t(visitor.locale, key), InlineKeyboardMarkup(rows))
    return NOTE
