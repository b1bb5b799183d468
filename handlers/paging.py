"""A paged list behind a command: the first page on the command, the others in place."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import KiosContext
from bot.views import callbacks
from handlers.common import Visitor, say, show, visitor_of

# Renders page `n` of a list for a visitor: its text and buttons (page turns included).
PageRenderer = Callable[
    [KiosContext, Visitor, int], Awaitable[tuple[str, InlineKeyboardMarkup | None]]
]


def paged_list(
    command: str, prefix: str, render: PageRenderer
) -> list[BaseHandler[Update, KiosContext, None]]:
    """/command shows the first page; a press on a `prefix` page button turns it in place."""

    async def first_page(update: Update, context: KiosContext) -> None:
        visitor = await visitor_of(update, context)
        text, markup = await render(context, visitor, 0)
        await say(update, text, markup)

    async def page_pressed(update: Update, context: KiosContext) -> None:
        query = update.callback_query
        assert query is not None
        visitor = await visitor_of(update, context)
        parsed = callbacks.parse(query.data)
        await query.answer()
        text, markup = await render(context, visitor, parsed.ident if parsed else 0)
        await show(query, text, markup)

    return [
        CommandHandler(command, first_page),
        CallbackQueryHandler(page_pressed, pattern=callbacks.pattern(prefix)),
    ]
