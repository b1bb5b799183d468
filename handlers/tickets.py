"""Ticket steps: bus, train, ferry or plane; where, when, who, which class."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import (
    ConversationHandler,
)

from bot.context import KiosContext
from bot.domain.travel import NEEDS_ID, TicketKind, match_place, parse_names
from bot.domain.validators import (
    ValidationError,
    parse_id_number,
)
from bot.views import callbacks
from bot.views.texts import plain, t
from handlers.common import Visitor, notice, say, visitor_of
from handlers.travel_common import (
    CLASSES,
    DRAFT_KEY,
    T_CLASS,
    T_DATE,
    T_FROM,
    T_IDS,
    T_KIND,
    T_NAMES,
    T_NOTE,
    T_PAX,
    T_TO,
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


async def ticket_begin(update: Update, context: KiosContext) -> Step:
    """/ticket: bus, train, ferry or plane?"""
    visitor = await visitor_of(update, context)
    if visitor.center is None:
        await say(update, t(visitor.locale, "onboarding.ask_center"))
        return ConversationHandler.END
    context.dialog[DRAFT_KEY] = {}
    rows = [[button(plain(visitor.locale, f"ticket.{k.value}"), k.value)] for k in TicketKind]
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
    await pressed(update)
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
        update, t(visitor.locale, "ticket.ask_date"), day_buttons(visitor.locale, "day", today())
    )
    return T_DATE


async def ticket_date(update: Update, context: KiosContext) -> Step:
    """Keep the travel day; ask how many travel."""
    visitor = await visitor_of(update, context)
    try:
        day = chosen_day(update, visitor)
    except ValidationError as error:
        return await refuse(update, visitor, error.reason, T_DATE)
    await pressed(update)
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
    await pressed(update)
    draft(context)["count"] = count
    await say(update, t(visitor.locale, "ticket.ask_names", count=count))
    return T_NAMES


async def ticket_names(update: Update, context: KiosContext) -> Step:
    """Keep the names; trains and planes also need identity numbers."""
    visitor = await visitor_of(update, context)
    chosen = draft(context)
    try:
        chosen["names"] = parse_names(typed(update), int(chosen.get("count", 0)))
    except ValidationError:
        return await refuse(update, visitor, "names", T_NAMES)
    if TicketKind(chosen["ticket"]) in NEEDS_ID:
        await say(update, t(visitor.locale, "ticket.ask_ids", count=len(chosen["names"])))
        return T_IDS
    return await ask_class(update, visitor)


async def ticket_ids(update: Update, context: KiosContext) -> Step:
    """Check one identity number per passenger."""
    visitor = await visitor_of(update, context)
    chosen = draft(context)
    lines = [line for line in typed(update).splitlines() if line.strip()]
    try:
        if len(lines) != len(chosen.get("names", [])):
            raise ValidationError("range")
        chosen["ids"] = [parse_id_number(line, region(visitor)) for line in lines]
    except ValidationError:
        return await refuse(update, visitor, "ids", T_IDS)
    return await ask_class(update, visitor)


async def ask_class(update: Update, visitor: Visitor) -> Step:
    """Economy, business, or whatever is available."""
    rows = [[button(plain(visitor.locale, f"ticket.class.{c}"), f"c-{c}")] for c in CLASSES]
    await say(update, t(visitor.locale, "ticket.ask_class"), InlineKeyboardMarkup(rows))
    return T_CLASS


async def ticket_class(update: Update, context: KiosContext) -> Step:
    """Keep the class; ask for an optional note."""
    visitor = await visitor_of(update, context)
    parsed = callbacks.parse(update.callback_query.data if update.callback_query else None)
    await pressed(update)
    draft(context)["class"] = (parsed.arg or "c-any")[2:] if parsed else "any"
    rows = [[button(plain(visitor.locale, "travel.no_note"), "skip")]]
    await say(update, t(visitor.locale, "travel.ask_note"), InlineKeyboardMarkup(rows))
    return T_NOTE


async def note(update: Update, context: KiosContext) -> Step:
    """Keep the note (or none) and show the summary."""
    visitor = await visitor_of(update, context)
    await pressed(update)
    draft(context)["note"] = typed(update).strip()[:500] if not update.callback_query else ""
    return await summary(update, context, visitor)
