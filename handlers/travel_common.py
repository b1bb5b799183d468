"""What the ticket and lodging dialogs share: buttons, dates, counts, and their ending."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from babel.dates import format_date
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    BaseHandler,
    ConversationHandler,
)

from bot.context import KiosContext
from bot.domain.money import Money, format_money
from bot.domain.phones import REGION_BY_CURRENCY
from bot.domain.pipeline import RequestKind, Role
from bot.domain.validators import (
    ValidationError,
    parse_passenger_count,
    parse_travel_date,
)
from bot.services.submissions import submit_travel
from bot.views import callbacks
from bot.views.cards import action_buttons, villager_card_text
from bot.views.texts import Html, plain, t
from handlers.common import Visitor, leave_dialog, notice, remind_buttons, say, show, visitor

Step = str | int | None
Handler = BaseHandler[Update, KiosContext, object]
DRAFT_KEY = "travel"
CLASSES = ("economy", "business", "any")
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


def today() -> date:
    """Today's date (UTC: the same for every villager of a center)."""
    return datetime.now(UTC).date()


def region(found: Visitor) -> str:
    """The center's country."""
    return REGION_BY_CURRENCY.get(found.center.currency if found.center else "IDR", "ID")


def own_places(found: Visitor) -> tuple[str, ...]:
    """The places the center listed for its villagers."""
    return found.center.places if found.center else ()


def button(label: str, step: str, ident: int = 0) -> InlineKeyboardButton:
    """A travel dialog button."""
    return InlineKeyboardButton(label, callback_data=callbacks.build(callbacks.TRAVEL, ident, step))


def pattern(step: str) -> str:
    """Anchored pattern of one travel step button."""
    return rf"^{callbacks.TRAVEL}:[0-9]+:{step}$"


def draft(context: KiosContext) -> dict[str, Any]:
    """The trip or stay being described (persisted with the dialog)."""
    value: dict[str, Any] = context.dialog.setdefault(DRAFT_KEY, {})
    return value


def typed(update: Update) -> str:
    """The text the villager typed, bounded."""
    message = update.effective_message
    return (message.text or "")[:1000] if message else ""


def ident_of(update: Update) -> int | None:
    """The number a pressed travel button carries."""
    query = update.callback_query
    parsed = callbacks.parse(query.data if query else None)
    return parsed.ident if parsed else None


async def pressed(update: Update) -> None:
    """Answer the press (steps then send their next question as a new message)."""
    if update.callback_query:
        await update.callback_query.answer()


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


def chosen_day(update: Update, found: Visitor) -> date:
    """The day pressed or typed; ValidationError when it is not a coming day."""
    ident = ident_of(update)
    if ident is not None and update.callback_query:
        day = date.fromordinal(ident) if 700_000 < ident < 800_000 else date.min
        if not today() <= day <= today() + timedelta(days=365):
            raise ValidationError("past")
        return day
    return parse_travel_date(typed(update), today(), found.locale)


def chosen_count(update: Update) -> int:
    """The number pressed or typed (1 to 20)."""
    ident = ident_of(update)
    if ident is not None and update.callback_query:
        return parse_passenger_count(str(ident))
    return parse_passenger_count(typed(update))


async def refuse(update: Update, found: Visitor, reason: str, state: str) -> Step:
    """Explain what was wrong with the input and stay in the same step."""
    if update.callback_query:
        await notice(update.callback_query, found.locale, f"travel.invalid.{reason}", alert=True)
    else:
        await say(update, t(found.locale, f"travel.invalid.{reason}"))
    return state


async def summary(update: Update, context: KiosContext, found: Visitor) -> Step:
    """Show the request as the manager will get it, with Confirm and Cancel."""
    chosen = draft(context)
    kind = RequestKind.LODGING if chosen.get("lodging") else RequestKind.TICKET
    preview = summary_text(chosen, kind, found)
    rows = [
        [button(plain(found.locale, "travel.confirm"), "ok")],
        [button(plain(found.locale, "travel.cancel"), "no")],
    ]
    await say(
        update, t(found.locale, "travel.summary", details=Html(preview)), InlineKeyboardMarkup(rows)
    )
    return CONFIRM


def summary_text(chosen: dict[str, Any], kind: RequestKind, found: Visitor) -> str:
    """The request's details in the villager's words."""
    locale = found.locale

    def day(key: str) -> str:
        return format_date(date.fromisoformat(chosen[key]), "medium", locale=locale)

    if kind is RequestKind.TICKET:
        return t(
            locale,
            "ticket.summary",
            kind=plain(locale, f"ticket.{chosen['ticket']}"),
            origin=chosen["from"],
            destination=chosen["to"],
            day=day("date"),
            names=", ".join(chosen["names"]),
            cls=plain(locale, f"ticket.class.{chosen['class']}"),
            note=chosen.get("note") or "-",
        )
    budget = chosen.get("budget")
    return t(
        locale,
        "lodging.summary",
        place=chosen["place"],
        check_in=day("check_in"),
        check_out=day("check_out"),
        nights=chosen["nights"],
        guests=chosen["guests"],
        budget=budget_text(budget, found),
    )


def budget_text(budget: object, found: Visitor) -> str:
    """The budget per night as money, or a dash."""
    if not budget or found.center is None:
        return "-"
    return format_money(Money(int(str(budget)), found.center.currency), found.locale)


async def confirm(update: Update, context: KiosContext) -> Step:
    """Submit; the villager sees its number and that options will follow."""
    found = await visitor(update, context)
    query = update.callback_query
    assert query is not None
    chosen = context.dialog.pop(DRAFT_KEY, None) or {}
    complete = {"names", "class"} <= chosen.keys() or {"place", "guests"} <= chosen.keys()
    if found.center is None or not complete:
        await notice(query, found.locale, "common.stale", alert=True)
        return ConversationHandler.END
    kind = RequestKind.LODGING if chosen.pop("lodging", False) else RequestKind.TICKET
    request = await submit_travel(context.store, found.user, found.center, kind, chosen)
    await query.answer()
    text = t(found.locale, "travel.submitted", card=Html(villager_card_text(request, found.locale)))
    await show(query, text, action_buttons(request, Role.VILLAGER, found.locale))
    return ConversationHandler.END


async def cancel(update: Update, context: KiosContext) -> Step:
    """Leave the dialog."""
    return await leave_dialog(update, context, DRAFT_KEY, "travel.cancelled")


async def use_buttons(update: Update, context: KiosContext) -> None:
    """Typed text where a button is expected."""
    await remind_buttons(update, context, "travel.use_buttons")
