"""Lodging steps: where, check-in and check-out, guests, budget per night."""

from __future__ import annotations

from datetime import date, timedelta

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import (
    ConversationHandler,
)

from bot.context import KiosContext
from bot.domain.money import MoneyError, parse_major
from bot.domain.travel import match_place
from bot.domain.validators import (
    ValidationError,
    check_stay,
)
from bot.views.texts import plain, t
from handlers.common import say, visitor_of
from handlers.travel_common import (
    DRAFT_KEY,
    L_BUDGET,
    L_GUESTS,
    L_IN,
    L_OUT,
    L_PLACE,
    Step,
    button,
    chosen_count,
    chosen_day,
    count_buttons,
    day_buttons,
    draft,
    own_places,
    pressed,
    refuse,
    region,
    summary,
    today,
    typed,
)


async def lodging_begin(update: Update, context: KiosContext) -> Step:
    """/lodging: where?"""
    visitor = await visitor_of(update, context)
    if visitor.center is None:
        await say(update, t(visitor.locale, "onboarding.ask_center"))
        return ConversationHandler.END
    context.dialog[DRAFT_KEY] = {"lodging": True}
    await say(update, t(visitor.locale, "lodging.ask_place"))
    return L_PLACE


async def lodging_place(update: Update, context: KiosContext) -> Step:
    """Keep the place; ask the check-in day."""
    visitor = await visitor_of(update, context)
    try:
        draft(context)["place"] = match_place(typed(update), region(visitor), own_places(visitor))
    except ValidationError as error:
        return await refuse(update, visitor, error.reason, L_PLACE)
    await say(
        update,
        t(visitor.locale, "lodging.ask_check_in"),
        day_buttons(visitor.locale, "in", today()),
    )
    return L_IN


async def lodging_check_in(update: Update, context: KiosContext) -> Step:
    """Keep check-in; ask check-out."""
    visitor = await visitor_of(update, context)
    try:
        day = chosen_day(update, visitor)
    except ValidationError as error:
        return await refuse(update, visitor, error.reason, L_IN)
    await pressed(update)
    draft(context)["check_in"] = day.isoformat()
    markup = day_buttons(visitor.locale, "out", day + timedelta(days=1))
    await say(update, t(visitor.locale, "lodging.ask_check_out"), markup)
    return L_OUT


async def lodging_check_out(update: Update, context: KiosContext) -> Step:
    """Check-out must come after check-in; ask how many guests."""
    visitor = await visitor_of(update, context)
    chosen = draft(context)
    try:
        day = chosen_day(update, visitor)
        chosen["nights"] = check_stay(date.fromisoformat(chosen["check_in"]), day)
    except ValidationError as error:
        return await refuse(update, visitor, error.reason, L_OUT)
    await pressed(update)
    chosen["check_out"] = day.isoformat()
    await say(update, t(visitor.locale, "lodging.ask_guests"), count_buttons(visitor.locale, "gst"))
    return L_GUESTS


async def lodging_guests(update: Update, context: KiosContext) -> Step:
    """Keep the guests; ask the budget per night."""
    visitor = await visitor_of(update, context)
    try:
        draft(context)["guests"] = chosen_count(update)
    except ValidationError as error:
        return await refuse(update, visitor, error.reason, L_GUESTS)
    await pressed(update)
    rows = [[button(plain(visitor.locale, "lodging.no_budget"), "skip")]]
    await say(update, t(visitor.locale, "lodging.ask_budget"), InlineKeyboardMarkup(rows))
    return L_BUDGET


async def lodging_budget(update: Update, context: KiosContext) -> Step:
    """Keep the budget per night (or none) and show the summary."""
    visitor = await visitor_of(update, context)
    assert visitor.center is not None
    if update.callback_query is None:
        try:
            budget = parse_major(typed(update).replace(".", "").strip(), visitor.center.currency)
        except MoneyError:
            return await refuse(update, visitor, "budget", L_BUDGET)
        draft(context)["budget"] = budget.minor
    await pressed(update)
    return await summary(update, context, visitor)
