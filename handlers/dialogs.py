"""Dialogs that give way to each other: the one the user started last gets their messages.

Several ConversationHandlers can hold a state for the same user (a top-up left half-way,
then /bill); without this, the first one registered would keep answering the user's text.
When the latest dialog ends (or refuses to start), the one it interrupted answers again.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.ext import Application, ConversationHandler

from bot.context import KiosContext

# Keys in the user's persisted dialog data: the dialog they started last, the dialog each
# one interrupted, and when each dialog last heard from them.
ACTIVE_DIALOG = "active_dialog"
INTERRUPTED = "interrupted_dialogs"
LAST_SEEN = "dialog_seen_at"
# Wall-clock seconds, as stored in LAST_SEEN (a module attribute, so tests can move time on).
clock = time.time


class Dialog(ConversationHandler[KiosContext]):
    """A ConversationHandler that answers only while it is the user's latest dialog."""

    _user_data: Mapping[int, dict[str, Any]] = {}
    _peers: Mapping[str | None, Dialog] = {}

    def attach(self, application: Application[Any, KiosContext, Any, Any, Any, Any]) -> None:
        """Read which dialog is active from the application's (persisted) user data."""
        self._user_data = application.user_data
        self._peers = {
            handler.name: handler
            for group in application.handlers.values()
            for handler in group
            if isinstance(handler, Dialog)
        }

    def check_update(self, update: object) -> Any:
        """Match as usual, but leave the update to the latest dialog unless it starts this one."""
        if isinstance(update, Update) and update.effective_user is not None:
            self._end_if_timed_out(update, self._user_data.get(update.effective_user.id, {}))
        result = super().check_update(update)
        if result is None or not isinstance(update, Update) or update.effective_user is None:
            return result
        handler = result[2]
        active = self._user_data.get(update.effective_user.id, {}).get(ACTIVE_DIALOG)
        if active in (None, self.name) or handler in self.entry_points:
            return result
        peer = self._peers.get(active)
        if peer is not None and not peer.is_open_for(update):  # it ended (e.g. timed out)
            return result
        return None

    def is_open_for(self, update: Update) -> bool:
        """Whether this dialog holds a step for the update's user."""
        try:
            return self._get_key(update) in self._conversations
        except RuntimeError:  # no chat or user to key on
            return False

    async def handle_update(
        self, update: Update, application: Any, check_result: Any, context: KiosContext
    ) -> object | None:
        """Take the user's attention when started; hand it back when this dialog ends."""
        data, heard_at = context.user_data, clock()
        if data is None:
            return await super().handle_update(update, application, check_result, context)
        if check_result[2] in self.entry_points:
            previous = data.get(ACTIVE_DIALOG)
            interrupted = dict(data.get(INTERRUPTED) or {})
            if previous and previous != self.name:
                interrupted[self.name] = previous
            data[INTERRUPTED] = interrupted
            data[ACTIVE_DIALOG] = self.name
        result = await super().handle_update(update, application, check_result, context)
        if self.is_open_for(update):
            if self.conversation_timeout is not None:  # only a dialog with a timeout needs it
                data[LAST_SEEN] = {**(data.get(LAST_SEEN) or {}), self.name: heard_at}
        elif data.get(ACTIVE_DIALOG) == self.name:
            self._give_back(data)
        return result

    def _give_back(self, data: dict[str, Any]) -> None:
        """This dialog is over: the one it interrupted, if any, answers again."""
        interrupted = dict(data.get(INTERRUPTED) or {})
        previous = interrupted.pop(self.name, None)
        data[INTERRUPTED] = interrupted
        if previous:
            data[ACTIVE_DIALOG] = previous
        else:
            data.pop(ACTIVE_DIALOG, None)

    def _end_if_timed_out(self, update: Update, data: Mapping[str, Any]) -> None:
        """End a dialog whose time ran out while the bot was down (PTB's timers do not persist)."""
        timeout = self.conversation_timeout
        if timeout is None:
            return
        seconds = timeout.total_seconds() if isinstance(timeout, timedelta) else float(timeout)
        seen = (data.get(LAST_SEEN) or {}).get(self.name)
        if seen is not None and clock() - seen > seconds and self.is_open_for(update):
            self._update_state(self.END, self._get_key(update))
