"""/ticket and /lodging: the villager describes the trip or stay; the manager quotes options,
the villager accepts one, the manager books it (handlers/request_actions.py).

This module asks the questions of both and wires them as one dialog; they share its ending
(handlers/travel_summary.py): the last, optional answer, the summary, Confirm and Cancel.
"""

from __future__ import annotations

from datetime import date, timedelta

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.context import KiosContext
from bot.domain.travel import (
    ID_NUMBERS,
    NEEDS_ID,
    TicketKind,
    TravelProblem,
    match_place,
    parse_names,
)
from bot.domain.validators import ValidationError, ValidationReason, check_stay, parse_id_number
from bot.views import callbacks
from bot.views.labels import class_label, ticket_label
from bot.views.texts import counted, plain, t
from handlers.common import Visitor, answer_press, joined_center, notice, say, visitor_of
from handlers.dialogs import Dialog, Handler, Step, StepHandler
from handlers.travel_summary import (
    CLASSES,
    CONFIRM,
    DRAFT_KEY,
    L_BUDGET,
    L_GUESTS,
    L_IN,
    L_OUT,
    L_PLACE,
    T_CLASS,
    T_DATE,
    T_FROM,
    T_IDS,
    T_KIND,
    T_NAMES,
    T_NOTE,
    T_PAX,
    T_TO,
    button,
    cancel,
    chosen_count,
    chosen_day,
    confirm,
    count_buttons,
    day_buttons,
    draft,
    lodging_budget,
    note,
    own_places,
    pattern,
    refuse,
    region,
    today,
    typed,
    use_buttons,
)

TEXT = filters.TEXT & ~filters.COMMAND
# A draft holds passengers' ID numbers: one left this long is forgotten.
DRAFT_TIMEOUT_S = 30 * 60


async def ticket_begin(update: Update, context: KiosContext) -> Step:
    """/ticket: bus, train, ferry or plane?"""
    visitor = await visitor_of(update, context)
    if await joined_center(update, visitor) is None:
        return ConversationHandler.END
    context.dialog[DRAFT_KEY] = {}
    rows = [[button(ticket_label(visitor.locale, k), k.value)] for k in TicketKind]
    rows.append([button(plain(visitor.locale, "travel.cancel"), "no")])
    await say(update, t(visitor.locale, "ticket.ask_kind"), InlineKeyboardMarkup(rows))
    return T_KIND


async def ticket_kind(update: Update, context: KiosContext) -> Step:
    """Remember how they travel; ask where from."""
    visitor = await visitor_of(update, context)
    query = update.callback_query
    assert query is not None
    parsed = callbacks.parse(query.data)
    if parsed is None or parsed.arg not in {k.value for k in TicketKind}:
        await notice(query, visitor.locale, "common.stale", alert=True)
        return T_KIND
    await answer_press(update)
    draft(context)["ticket"] = parsed.arg
    await say(update, t(visitor.locale, "ticket.ask_from"))
    return T_FROM


async def ticket_from(update: Update, context: KiosContext) -> Step:
    """Match the departure place; ask where to."""
    visitor = await visitor_of(update, context)
    try:
        draft(context)["from"] = match_place(typed(update), region(visitor), own_places(visitor))
    except ValidationError as error:
        return await refuse(update, visitor, error.reason, T_FROM)
    await say(update, t(visitor.locale, "ticket.ask_to", origin=draft(context)["from"]))
    return T_TO


async def ticket_to(update: Update, context: KiosContext) -> Step:
    """Match the destination; ask the day."""
    visitor = await visitor_of(update, context)
    try:
        draft(context)["to"] = match_place(typed(update), region(visitor), own_places(visitor))
    except ValidationError as error:
        return await refuse(update, visitor, error.reason, T_TO)
    await say(
        update,
        t(visitor.locale, "ticket.ask_date"),
        day_buttons(visitor.locale, "day", today(visitor)),
    )
    return T_DATE


async def ticket_date(update: Update, context: KiosContext) -> Step:
    """Keep the travel day; ask how many travel."""
    visitor = await visitor_of(update, context)
    try:
        day = chosen_day(update, visitor)
    except ValidationError as error:
        return await refuse(update, visitor, error.reason, T_DATE)
    await answer_press(update)
    draft(context)["date"] = day.isoformat()
    await say(update, t(visitor.locale, "ticket.ask_count"), count_buttons(visitor.locale, "pax"))
    return T_PAX


async def ticket_count(update: Update, context: KiosContext) -> Step:
    """Keep the number of passengers; ask their names."""
    visitor = await visitor_of(update, context)
    try:
        count = chosen_count(update)
    except ValidationError as error:
        return await refuse(update, visitor, error.reason, T_PAX)
    await answer_press(update)
    draft(context)["count"] = count
    passengers = counted(visitor.locale, "plural.passengers", count)
    await say(update, t(visitor.locale, "ticket.ask_names", passengers=passengers))
    return T_NAMES


