"""Tickets and lodging: the villager describes the trip or stay, the manager quotes options,
the villager accepts one, the manager books it. This module wires the two dialogs.
"""

from __future__ import annotations

from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.domain.travel import TicketKind
from bot.views import callbacks
from handlers.dialogs import Dialog
from handlers.lodging import (
    lodging_begin,
    lodging_budget,
    lodging_check_in,
    lodging_check_out,
    lodging_guests,
    lodging_place,
)
from handlers.tickets import (
    note,
    ticket_begin,
    ticket_class,
    ticket_count,
    ticket_date,
    ticket_from,
    ticket_ids,
    ticket_kind,
    ticket_names,
    ticket_to,
)
from handlers.travel_common import (
    CLASSES,
    CONFIRM,
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
    Handler,
    cancel,
    confirm,
    pattern,
    use_buttons,
)

TEXT = filters.TEXT & ~filters.COMMAND


def build_travel_conversation() -> Dialog:
    """The persistent /ticket and /lodging dialogs (one handler: they share their ending)."""
    kinds = "|".join(k.value for k in TicketKind)
    classes = "|".join(f"c-{c}" for c in CLASSES)
    buttons_only: Handler = MessageHandler(TEXT, use_buttons)
    states: dict[object, list[Handler]] = {
        T_KIND: [
            CallbackQueryHandler(ticket_kind, pattern=rf"^{callbacks.TRAVEL}:0:({kinds})$"),
            buttons_only,
        ],
        T_FROM: [MessageHandler(TEXT, ticket_from)],
        T_TO: [MessageHandler(TEXT, ticket_to)],
        T_DATE: [
            CallbackQueryHandler(ticket_date, pattern=pattern("day")),
            MessageHandler(TEXT, ticket_date),
        ],
        T_PAX: [
            CallbackQueryHandler(ticket_count, pattern=pattern("pax")),
            MessageHandler(TEXT, ticket_count),
        ],
        T_NAMES: [MessageHandler(TEXT, ticket_names)],
        T_IDS: [MessageHandler(TEXT, ticket_ids)],
        T_CLASS: [
            CallbackQueryHandler(ticket_class, pattern=rf"^{callbacks.TRAVEL}:0:({classes})$"),
            buttons_only,
        ],
        T_NOTE: [CallbackQueryHandler(note, pattern=pattern("skip")), MessageHandler(TEXT, note)],
        L_PLACE: [MessageHandler(TEXT, lodging_place)],
        L_IN: [
            CallbackQueryHandler(lodging_check_in, pattern=pattern("in")),
            MessageHandler(TEXT, lodging_check_in),
        ],
        L_OUT: [
            CallbackQueryHandler(lodging_check_out, pattern=pattern("out")),
            MessageHandler(TEXT, lodging_check_out),
        ],
        L_GUESTS: [
            CallbackQueryHandler(lodging_guests, pattern=pattern("gst")),
            MessageHandler(TEXT, lodging_guests),
        ],
        L_BUDGET: [
            CallbackQueryHandler(lodging_budget, pattern=pattern("skip")),
            MessageHandler(TEXT, lodging_budget),
        ],
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
        allow_reentry=True,
    )
