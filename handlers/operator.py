"""What the operator's commands share: who is an operator, how a manager is named to them,
what managers are told when a center is theirs, and the menus that go with each role.

Only users in ADMIN_IDS are operators; every command and every press checks it on the server.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping

from telegram import Bot, Update
from telegram.error import TelegramError

from bot.config import Settings
from bot.context import KiosContext
from bot.domain.entities import Center, OutboxMessage, User
from bot.views.menus import set_personal_menu
from bot.views.texts import Html, h, manager_locale, short, t, user_locale
from handlers.common import notice, say, visitor_of
from storage import Storage

log = logging.getLogger(__name__)


def is_operator(update: Update, context: KiosContext) -> bool:
    """Whether the user behind the update is one of the configured operators."""
    user = update.effective_user
    return user is not None and user.id in context.settings.admin_ids


async def refuse(update: Update, context: KiosContext) -> None:
    """Tell someone who is not an operator that this is not for them (and nothing more)."""
    visitor = await visitor_of(update, context)
    if update.callback_query is not None:
        await notice(update.callback_query, visitor.locale, "admin.only_notice", alert=True)
    else:
        await say(update, t(visitor.locale, "admin.only"))


def manager_label(locale: str, manager_id: int, manager: User | str | None) -> Html:
    """The manager as the operator reads them: name and id, or the id of someone unknown."""
    name = manager.display_name if isinstance(manager, User) else manager
    if name:
        return h(locale, "admin.manager_known", name=short(name), id=manager_id)
    return h(locale, "admin.manager_unknown", id=manager_id)


async def locales_of(store: Storage, user_ids: Iterable[int], fallback: str) -> dict[int, str]:
    """The language to write to each (new or former) manager in, `fallback` being their
    center's; users who never opened the bot are left out."""
    locales = {}
    for known_id in set(user_ids):
        user = await store.users.get(known_id)
        if user is not None:
            locales[known_id] = manager_locale(user, fallback)
    return locales


def manager_messages(
    before: Center | None, after: Center, link: str, locales: Mapping[int, str]
) -> list[OutboxMessage]:
    """What the new manager (and the one before, if any) are told, if the bot knows them."""
    messages = []
    if after.manager_id in locales:
        locale = locales[after.manager_id]
        text = t(locale, "admin.notify_assigned", center=after.name, code=after.code, link=link)
        messages.append(OutboxMessage(after.manager_id, text))
    previous = before.manager_id if before else None
    if previous is not None and previous != after.manager_id and previous in locales:
        text = t(locales[previous], "admin.notify_removed", center=after.name, code=after.code)
        messages.append(OutboxMessage(previous, text))
    return messages


async def refresh_menu(
    bot: Bot, store: Storage, settings: Settings, user_id: int, bot_id: int | None = None
) -> None:
    """Give the user the menu of what they are now (manager, operator, villager) in `bot`,
    whose id in the bots table is `bot_id` (None: the default bot): a manager's commands
    are in the bot of their center."""
    managed = [c for c in await store.centers.managed_by(user_id) if c.bot_id == bot_id]
    user = await store.users.get(user_id)
    language = managed[0].language if managed else None
    locale = manager_locale(user, language) if managed else user_locale(user, None)
    admin = user_id in settings.admin_ids
    try:
        await set_personal_menu(bot, user_id, locale, manager=bool(managed), admin=admin)
    except TelegramError as exc:  # e.g. they never opened the bot: set again on their /start
        # Expected until their first /start (doctor says so): no warning at every start.
        log.debug("no menu for user %s yet: %s", user_id, exc)


async def set_admin_menus(
    bot: Bot, store: Storage, settings: Settings, bot_id: int | None = None
) -> None:
    """At start: every operator's menu with the admin commands (in every bot)."""
    for admin_id in sorted(settings.admin_ids):
        await refresh_menu(bot, store, settings, admin_id, bot_id)
