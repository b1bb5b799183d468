"""Buttons on a request's card, for villagers and managers alike: an action, a quote's option,
or an action that asks the manager to type a reason, a quote or a reference first.

Every press is authorized on the server: role, center and current status decide, not the button.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.context import KiosContext
from bot.domain.bills import BillKind, parse_quote
from bot.domain.entities import Center, ServiceRequest, User
from bot.domain.errors import RecordNotFound
from bot.domain.pipeline import (
    Action,
    RequestKind,
    RequestRefusal,
    Role,
    TransitionRefused,
    actions_for,
)
from bot.domain.travel import parse_options
from bot.services.acting import Acted, act, authorize
from bot.services.quotes import (
    accept_option,
    bill_of,
    fulfil_with_reference,
    needs_reference,
    quote,
    quote_options,
)
from bot.views import callbacks
from bot.views.amount_texts import refusal_after
from bot.views.cards import (
    action_buttons,
    manager_buttons,
    manager_card_text,
    villager_card_text,
)
from bot.views.labels import refusal_key, status_label
from bot.views.texts import t
from handlers.card_redraw import redraw_asked_copy, redraw_card
from handlers.common import Visitor, notice, say, visitor_of
from handlers.dialogs import Dialog, Step

MANAGER_TEXT = "manager_text"
ASKING_KEY = "asking"
ANSWER_TIMEOUT_S = 15 * 60


def parse_action(data: str | None) -> tuple[int, Action, int | None] | None:
    """The request id, action and quote version (Accept's) a request button carries; None if
    forged."""
    parsed = callbacks.parse(data)
    arg, version = callbacks.version_of(parsed.arg if parsed else None)
    if parsed is None or arg not in {a.value for a in Action}:
        return None
    return parsed.ident, Action(arg), version


async def card_for(
    context: KiosContext,
    request: ServiceRequest,
    role: Role,
    visitor: Visitor,
    villager: User | None = None,
    center: Center | None = None,
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The request as `role` sees it, with the buttons that apply now (`villager` and
    `center`: its villager and center, if the caller has them loaded already). One who works
    at several centers is told which center the request is for, as the outbox's cards do."""
    locale = visitor.locale
    if role is Role.MANAGER:
        villager = villager or await context.store.users.get(request.villager_id)
        assert villager is not None
        center = center or await context.store.centers.get(request.center_id)
        shown = center.name if len(visitor.desks) > 1 else None
        text = manager_card_text(request, villager, locale, shown)
        return text, manager_buttons(request, center, locale)
    return villager_card_text(request, locale), action_buttons(request, role, locale)


async def refresh(update: Update, context: KiosContext, visitor: Visitor, request_id: int) -> None:
    """Redraw the pressed message with the request's current state (after a stale press)."""
    query = update.callback_query
    assert query is not None
    try:
        request, center, role = await authorize(context.store, request_id, visitor.user.id)
    except TransitionRefused:
        return
    text, markup = await card_for(context, request, role, visitor, center=center)
    # The first press of a double tap has drawn the outcome already: no second edit of it.
    await redraw_card(context, query, text, markup)


async def request_pressed(update: Update, context: KiosContext) -> Step:
    """Apply the pressed action, or explain why it does not apply; Reject asks for a reason."""
    query = update.callback_query
    assert query is not None
    visitor = await visitor_of(update, context)
    parsed = parse_action(query.data)
    if parsed is None:
        await notice(query, visitor.locale, "request.not_allowed", alert=True)
        return ConversationHandler.END
    request_id, action, version = parsed
    if action in (Action.REJECT, Action.QUOTE):
        return await ask_text(update, context, visitor, request_id, action)
    try:
        authorized = await authorize(context.store, request_id, visitor.user.id, action)
        request, _center, _role = authorized
        if needs_reference(request, action):
            return await ask_text(update, context, visitor, request_id, action)
        acted = await act(
            context.store,
            request_id,
            action,
            visitor.user.id,
            authorized=authorized,
            quote_version=version,
        )
    except TransitionRefused as refused:
        # An alert the villager must close, not a toast that fades, when it matters.
        alert = refused.reason in (RequestRefusal.NOT_ALLOWED, RequestRefusal.QUOTE_REPLACED)
        await notice(query, visitor.locale, refusal_key(refused.reason), alert=alert)
        await refresh(update, context, visitor, request_id)  # a new quote shows its price
        return ConversationHandler.END
    await notice(
        query,
        visitor.locale,
        "request.done",
        number=request_id,
        status=status_label(visitor.locale, acted.request.status),
    )
    text, markup = await card_for(
        context, acted.request, acted.role, visitor, acted.villager, acted.center
    )
    await redraw_card(context, query, text, markup)
    return ConversationHandler.END


async def ask_text(
    update: Update, context: KiosContext, visitor: Visitor, request_id: int, action: Action
) -> str | int:
    """Check the manager may take `action` now, then ask for its reason or reference."""
    query = update.callback_query
    assert query is not None
    try:
        request, _center, role = await authorize(context.store, request_id, visitor.user.id, action)
        if role is not Role.MANAGER or action not in actions_of(request, Role.MANAGER):
            raise TransitionRefused(
                RequestRefusal.NOT_ALLOWED if role is not Role.MANAGER else RequestRefusal.STALE
            )
    except TransitionRefused as refused:
        await notice(query, visitor.locale, refusal_key(refused.reason), alert=True)
        return ConversationHandler.END
    await query.answer()
    prompt = prompt_for(request, action)
    asked = {"request": request_id, "action": action.value, "prompt": prompt}
    if isinstance(query.message, Message):  # the card to redraw once the manager has typed
        asked["card"] = query.message.message_id
    context.dialog[ASKING_KEY] = asked
    await say(update, t(visitor.locale, prompt, number=request_id))
    return MANAGER_TEXT


def actions_of(request: ServiceRequest, role: Role) -> tuple[Action, ...]:
    """The actions `role` can take on the request now."""
    return actions_for(
        request.kind, request.fulfilment, request.status, role, priced=request.priced_up_front
    )


def prompt_for(request: ServiceRequest, action: Action) -> str:
    """The question the manager answers by typing: a reason, a quote, a serial, token or receipt."""
    if action is Action.REJECT:
        return "request.ask_reason"
    travel = request.kind in (RequestKind.TICKET, RequestKind.LODGING)
    if action is Action.QUOTE:
        return "request.ask_options" if travel else "request.ask_quote"
    if travel:
        return "request.ask_booking"
    bill = bill_of(request)
    if bill is BillKind.PLN_PREPAID:
        return "request.ask_token"
    return "request.ask_receipt" if bill is not None else "request.ask_reference"


async def apply_answer(
    context: KiosContext, visitor: Visitor, request_id: int, action: Action, text: str
) -> Acted:
    """Take the manager's action with what they typed; ValueError if it does not parse."""
    store, user_id = context.store, visitor.user.id
    if action is Action.REJECT:
        return await act(store, request_id, action, user_id, text)
    if action is Action.QUOTE:
        request = await store.requests.get(request_id)
        if request.kind in (RequestKind.TICKET, RequestKind.LODGING):
            options = parse_options(text, request.total.currency)
            return await quote_options(store, request_id, user_id, options)
        center = await store.centers.get(request.center_id)
        amount, charge = parse_quote(text, await store.services.fee_for(center, request.kind))
        return await quote(store, request_id, user_id, amount, charge)
    return await fulfil_with_reference(store, request_id, user_id, text)


async def text_given(update: Update, context: KiosContext) -> str | int:
    """Take the manager's typed reason, quote or reference; ask again if it does not parse."""
    visitor = await visitor_of(update, context)
    asked = context.dialog.get(ASKING_KEY) or {}
    message = update.effective_message
    text = (message.text or "").strip() if message else ""
    if not asked or not text or asked.get("action") not in {a.value for a in Action}:
        context.dialog.pop(ASKING_KEY, None)
        await say(update, t(visitor.locale, "request.reason_missing"))
        return ConversationHandler.END
    request_id, action = int(asked["request"]), Action(asked["action"])
    try:
        acted = await apply_answer(context, visitor, request_id, action, text)
    except ValueError as error:  # MoneyError and ValidationError: a typo, the question stays
        invalid = t(visitor.locale, f"{prompt_for_id(asked)}.invalid", number=request_id)
        await say(update, invalid + refusal_after(visitor.locale, error))
        return MANAGER_TEXT
    except TransitionRefused as refused:
        context.dialog.pop(ASKING_KEY, None)
        await say(update, t(visitor.locale, refusal_key(refused.reason)))
        return ConversationHandler.END
    context.dialog.pop(ASKING_KEY, None)
    card, markup = await card_for(
        context, acted.request, acted.role, visitor, acted.villager, acted.center
    )
    await redraw_asked_copy(update, context, acted.request, card, markup, asked.get("card"))
    status = status_label(visitor.locale, acted.request.status)
    await say(update, t(visitor.locale, "request.done", number=request_id, status=status))
    return ConversationHandler.END


def prompt_for_id(asked: dict[str, object]) -> str:
    """The prompt key stored with the question (so a retry repeats the same question)."""
    return str(asked.get("prompt", "request.ask_reference"))


# The actions that ask the manager to type something, by the word their /cancel names.
ASKED_NAMES: dict[Action, str] = {
    Action.APPROVE: "approve",
    Action.REJECT: "reject",
    Action.QUOTE: "quote",
    Action.COMPLETE: "complete",
}


async def reason_cancelled(update: Update, context: KiosContext) -> int:
    """/cancel while a reason, quote or reference was asked: nothing changes, and we say which
    action on which request was left, and where the request stands."""
    visitor = await visitor_of(update, context)
    asked = context.dialog.pop(ASKING_KEY, None) or {}
    action = Action(asked["action"]) if asked.get("action") in ASKED_NAMES else None
    try:
        request = await context.store.requests.get(int(asked.get("request") or 0))
    except RecordNotFound:
        action = None
    if action is None:
        await say(update, t(visitor.locale, "request.reject_cancelled"))
        return ConversationHandler.END
    status = status_label(visitor.locale, request.status)
    key = f"request.asked_cancelled.{ASKED_NAMES[action]}"
    await say(update, t(visitor.locale, key, number=request.id, status=status))
    return ConversationHandler.END


async def option_pressed(update: Update, context: KiosContext) -> None:
    """The villager accepts one of the manager's offers."""
    query = update.callback_query
    assert query is not None
    visitor = await visitor_of(update, context)
    parsed = callbacks.parse(query.data)
    arg, version = callbacks.version_of(parsed.arg if parsed else None)
    number = int(arg) if arg and arg.isdigit() else 0
    request_id = parsed.ident if parsed else 0
    try:
        acted = await accept_option(context.store, request_id, visitor.user.id, number, version)
    except TransitionRefused as refused:
        await notice(query, visitor.locale, refusal_key(refused.reason), alert=True)
        await refresh(update, context, visitor, request_id)  # a new quote shows its offers
        return
    status = status_label(visitor.locale, acted.request.status)
    await notice(query, visitor.locale, "request.done", number=acted.request.id, status=status)
    text, markup = await card_for(
        context, acted.request, acted.role, visitor, acted.villager, acted.center
    )
    await redraw_card(context, query, text, markup)


def build_request_conversation() -> Dialog:
    """Request buttons; Reject asks a reason, a top-up a reference (persisted like any dialog)."""
    return Dialog(
        entry_points=[
            CallbackQueryHandler(request_pressed, pattern=callbacks.pattern(callbacks.REQUEST))
        ],
        states={MANAGER_TEXT: [MessageHandler(filters.TEXT & ~filters.COMMAND, text_given)]},
        fallbacks=[CommandHandler("cancel", reason_cancelled)],
        name="request_actions",
        persistent=True,
        # A reason or serial asked long ago must not swallow a later, unrelated message.
        conversation_timeout=ANSWER_TIMEOUT_S,
        allow_reentry=True,
    )


def build_option_handlers() -> list[BaseHandler[Update, KiosContext, None]]:
    """The villager's press on one of a quote's options."""
    return [CallbackQueryHandler(option_pressed, pattern=callbacks.pattern(callbacks.OPTION))]
