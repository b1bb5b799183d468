"""Command menus: villagers and managers see different commands (setMyCommands scopes)."""

from __future__ import annotations

from telegram import Bot, BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat

from bot.views.texts import LOCALES, plain

VILLAGER_COMMANDS = (
    "search",
    "categories",
    "cart",
    "orders",
    "pay",
    "tab",
    "topup",
    "bill",
    "ticket",
    "lodging",
    "ask",
    "sell",
    "language",
    "mute",
    "unmute",
    "reminders",
    "cancel",
    "start",
)
MANAGER_COMMANDS = (
    "queue",
    "tabs",
    "credit",
    "center",
    "staff",
    "today",
    "report",
    "export",
    "broadcast",
    "broadcasts",
    "poster",
    "qris",
    "catalog",
    "product",
    "stock",
    "price",
    *VILLAGER_COMMANDS,
)
# A helper's: the requests of the centers they help at, then what villagers have.
STAFF_COMMANDS = ("queue", "center", *VILLAGER_COMMANDS)
ADMIN_COMMANDS = ("centers", "newcenter", "setmanager")


def commands(locale: str, names: tuple[str, ...]) -> list[BotCommand]:
    """BotCommand entries with descriptions in `locale`."""
    return [BotCommand(name, plain(locale, f"command.{name}")) for name in names]


async def set_villager_menus(bot: Bot) -> None:
    """The menu every private chat sees, in each language plus a default."""
    scope = BotCommandScopeAllPrivateChats()
    await bot.set_my_commands(commands("id", VILLAGER_COMMANDS), scope=scope)
    for locale in LOCALES:
        await bot.set_my_commands(
            commands(locale, VILLAGER_COMMANDS), scope=scope, language_code=locale
        )


async def set_manager_menu(bot: Bot, manager_id: int, locale: str, *, admin: bool = False) -> None:
    """The manager's own menu, in their chat only (an operator's includes the admin commands)."""
    await set_personal_menu(bot, manager_id, locale, manager=True, admin=admin)


async def set_personal_menu(
    bot: Bot, user_id: int, locale: str, *, manager: bool, admin: bool, staff: bool = False
) -> None:
    """The menu of one chat: a manager's, a helper's, an operator's (with either), or back to
    the villagers'."""
    scope = BotCommandScopeChat(user_id)
    if not (manager or admin or staff):  # the villagers' menu for all private chats applies
        await bot.delete_my_commands(scope=scope)
        return
    own = MANAGER_COMMANDS if manager else STAFF_COMMANDS if staff else VILLAGER_COMMANDS
    names = (*(ADMIN_COMMANDS if admin else ()), *own)
    await bot.set_my_commands(commands(locale, names), scope=scope)
