"""The operator's /centers with their figures, and /setmanager to hand a center over.

Only users in ADMIN_IDS get answers here; the check is made on the server for every command
and every press, so a forged page button from anyone else shows nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import KiosContext
from bot.domain.center_setup import center_code, user_id
from bot.domain.entities import Center
from bot.domain.errors import RecordNotFound
from bot.domain.money import format_money
from bot.services import handover
from bot.views import callbacks
from bot.views.announcement import number
from bot.views.texts import Html, h, short, t
from handlers.common import center_link, notice, page_buttons, page_of, say, show, visitor_of
from handlers.operator import (
    is_operator,
    locales_of,
    manager_label,
    manager_messages,
    refresh_menu,
    refuse,
)
from storage.clock import now
from storage.overview import CenterFigures

# Five centers a page keeps a page far below Telegram's 4096 characters (names are cut).
PAGE_SIZE = 5
RECENT_DAYS = 7


def center_block(locale: str, figures: CenterFigures) -> Html:
    """One center of /centers: code, name, manager, currency and its figures."""
    center = figures.center
    return h(
        locale,
        "admin.center_block",
        code=center.code,
        name=short(center.name),
        manager=manager_label(locale, center.manager_id, figures.manager_name),
        currency=center.currency,
        villagers=number(figures.villagers, locale),
        open=number(figures.open_requests, locale),
        requests=number(figures.recent_requests, locale),
        revenue=format_money(figures.recent_revenue, locale),
    )


async def centers_page(
    context: KiosContext, locale: str, asked: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    """One page of /centers and its previous / next buttons."""
    store = context.store
    total = await store.overview.count_centers()
    if total == 0:
        return t(locale, "admin.centers_none"), None
    page = page_of(asked, total, PAGE_SIZE)
    since = now() - RECENT_DAYS * 86_400
    shown = await store.overview.center_figures(since, page.size, page.offset)
    blocks = Html("\n\n".join(center_block(locale, figures) for figures in shown))
    text = t(
        locale,
        "admin.centers",
        count=number(total, locale),
        page=page.index + 1,
        pages=page.count,
        blocks=blocks,
    )
    row = page_buttons(callbacks.ADMIN_PAGE, page)
    return text, InlineKeyboardMarkup([row]) if row else None


async def list_centers(update: Update, context: KiosContext) -> None:
    """/centers: every center with its manager and figures, a page at a time."""
    if not is_operator(update, context):
        await refuse(update, context)
        return
    visitor = await visitor_of(update, context)
    text, markup = await centers_page(context, visitor.locale, 0)
    await say(update, text, markup)


async def centers_page_pressed(update: Update, context: KiosContext) -> None:
    """Previous / next under /centers, for operators only."""
    query = update.callback_query
    assert query is not None
    if not is_operator(update, context):
        await refuse(update, context)
        return
    visitor = await visitor_of(update, context)
    parsed = callbacks.parse(query.data)
    if parsed is None:
        await notice(query, visitor.locale, "common.stale", alert=True)
        return
    await query.answer()
    text, markup = await centers_page(context, visitor.locale, parsed.ident)
    await show(query, text, markup)


def parse_set_manager(args: Sequence[str]) -> tuple[str, int] | None:
    """CODE and USER_ID of /setmanager, or None if they are not that."""
    if len(args) != 2:
        return None
    code, manager_id = center_code(args[0]), user_id(args[1])
    return (code, manager_id) if code and manager_id else None


async def set_manager(update: Update, context: KiosContext) -> None:
    """/setmanager CODE USER_ID: hand the center over; both managers are told."""
    if not is_operator(update, context):
        await refuse(update, context)
        return
    visitor = await visitor_of(update, context)
    parsed = parse_set_manager(context.args or [])
    if parsed is None:
        await say(update, t(visitor.locale, "admin.setmanager_usage"))
        return
    code, manager_id = parsed
    try:
        before = await context.store.centers.by_code(code)
    except RecordNotFound:
        await say(update, t(visitor.locale, "admin.unknown_code", code=code))
        return
    await hand_over(update, context, visitor.locale, before, manager_id)


async def hand_over(
    update: Update, context: KiosContext, locale: str, before: Center, manager_id: int
) -> None:
    """Change the manager in one transaction with the messages to both and the new manager's
    cards; report to the operator."""
    store = context.store
    manager = manager_label(locale, manager_id, await store.users.get(manager_id))
    if before.manager_id == manager_id:
        await say(update, t(locale, "admin.same_manager", manager=manager, center=before.name))
        return
    link = await center_link(context, before)
    locales = await locales_of(store, (manager_id, before.manager_id), before.language)
    handed = await handover.hand_over(
        store, before.code, manager_id, lambda old, new: manager_messages(old, new, link, locales)
    )
    center = handed.after
    previous = manager_label(locale, before.manager_id, await store.users.get(before.manager_id))
    text = t(
        locale,
        "admin.manager_set",
        center=center.name,
        code=center.code,
        manager=manager,
        previous=previous,
    )
    if manager_id not in locales:
        text += "\n" + t(locale, "admin.not_told")
    # Menus first (the answer means all is done), in the center's bot, whichever bot this is.
    center_bot = context.services.peers.get(center.bot_id)
    for user in (manager_id, before.manager_id):
        if center_bot is not None:  # a bot added since the start gets its menus when it starts
            await refresh_menu(center_bot, store, context.settings, user, center.bot_id)
    await say(update, text)


def build_centers_handlers() -> list[BaseHandler[Update, KiosContext, None]]:
    """/centers and its pages, /setmanager."""
    return [
        CommandHandler("centers", list_centers),
        CallbackQueryHandler(centers_page_pressed, pattern=callbacks.pattern(callbacks.ADMIN_PAGE)),
        CommandHandler("setmanager", set_manager),
    ]