async def ticket_names(update: Update, context: KiosContext) -> Step:
    """Keep the names; trains and planes also need identity numbers."""
    visitor = await visitor_of(update, context)
    chosen = draft(context)
    try:
        chosen["names"] = parse_names(typed(update), int(chosen.get("count", 0)))
    except ValidationError:
        return await refuse(update, visitor, TravelProblem.NAMES, T_NAMES)
    if TicketKind(chosen["ticket"]) in NEEDS_ID:
        id_numbers = counted(visitor.locale, "plural.id_numbers", len(chosen["names"]))
        await say(update, t(visitor.locale, "ticket.ask_ids", id_numbers=id_numbers))
        return T_IDS
    return await ask_class(update, visitor)


async def ticket_ids(update: Update, context: KiosContext) -> Step:
    """Check one identity number per passenger."""
    visitor = await visitor_of(update, context)
    chosen = draft(context)
    lines = [line for line in typed(update).splitlines() if line.strip()]
    try:
        if len(lines) != len(chosen.get("names", [])):
            raise ValidationError(ValidationReason.RANGE)
        chosen[ID_NUMBERS] = [parse_id_number(line, region(visitor)) for line in lines]
    except ValidationError:
        return await refuse(update, visitor, TravelProblem.IDS, T_IDS)
    return await ask_class(update, visitor)


async def ask_class(update: Update, visitor: Visitor) -> Step:
    """Economy, business, or whatever is available."""
    rows = [[button(class_label(visitor.locale, c), f"c-{c}")] for c in CLASSES]
    await say(update, t(visitor.locale, "ticket.ask_class"), InlineKeyboardMarkup(rows))
    return T_CLASS


async def ticket_class(update: Update, context: KiosContext) -> Step:
    """Keep the class; ask for an optional note."""
    visitor = await visitor_of(update, context)
    parsed = callbacks.parse(update.callback_query.data if update.callback_query else None)
    await answer_press(update)
    draft(context)["class"] = (parsed.arg or "c-any")[2:] if parsed else "any"
    rows = [[button(plain(visitor.locale, "travel.no_note"), "skip")]]
    await say(update, t(visitor.locale, "travel.ask_note"), InlineKeyboardMarkup(rows))
    return T_NOTE


async def lodging_begin(update: Update, context: KiosContext) -> Step:
    """/lodging: where?"""
    visitor = await visitor_of(update, context)
    if await joined_center(update, visitor) is None:
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
        day_buttons(visitor.locale, "in", today(visitor)),
    )
    return L_IN


async def lodging_check_in(update: Update, context: KiosContext) -> Step:
    """Keep check-in; ask check-out."""
    visitor = await visitor_of(update, context)
    try:
        day = chosen_day(update, visitor)
    except ValidationError as error:
        return await refuse(update, visitor, error.reason, L_IN)
    await answer_press(update)
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
    await answer_press(update)
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
    await answer_press(update)
    rows = [[button(plain(visitor.locale, "lodging.no_budget"), "skip")]]
    await say(update, t(visitor.locale, "lodging.ask_budget"), InlineKeyboardMarkup(rows))
    return L_BUDGET


def press_or_type(step: StepHandler, name: str) -> list[Handler]:
    """A question answered by pressing its `name` buttons or by typing."""
    return [CallbackQueryHandler(step, pattern=pattern(name)), MessageHandler(TEXT, step)]


def build_travel_conversation() -> Dialog:
    """The persistent /ticket and /lodging dialogs (one handler: they share their ending)."""
    kinds = callbacks.step_pattern(callbacks.TRAVEL, *(k.value for k in TicketKind))
    classes = callbacks.step_pattern(callbacks.TRAVEL, *(f"c-{c}" for c in CLASSES))
    buttons_only: Handler = MessageHandler(TEXT, use_buttons)
    states: dict[object, list[Handler]] = {
        T_KIND: [CallbackQueryHandler(ticket_kind, pattern=kinds), buttons_only],
        T_FROM: [MessageHandler(TEXT, ticket_from)],
        T_TO: [MessageHandler(TEXT, ticket_to)],
        T_DATE: press_or_type(ticket_date, "day"),
        T_PAX: press_or_type(ticket_count, "pax"),
        T_NAMES: [MessageHandler(TEXT, ticket_names)],
        T_IDS: [MessageHandler(TEXT, ticket_ids)],
        T_CLASS: [CallbackQueryHandler(ticket_class, pattern=classes), buttons_only],
        T_NOTE: press_or_type(note, "skip"),
        L_PLACE: [MessageHandler(TEXT, lodging_place)],
        L_IN: press_or_type(lodging_check_in, "in"),
        L_OUT: press_or_type(lodging_check_out, "out"),
        L_GUESTS: press_or_type(lodging_guests, "gst"),
        L_BUDGET: press_or_type(lodging_budget, "skip"),
        CONFIRM: [CallbackQueryHandler(confirm, pattern=pattern("ok")), buttons_only],
    }
    return Dialog(
        entry_points=[
            CommandHandler("ticket", ticket_begin),
            CommandHandler("lodging", lodging_begin),
        ],
        states=states,
        fallbacks=[
            CallbackQueryHandler(cancel, pattern=pattern("no")),
            CommandHandler("cancel", cancel),
        ],
        name="travel",
        persistent=True,
        conversation_timeout=DRAFT_TIMEOUT_S,
        draft_key=DRAFT_KEY,
        allow_reentry=True,
    )
