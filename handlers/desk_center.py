"""/center: one who manages or helps at several centers chooses which one they work on now;
/queue and the manager's commands act on it."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import KiosContext
from bot.views import callbacks
from bot.views.texts import t
from handlers.common import Visitor, notice, say, show, visitor_of


def desk_buttons(visitor: Visitor) -> InlineKeyboardMarkup:
    """One button a center they work on; the one they work on now is ticked."""
    desk = visitor.desk
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    f"✓ {center.name}" if center == desk else center.name,
                    callback_data=callbacks.build(callbacks.DESK, center.id),
                )
            ]
            for center in visitor.desks
        ]
    )


async def choose_center(update: Update, context: KiosContext) -> None:
    """/center: the centers they work on, to choose one (or the only one, named)."""
    visitor = await visitor_of(update, context)
    desk = visitor.desk
    if desk is None:
        await say(update, t(visitor.locale, "staff.no_desk"))
    elif len(visitor.desks) == 1:
        await say(update, t(visitor.locale, "staff.desk_only", center=desk.name))
    else:
        await say(update, t(visitor.locale, "staff.desks", center=desk.name), desk_buttons(visitor))


async def center_pressed(update: Update, context: KiosContext) -> None:
    """Work on the pressed center, if it is one of theirs (a forged press changes nothing)."""
    query = update.callback_query
    assert query is not None
    visitor = await visitor_of(update, context)
    parsed = callbacks.parse(query.data)
    center = next((c for c in visitor.desks if parsed and c.id == parsed.ident), None)
    if center is None:
        await notice(query, visitor.locale, "staff.not_your_center", alert=True)
        return
    await query.answer()
    await context.store.users.set_desk_center(visitor.user.id, center.id)
    await show(query, t(visitor.locale, "staff.desk_chosen", center=center.name))


def build_desk_center_handlers() -> list[BaseHandler[Update, KiosContext, None]]:
    """Handlers for /center and its buttons."""
    return [
        CommandHandler("center", choose_center),
        CallbackQueryHandler(center_pressed, pattern=callbacks.item_pattern(callbacks.DESK)),
    ]
