"""What every dialog shares: the steps' kit, and dialogs that give way to each other.

The kit: a step's return type, its draft, the typed text, the submitted card (or why it was
not sent), leaving.

Giving way: several ConversationHandlers can hold a state for the same user (a top-up left
half-way, then /bill); without this, the first one registered would keep answering the user's
text. When the latest dialog ends (or refuses to start), the one it interrupted answers again.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable, Coroutine, Mapping
from datetime import timedelta
from typing import Any

from telegram import CallbackQuery, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.constants import MessageLimit
from telegram.ext import Application, BaseHandler, ConversationHandler, TypeHandler

from bot.context import KiosContext
from bot.domain.entities import ServiceRequest
from bot.domain.holding import TooManyOpenRequests
from bot.domain.pipeline import Role
from bot.views import callbacks
from bot.views.cards import action_buttons, villager_card_text
from bot.views.texts import Html, counted, t
from handlers.common import say, show, visitor_of
from storage.errors import is_database_busy

log = logging.getLogger(__name__)

# What a step returns: the next state, END, or None to stay where the dialog is.
Step = str | int | None
# A step's callback, and a handler in a dialog's states or fallbacks.
StepHandler = Callable[[Update, KiosContext], Coroutine[Any, Any, Step]]
Handler = BaseHandler[Update, KiosContext, object]
# Keys in the user's persisted dialog data: the dialog they started last, the dialog each
# one interrupted, and when each dialog last heard from them.
ACTIVE_DIALOG = "active_dialog"
INTERRUPTED = "interrupted_dialogs"
LAST_SEEN = "dialog_seen_at"
# In a draft: the number of the summary shown last; in the user's data: the last number
# given, so a dialog started again never repeats one (see `next_summary`).
SUMMARY_KEY = "summary"
SUMMARIES_SHOWN = "summaries_shown"
# In a draft: a random key given each time its summary is shown. The request its Confirm makes
# keeps it, so that Confirm pressed again (its "sent" reply lost to a kill or to Telegram)
# answers with that request, never a second one (bot/services/submissions.py).
REQUEST_KEY = "request_key"
# Wall-clock seconds, as stored in LAST_SEEN (a module attribute, so tests can move time on).
clock = time.time
AnyApplication = Application[Any, Any, Any, Any, Any, Any]


def draft_of(context: KiosContext, key: str) -> dict[str, Any]:
    """The draft a dialog keeps under `key` in the user's persisted data (empty if none yet)."""
    draft: dict[str, Any] = context.dialog.setdefault(key, {})
    return draft


def typed_text(update: Update, limit: int = MessageLimit.MAX_TEXT_LENGTH) -> str:
    """The text of the message, cut to `limit` characters ("" for anything but text)."""
    message = update.effective_message
    return (message.text or "")[:limit] if message else ""


async def show_submitted(
    query: CallbackQuery, locale: str, key: str, request: ServiceRequest, **values: object
) -> None:
    """Replace the summary with text `key` around the new request's card, and its buttons."""
    card = Html(villager_card_text(request, locale))
    text = t(locale, key, card=card, **values)
    await show(query, text, action_buttons(request, Role.VILLAGER, locale))


def give_request_key(draft: dict[str, Any]) -> None:
    """A summary of `draft` is about to be shown: a new key for the request its Confirm makes."""
    draft[REQUEST_KEY] = secrets.token_hex(8)


def request_key(draft: Mapping[str, Any]) -> str | None:
    """The key of the request the draft's Confirm makes (None: a draft from before keys)."""
    key = draft.get(REQUEST_KEY)
    return str(key) if key else None


def next_summary(context: KiosContext, draft: dict[str, Any]) -> int:
    """Number a summary about to be shown; its Confirm carries the number as the button's id."""
    number = int(context.dialog.get(SUMMARIES_SHOWN, 0)) % callbacks.MAX_ID + 1
    context.dialog[SUMMARIES_SHOWN] = draft[SUMMARY_KEY] = number
    return number


def latest_summary(query: CallbackQuery, draft: Mapping[str, Any]) -> bool:
    """Whether the pressed Confirm is on the summary shown last: an older one may show
    another product or another price than the draft now holds."""
    pressed = callbacks.parse(query.data)
    return pressed is not None and pressed.ident == draft.get(SUMMARY_KEY)


async def show_not_sent(
    query: CallbackQuery, locale: str, refused: TooManyOpenRequests, key: str
) -> None:
    """Replace the summary with why it was not sent: the villager has as many requests open
    as one may (text `key`, naming the limit and /orders)."""
    await query.answer()
    await show(query, t(locale, key, requests=counted(locale, "plural.requests", refused.limit)))


