"""/staff: the manager lists their helpers (each with a button that removes them), adds one
with `/staff add USER_ID` and removes one with `/staff remove USER_ID`; /myid tells anyone
their Telegram user id, to give to the manager."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import KiosContext
from bot.domain.entities import Center
from bot.domain.errors import RecordNotFound
from bot.services.staffing import StaffRefusal, add_helper, remove_helper
from bot.views import callbacks
from bot.views.texts import Html, plain, short, t
from handlers.common import Visitor, notice, say, show, visitor_of

# Telegram user ids are positive and (today) below 2**52; anything else is a typo.
MAX_USER_ID = 2**53


def user_id_arg(text: str) -> int | None:
    """The Telegram user id a manager typed, or None if it is not one."""
    cleaned = text.strip()
    if not (cleaned.isascii() and cleaned.isdigit()) or len(cleaned) > 16:
        return None
    number = int(cleaned)
    return number if 0 < number < MAX_USER_ID else None


async def staff_page(
    context: KiosContext, center: Center, locale: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The center's helpers, one line and one Remove button each."""
    members = await context.store.staff.members(center.id)
    if not members:
        return t(locale, "staff.list_empty", center=center.name), None
    lines = Html(
        "\n".join(
            t(locale, "staff.line", name=short(m.name), user_id=m.user_id)
            if m.name
            else t(locale, "staff.line_unknown", user_id=m.user_id)
            for m in members
        )
    )
    buttons = [
        [
            InlineKeyboardButton(
                plain(locale, "staff.remove_button", name=short(m.name or str(m.user_id))),
                callback_data=callbacks.build(callbacks.STAFF_REMOVE, center.id, str(m.user_id)),
            )
        ]
        for m in members
    ]
    return t(locale, "staff.list", center=center.name, lines=lines), InlineKeyboardMarkup(buttons)


async def staff_command(update: Update, context: KiosContext) -> None:
    """/staff, /staff add USER_ID, /staff remove USER_ID (the manager's only)."""
    visitor = await visitor_of(update, context)
    center = visitor.managed_center
    if center is None:
        await say(update, t(visitor.locale, "staff.not_manager"))
        return
    args = context.args or []
    if not args:
        await say(update, *await staff_page(context, center, visitor.locale))
        return
    user_id = user_id_arg(args[1]) if len(args) == 2 else None
    verb = args[0].lower()
    if user_id is None or verb not in ("add", "remove"):
        await say(update, t(visitor.locale, "staff.usage"))
        return
    if verb == "add":
        await add(update, context, visitor, center, user_id)
    else:
        refused = await remove_helper(context.store, center, user_id)
        key = "staff.not_staff" if refused else "staff.removed"
        await say(update, t(visitor.locale, key, user_id=user_id, center=center.name))


async def add(
    update: Update, context: KiosContext, visitor: Visitor, center: Center, user_id: int
) -> None:
    """Add the helper and say what changed (and whether they have opened the bot yet)."""
    refused = await add_helper(context.store, center, user_id, visitor.user.id)
    if refused is StaffRefusal.IS_MANAGER:
        await say(update, t(visitor.locale, "staff.is_manager", center=center.name))
        return
    if refused is StaffRefusal.ALREADY:
        await say(update, t(visitor.locale, "staff.already", user_id=user_id, center=center.name))
        return
    helper = await context.store.users.get(user_id)
    if helper is None:
        await say(
            update, t(visitor.locale, "staff.added_unknown", user_id=user_id, center=center.name)
        )
        return
    name = helper.display_name
    await say(
        update, t(visitor.locale, "staff.added", name=name, user_id=user_id, center=center.name)
    )


async def remove_pressed(update: Update, context: KiosContext) -> None:
    """The Remove button under a helper: only the center's manager's press changes anything."""
    query = update.callback_query
    assert query is not None
    visitor = await visitor_of(update, context)
    parsed = callbacks.parse(query.data)
    user_id = user_id_arg(parsed.arg or "") if parsed else None
    center = next((c for c in visitor.managed if parsed and c.id == parsed.ident), None)
    if center is None or user_id is None:
        await notice(query, visitor.locale, "staff.not_manager", alert=True)
        return
    try:
        center = await context.store.centers.get(center.id)
    except RecordNotFound:
        await notice(query, visitor.locale, "common.stale", alert=True)
        return
    refused = await remove_helper(context.store, center, user_id)
    key = "staff.not_staff_toast" if refused else "staff.removed_toast"
    await notice(query, visitor.locale, key)
    await show(query, *await staff_page(context, center, visitor.locale))


async def my_id(update: Update, context: KiosContext) -> None:
    """/myid: the user's Telegram user id, to give to a manager who adds them as staff."""
    visitor = await visitor_of(update, context)
    await say(update, t(visitor.locale, "staff.my_id", user_id=visitor.user.id))


def build_staff_handlers() -> list[BaseHandler[Update, KiosContext, None]]:
    """Handlers for /staff, its Remove buttons, and /myid."""
    return [
        CommandHandler("staff", staff_command),
        CommandHandler("myid", my_id),
        CallbackQueryHandler(remove_pressed, pattern=callbacks.pattern(callbacks.STAFF_REMOVE)),
    ]
