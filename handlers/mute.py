"""/mute and /unmute: a villager stops or resumes their center's announcements."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot.context import KiosContext
from bot.views.texts import t
from handlers.common import say, visitor_of

# (wants muted, was muted already) -> the reply
MUTE_REPLIES = {
    (True, False): "announcements.muted",
    (True, True): "announcements.already_muted",
    (False, True): "announcements.unmuted",
    (False, False): "announcements.already_unmuted",
}


async def mute(update: Update, context: KiosContext) -> None:
    """/mute: stop the center's announcements (order updates still arrive)."""
    await set_muted(update, context, muted=True)


async def unmute(update: Update, context: KiosContext) -> None:
    """/unmute: receive the center's announcements again."""
    await set_muted(update, context, muted=False)


async def set_muted(update: Update, context: KiosContext, *, muted: bool) -> None:
    """Store the villager's choice and confirm it; repeating it changes nothing and says so."""
    visitor = await visitor_of(update, context)
    if visitor.user.muted != muted:
        await context.store.users.set_muted(visitor.user.id, muted)
    await say(update, t(visitor.locale, MUTE_REPLIES[muted, visitor.user.muted]))


def build_mute_handlers() -> list[BaseHandler[Update, KiosContext, None]]:
    """Handlers for /mute and /unmute."""
    return [
        CommandHandler("mute", mute),
        CommandHandler("unmute", unmute),
    ]