async def leave_dialog(
    update: Update,
    context: KiosContext,
    draft_key: str,
    text_key: str,
    markup: ReplyKeyboardMarkup | ReplyKeyboardRemove | None = None,
) -> int:
    """End a dialog: forget its draft and say so (on the pressed message, or as a reply with
    `markup`, e.g. to take a reply keyboard away)."""
    visitor = await visitor_of(update, context)
    context.dialog.pop(draft_key, None)
    if update.callback_query:
        await update.callback_query.answer()
        await show(update.callback_query, t(visitor.locale, text_key))
    else:
        await say(update, t(visitor.locale, text_key), markup)
    return ConversationHandler.END


async def remind_buttons(update: Update, context: KiosContext, text_key: str) -> None:
    """Typed text where a button is expected: point to the buttons (the step stays)."""
    visitor = await visitor_of(update, context)
    await say(update, t(visitor.locale, text_key))


async def save_dialogs(application: AnyApplication) -> None:
    """Write dialog states and drafts to the database now, in one transaction.

    A busy database keeps them queued for the next save.
    """
    await application.update_persistence()
    if application.persistence is not None:
        try:
            await application.persistence.flush()
        except Exception as exc:
            if not is_database_busy(exc):
                raise
            log.warning("dialogs not saved yet, database busy: %s", exc)


async def _save_dialogs_now(context: KiosContext) -> None:
    """A job: save dialogs (one that ended on a timer, which no update will save)."""
    await save_dialogs(context.application)


def forget_on_timeout(draft_key: str) -> Handler:
    """The TIMEOUT step of a dialog whose draft must not outlive it: the draft is forgotten,
    in memory and, right after the dialog has ended, in the database."""

    async def forget(update: Update, context: KiosContext) -> None:
        context.dialog.pop(draft_key, None)
        application: AnyApplication = context.application
        if update.effective_user is not None:
            application.mark_data_for_update_persistence(user_ids=update.effective_user.id)
        assert application.job_queue is not None
        application.job_queue.run_once(_save_dialogs_now, 0)  # runs once the state is END

    return TypeHandler(Update, forget)


async def forget_abandoned_drafts(application: AnyApplication) -> int:
    """Forget the drafts of dialogs with a `draft_key` left longer than their timeout (PTB's
    timers die with the process, so a restart leaves them behind); returns how many.

    A draft with no time recorded (kept before its dialog had a timeout) is dated now.
    """
    changed: set[int] = set()
    forgotten = 0
    for dialog in _dialogs_of(application):
        if dialog.draft_key is None or dialog.timeout_s is None or dialog.name is None:
            continue
        for user_id, data in application.user_data.items():
            if dialog.draft_key not in data:
                continue
            seen = dict(data.get(LAST_SEEN) or {})
            if dialog.name not in seen:
                data[LAST_SEEN] = {**seen, dialog.name: clock()}
            elif clock() - seen[dialog.name] > dialog.timeout_s:
                data.pop(dialog.draft_key)
                forgotten += 1
            else:
                continue
            changed.add(user_id)
    if changed:
        application.mark_data_for_update_persistence(user_ids=changed)
        await save_dialogs(application)
    return forgotten


def _dialogs_of(application: AnyApplication) -> list[Dialog]:
    """The dialogs registered in the application."""
    return [h for group in application.handlers.values() for h in group if isinstance(h, Dialog)]


class Dialog(ConversationHandler[KiosContext]):
    """A ConversationHandler that answers only while it is the user's latest dialog."""

    _user_data: Mapping[int, dict[str, Any]] = {}
    _peers: Mapping[str | None, Dialog] = {}

    def __init__(self, *args: Any, draft_key: str | None = None, **kwargs: Any) -> None:
        """As ConversationHandler; with a `draft_key` and a timeout, the user data under
        `draft_key` is forgotten when the dialog's time runs out."""
        super().__init__(*args, **kwargs)
        self.draft_key = draft_key
        if draft_key is not None and self.conversation_timeout is not None:
            self.states.setdefault(self.TIMEOUT, []).append(forget_on_timeout(draft_key))

    @property
    def timeout_s(self) -> float | None:
        """The dialog's timeout in seconds, if it has one."""
        timeout = self.conversation_timeout
        if timeout is None:
            return None
        return timeout.total_seconds() if isinstance(timeout, timedelta) else float(timeout)

    def attach(self, application: Application[Any, KiosContext, Any, Any, Any, Any]) -> None:
        """Read which dialog is active from the application's (persisted) user data."""
        self._user_data = application.user_data
        self._peers = {handler.name: handler for handler in _dialogs_of(application)}

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
        seconds = self.timeout_s
        if seconds is None:
            return
        seen = (data.get(LAST_SEEN) or {}).get(self.name)
        if seen is not None and clock() - seen > seconds and self.is_open_for(update):
            self._update_state(self.END, self._get_key(update))
