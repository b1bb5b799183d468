"""The end of /ticket and /lodging: the last, optional answer (a note, a budget), the summary,
Confirm and Cancel; and what their questions share: the dialog's states and buttons, days and
counts to press or type, refusals.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from babel.dates import format_date
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ConversationHandler

from bot.context import KiosContext
from bot.domain.amounts import AmountRefused, parse_amount
from bot.domain.clock import local_today
from bot.domain.holding import TooManyOpenRequests
from bot.domain.money import Money, format_money
from bot.domain.phones import REGION_BY_CURRENCY
from bot.domain.pipeline import RequestKind
from bot.domain.travel import TicketClass, TicketKind, TravelProblem
from bot.domain.validators import (
    ValidationError,
    ValidationReason,
    parse_passenger_count,
    parse_travel_date,
)
from bot.services.submissions import submit_travel
from bot.views import callbacks
from bot.views.amount_texts import refusal_after
from bot.views.labels import class_label, ticket_label, travel_refusal_key
from bot.views.texts import Html, counted, plain, t
from handlers.common import Visitor, answer_press, notice, say, visitor_of
from handlers.dialogs import (
    REQUEST_KEY,
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
from storage import clock

DRAFT_KEY = "travel"
CLASSES = tuple(TicketClass)  # the class buttons, in order
# What the villager types is bounded (names and identity numbers of a group are long).
MAX_TYPED = 1000
DAY_BUTTONS = 7
COUNT_BUTTONS = 6
(T_KIND, T_FROM, T_TO, T_DATE, T_PAX, T_NAMES, T_IDS, T_CLASS, T_NOTE, CONFIRM) = (
    "t_kind",
    "t_from",
    "t_to",
    "t_date",
    "t_pax",
    "t_names",
    "t_ids",
    "t_class",
    "t_note",
    "travel_confirm",
)
(L_PLACE, L_IN, L_OUT, L_GUESTS, L_BUDGET) = ("l_place", "l_in", "l_out", "l_guests", "l_budget")


def today(visitor: Visitor) -> date:
    """Today's date on the clock of the visitor's center (the same for all its villagers)."""
    return local_today(clock.now(), visitor.center.currency if visitor.center else "IDR")


def region(visitor: Visitor) -> str:
    """The center's country."""
    return REGION_BY_CURRENCY.get(visitor.center.currency if visitor.center else "IDR", "ID")


def own_places(visitor: Visitor) -> tuple[str, ...]:
    """The places the center listed for its villagers."""
    return visitor.center.places if visitor.center else ()


def button(label: str, step: str, ident: int = 0) -> InlineKeyboardButton:
    """A travel dialog button."""
    return InlineKeyboardButton(label, callback_data=callbacks.step(callbacks.TRAVEL, step, ident))


def pattern(step: str) -> str:
    """Anchored pattern of one travel step button (any number)."""
    return callbacks.step_pattern(callbacks.TRAVEL, step, ident=None)


def draft(context: KiosContext) -> dict[str, Any]:
    """The trip or stay being described (persisted with the dialog)."""
    return draft_of(context, DRAFT_KEY)


def typed(update: Update) -> str:
    """The text the villager typed, bounded."""
    return typed_text(update, MAX_TYPED)


def ident_of(update: Update) -> int | None:
    """The number a pressed travel button carries."""
    query = update.callback_query
    parsed = callbacks.parse(query.data if query else None)
    return parsed.ident if parsed else None


def day_buttons(locale: str, step: str, start: date) -> InlineKeyboardMarkup:
    """Buttons for the coming days."""
    days = [start + timedelta(days=n) for n in range(DAY_BUTTONS)]
    rows = [[button(format_date(d, "EEE d MMM", locale=locale), step, d.toordinal())] for d in days]
    rows.append([button(plain(locale, "travel.cancel"), "no")])
    return InlineKeyboardMarkup(rows)


def count_buttons(locale: str, step: str) -> InlineKeyboardMarkup:
    """Buttons 1 to 6 for passengers or guests."""
    row = [button(str(n), step, n) for n in range(1, COUNT_BUTTONS + 1)]
    return InlineKeyboardMarkup([row, [button(plain(locale, "travel.cancel"), "no")]])


def chosen_day(update: Update, visitor: Visitor) -> date:
    """The day pressed or typed; ValidationError when it is not a coming day."""
    ident = ident_of(update)
    if ident is not None and update.callback_query:
        day = date.fromordinal(ident) if 700_000 < ident < 800_000 else date.min
        first = today(visitor)
        if not first <= day <= first + timedelta(days=365):
            raise ValidationError(ValidationReason.PAST)
        return day
    return parse_travel_date(typed(update), today(visitor), visitor.locale)


def chosen_count(update: Update) -> int:
    """The number pressed or typed (1 to 20)."""
    ident = ident_of(update)
    if ident is not None and update.callback_query:
        return parse_passenger_count(str(ident))
    return parse_passenger_count(typed(update))


