"""/poster: the manager gets an A4 poster to print, whose QR code joins their center."""

from __future__ import annotations

import asyncio

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot.context import KiosContext
from bot.domain.entities import Center
from bot.views.poster import can_draw, make_poster
from bot.views.texts import pick_locale, plain, t
from handlers.common import center_link, say, visitor_of


def poster_tagline(center: Center) -> str:
    """The invitation in the center's language, or in English if no font here can draw it."""
    tagline = plain(pick_locale(None, None, center.language), "poster.tagline")
    return tagline if can_draw(tagline) else plain("en", "poster.tagline")


async def poster(update: Update, context: KiosContext) -> None:
    """/poster: send the manager an A4 poster whose QR code joins their center."""
    visitor = await visitor_of(update, context)
    chat = update.effective_chat
    assert chat is not None
    center = visitor.managed_center
    if center is None:
        await say(update, t(visitor.locale, "poster.not_manager"))
        return
    link = await center_link(context, center)  # its bot's, whichever bot the manager asks
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


def build_poster_handlers() -> list[BaseHandler[Update, KiosContext, None]]:
    """The handler for /poster."""
    return [CommandHandler("poster", poster)]
