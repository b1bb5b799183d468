"""Command menus: villagers and managers see different commands (setMyCommands scopes)."""

from __future__ import annotations

from telegram import Bot, BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat

from bot.texts import LOCALES, plain

VILLAGER_COMMANDS = (
    "search",
    "categories",
    "cart",
    "orders",
    "topup",
    "bill",
    "ticket",
    "lodging",
    "language",
    "mute",
    "unmute",
    "cancel",
    "start",
)
MANAGER_COMMANDS = (
    "queue",
    "broadcast",
    "broadcasts",
    "poster",
    "catalog",
    "product",
    "stock",
    "price",
    *VILLAGER_COMMANDS,
)


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


async def set_manager_menu(bot: Bot, manager_id: int, locale: str) -> None:
    """The manager's own menu, in their chat only."""
    await bot.set_my_commands(
        commands(locale, MANAGER_COMMANDS), scope=BotCommandScopeChat(manager_id)
    )