async def refuse(
    update: Update,
    visitor: Visitor,
    reason: ValidationReason | TravelProblem,
    state: str,
    error: Exception | None = None,
) -> Step:
    """Explain what was wrong with the input (and with an amount, why) and stay in the step."""
    if update.callback_query:
        await notice(update.callback_query, visitor.locale, travel_refusal_key(reason), alert=True)
    else:
        why = refusal_after(visitor.locale, error) if error else ""
        await say(update, t(visitor.locale, travel_refusal_key(reason)) + why)
    return state


async def note(update: Update, context: KiosContext) -> Step:
    """Keep the note (or none) and show the summary."""
    visitor = await visitor_of(update, context)
    await answer_press(update)
    draft(context)["note"] = typed(update).strip()[:500] if not update.callback_query else ""
    return await summary(update, context, visitor)


async def lodging_budget(update: Update, context: KiosContext) -> Step:
    """Keep the budget per night (or none) and show the summary."""
    visitor = await visitor_of(update, context)
    assert visitor.center is not None
    if update.callback_query is None:
        try:
            budget = parse_amount(typed(update), visitor.center.currency)
        except AmountRefused as refused:
            return await refuse(update, visitor, TravelProblem.BUDGET, L_BUDGET, refused)
        draft(context)["budget"] = budget.minor
    await answer_press(update)
    return await summary(update, context, visitor)


async def summary(update: Update, context: KiosContext, visitor: Visitor) -> Step:
    """Show the request as the manager will get it, with Confirm and Cancel."""
    chosen = draft(context)
    give_request_key(chosen)
    kind = RequestKind.LODGING if chosen.get("lodging") else RequestKind.TICKET
    preview = summary_text(chosen, kind, visitor)
    rows = [
        [button(plain(visitor.locale, "travel.confirm"), "ok")],
        [button(plain(visitor.locale, "travel.cancel"), "no")],
    ]
    await say(
        update,
        t(visitor.locale, "travel.summary", details=Html(preview)),
        InlineKeyboardMarkup(rows),
    )
    return CONFIRM


def summary_text(chosen: dict[str, Any], kind: RequestKind, visitor: Visitor) -> str:
    """The request's details in the villager's words."""
    locale = visitor.locale

    def day(key: str) -> str:
        return format_date(date.fromisoformat(chosen[key]), "medium", locale=locale)

    if kind is RequestKind.TICKET:
        return t(
            locale,
            "ticket.summary",
            kind=ticket_label(locale, TicketKind(chosen["ticket"])),
            origin=chosen["from"],
            destination=chosen["to"],
            day=day("date"),
            names=", ".join(chosen["names"]),
            cls=class_label(locale, TicketClass(chosen["class"])),
            note=chosen.get("note") or "-",
        )
    budget = chosen.get("budget")
    return t(
        locale,
        "lodging.summary",
        place=chosen["place"],
        check_in=day("check_in"),
        check_out=day("check_out"),
        nights=counted(locale, "plural.nights", chosen["nights"]),
        guests=counted(locale, "plural.guests", chosen["guests"]),
        budget=budget_text(budget, visitor),
    )


def budget_text(budget: object, visitor: Visitor) -> str:
    """The budget per night as money, or a dash."""
    if not budget or visitor.center is None:
        return "-"
    return format_money(Money(int(str(budget)), visitor.center.currency), visitor.locale)


async def confirm(update: Update, context: KiosContext) -> Step:
    """Submit; the villager sees its number and that options will follow."""
    visitor = await visitor_of(update, context)
    query = update.callback_query
    assert query is not None
    chosen = dict(context.dialog.get(DRAFT_KEY) or {})
    complete = {"names", "class"} <= chosen.keys() or {"place", "guests"} <= chosen.keys()
    if visitor.center is None or not complete:
        context.dialog.pop(DRAFT_KEY, None)
        await notice(query, visitor.locale, "common.stale", alert=True)
        return ConversationHandler.END
    key = request_key(chosen)
    kind = RequestKind.LODGING if chosen.pop("lodging", False) else RequestKind.TICKET
    details = {name: value for name, value in chosen.items() if name != REQUEST_KEY}
    try:
        request = await submit_travel(
            context.store, visitor.user, visitor.center, kind, details, key
        )
    except TooManyOpenRequests as refused:
        context.dialog.pop(DRAFT_KEY, None)
        await show_not_sent(query, visitor.locale, refused, "requests.too_many_open")
        return ConversationHandler.END
    await query.answer()
    await show_submitted(query, visitor.locale, "travel.submitted", request)
    # Kept until the villager has seen it: a Confirm pressed again then finds the request.
    context.dialog.pop(DRAFT_KEY, None)
    return ConversationHandler.END


async def cancel(update: Update, context: KiosContext) -> Step:
    """Leave the dialog."""
    return await leave_dialog(update, context, DRAFT_KEY, "travel.cancelled")


async def use_buttons(update: Update, context: KiosContext) -> None:
    """Typed text where a button is expected."""
    await remind_buttons(update, context, "travel.use_buttons")
