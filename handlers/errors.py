"""The one error handler: log first, then tell the user something friendly."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError

from bot.context import KiosContext
from bot.views.texts import pick_locale, plain, t
from storage.errors import is_database_busy
from storage.update_claim import UpdateHandledAlready

log = logging.getLogger(__name__)


async def on_error(update: object, context: KiosContext) -> None:
    """Log the exception with the update, then apologise in the user's language.

    A database kept busy past its wait is said so: the step's transaction was rolled back and
    trying again shortly works.
    """
    if isinstance(context.error, UpdateHandledAlready):  # another process answered it
        log.info("update handled already elsewhere: %s", context.error)
        return
    busy = is_database_busy(context.error)
    if busy:
        log.warning("database busy while handling an update: %s", context.error)
    else:
        log.error("error while handling an update", exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    user = update.effective_user
    locale = pick_locale(None, user.language_code if user else None, None)
    key = "common.busy" if busy else "common.error"
    try:
        if update.callback_query:
            await update.callback_query.answer(plain(locale, key), show_alert=True)
        else:
            await update.effective_chat.send_message(t(locale, key))
    except TelegramError:
        log.warning("could not tell the user about the error")
