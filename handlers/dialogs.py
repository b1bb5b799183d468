"""Dialogs that give way to each other: the one the user started last gets their messages.

Several ConversationHandlers can hold a state for the same user (a top-up left half-way,
then /bill); without this, the first one registered would keep answering the user's text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from telegram import Update
from telegram.ext import Application, ConversationHandler

from bot.context import KiosContext

# Key in the user's persisted dialog data naming the dialog they started last.
ACTIVE_DIALOG = "active_dialog"


class Dialog(ConversationHandler[KiosContext]):
    """A ConversationHandler that answers only while it is the user's latest dialog."""

    _user_data: Mapping[int, dict[str, Any]] = {}

    def attach(self, application: Application[Any, KiosContext, Any, Any, Any, Any]) -> None:
        """Read which dialog is active from the application's (persisted) user data."""
        self._user_data = application.user_data

    def check_update(self, update: object) -> Any:
        """Match as usual, but leave the update to the latest dialog unless it starts this one."""
        result = super().check_update(update)
        if result is None or not isinstance(update, Update) or update.effective_user is None:
            return result
        handler = result[2]
        active = self._user_data.get(update.effective_user.id, {}).get(ACTIVE_DIALOG)
        if active in (None, self.name) or handler in self.entry_points:
            return result
        return None

    async def handle_update(
        self, update: Update, application: Any, check_result: Any, context: KiosContext
    ) -> object | None:
        """Remember this dialog as the active one when the user starts it."""
        if check_result[2] in self.entry_points and context.user_data is not None:
            context.user_data[ACTIVE_DIALOG] = self.name
        return await super().handle_update(update, application, check_result, context)
