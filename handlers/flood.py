"""Holding back a user who writes faster than a person does, before any handler sees it."""

from __future__ import annotations

import time

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot.context import KiosContext
from bot.domain.flood import Verdict
from bot.views.texts import t
from handlers.common import say, visitor_of


async def hold_back_floods(update: Update, context: KiosContext) -> None:
    """Let the update through, or stop it; the first stopped update of a flood hears why.

    A stopped update reaches no handler, so nothing of it is stored; a pressed button is still
    answered (that is not a message), so its spinner stops.
    """
    user = update.effective_user
    assert user is not None  # the gate before this one stops updates without a user
    verdict = context.services.flood.check(user.id, time.monotonic())
    if verdict is Verdict.ALLOW:
        return
    query = update.callback_query
    if verdict is Verdict.REFUSE_AND_TELL:
        locale = (await visitor_of(update, context)).locale
        if query is not None:
            await query.answer(t(locale, "common.slow_down"), show_alert=True)
        else:
            await say(update, t(locale, "common.slow_down"))
    elif query is not None:
        await query.answer()
    raise ApplicationHandlerStop
