"""Reaching villagers: /mute and /unmute the center's announcements, and the /poster to print."""

from __future__ import annotations

import asyncio

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot.context import KiosContext
from bot.domain.entities import Center
from bot.views.poster import can_draw, deep_link, make_poster
from bot.views.texts import pick_locale, plain, t
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


def poster_tagline(center: Center) -> str:
    """The invitation in the center's language, or in English if no font here can draw it."""
    tagline = plain(pick_locale(None, None, center.language), "poster.tagline")
    return tagline if can_draw(tagline) else plain("en", "poster.tagline")


async def poster(update: Update, context: KiosContext) -> None:
    """/poster: send the manager an A4 poster whose QR code joins their center."""
    visitor = await visitor_of(update, context)
    chat = update.effective_chat
    assert chat is not None
    if not visitor.managed:
        await say(update, t(visitor.locale, "poster.not_manager"))
        return
    center = visitor.managed[0]
    link = deep_link(context.bot.username, center.code)
    # Drawing takes a moment: keep the event loop free for other villagers meanwhile.
    png = await asyncio.to_thread(
        make_poster, center.name, center.code, link, poster_tagline(center)
    )
    # A document, not a photo: Telegram would shrink and recompress a photo, blurring the print.
    await chat.send_document(
        png,
        filename=f"poster-{center.code}.png",
        caption=t(visitor.locale, "poster.caption", center=center.name, link=link),
    )


def build_announcement_handlers() -> list[BaseHandler[Update, KiosContext, None]]:
    """Handlers for /mute, /unmute and /poster."""
    return [
        CommandHandler("mute", mute),
        CommandHandler("unmute", unmute),
        CommandHandler("poster", poster),
    ]
