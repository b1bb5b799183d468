"""Staff work the requests, not the center: the manager's own commands (prices, the catalog,
announcements, figures, staff) and catalog files from a helper get one clear refusal."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot.context import KiosContext
from bot.views.texts import t
from handlers.common import say, visitor_of

# The commands only the manager of the center worked on may give.
MANAGER_ONLY = frozenset(
    {
        "catalog",
        "stock",
        "price",
        "product",
        "broadcast",
        "broadcasts",
        "poster",
        "today",
        "report",
        "export",
        "staff",
        # The center's money settings: its QRIS sticker, the credit it gives, the kasbon book.
        "qris",
        "credit",
        "tabs",
    }
)


def command_of(text: str) -> str | None:
    """The command a message starts with ("/price@KiosBot 5" -> "price"), if any."""
    if not text.startswith("/"):
        return None
    return text[1:].split(maxsplit=1)[0].split("@", 1)[0].lower() if len(text) > 1 else None


async def refuse_staff(update: Update, context: KiosContext) -> None:
    """Stop a manager's command or a catalog file from someone working as staff now."""
    message = update.message
    if message is None:
        return
    wanted = command_of(message.text or "") in MANAGER_ONLY or message.document is not None
    if not wanted:
        return
    visitor = await visitor_of(update, context)
    desk = visitor.desk
    if desk is None or not visitor.is_staff_now:
        return
    await say(update, t(visitor.locale, "staff.refused", center=desk.name))
    raise ApplicationHandlerStop
