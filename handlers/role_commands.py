"""A manager's command sent by someone who manages no center is, for them, an unknown command."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot.context import KiosContext
from bot.views.menus import MANAGER_COMMANDS, VILLAGER_COMMANDS
from handlers.common import command_of, unknown_command, visitor_of

# Commands only a manager's menu shows: /queue, /price, /broadcast...
MANAGER_ONLY = frozenset(f"/{name}" for name in MANAGER_COMMANDS) - frozenset(
    f"/{name}" for name in VILLAGER_COMMANDS
)


async def managers_commands_for_managers(update: Update, context: KiosContext) -> None:
    """Answer a villager's /queue (or any manager's command) as unknown, before any handler,
    with the commands that are theirs; a manager's goes on to its handler."""
    command = command_of(update)
    if command not in MANAGER_ONLY:
        return
    visitor = await visitor_of(update, context)
    if visitor.is_manager or visitor.staffed:  # staff: the staff gate has had its say
        return
    await unknown_command(update, visitor, command)
    raise ApplicationHandlerStop
