"""Buttons on a request, for villagers and managers alike, and the villager's /orders list.

Every press is authorized on the server: role, center and current status decide, not the button.
"""

from __future__ import annotations

import logging

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
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
from bot.domain.entities import ServiceRequest, User
from bot.domain.money import Money, format_money
from bot.domain.pipeline import (
    Action,
    RequestKind,
    RequestStatus,
    Role,
    TransitionRefused,
    actions_for,
)
from bot.domain.travel import parse_options
from bot.services.orders import (
    Acted,
    accept_option,
    act,
    authorize,
    bill_of,
    fulfil_with_reference,
    needs_reference,
    quote,
    quote_options,
)
from bot.views import callbacks
from bot.views.cards import action_buttons, kind_key, manager_card_text, villager_card_text
from bot.views.question_texts import ask_button
from bot.views.texts import Html, h, plain, short, t
from handlers.common import Visitor, notice, say, show, visitor
from handlers.dialogs import Dialog

log = logging.getLogger(__name__)
ORDERS_PER_PAGE = 5
MANAGER_TEXT = "manager_text"
ASKING_KEY = "asking"
ANSWER_TIMEOUT_S = 15 * 60


def parse_action(data: str | None) -> tuple[int, Action] | None:
    """The request id and action a request button carries; None if forged."""
    parsed = callbacks.parse(data)
    if parsed is None or parsed.arg not in {a.value for a in Action}:
        return None
    return parsed.ident, Action(parsed.arg)


async def card_for(
    context: KiosContext,
    request: ServiceRequest,
    role: Role,
    locale: str,
    villager: User | None = None,
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The request as `role` sees it, with the buttons that apply now (`villager`: its
    villager, if the caller has them loaded already)."""
    if role is Role.MANAGER:
        villager = villager or await context.store.users.get(request.villager_id)
        assert villager is not None
        return manager_card_text(request, villager, locale), action_buttons(request, role, locale)
    return villager_card_text(request, locale), action_buttons(request, role, locale)


async def refresh(update: Update, context: KiosContext, found: Visitor, request_id: int) -> None:
    """Redraw the pressed message with the request's current state (after a stale press)."""
    query = update.callback_query
    assert query is not None
    try:
        request, _center, role = await authorize(context.store, request_id, found.user.id)
    except TransitionRefused:
        return
    text, markup = await card_for(context, request, role, found.locale)
    # The first press of a double tap has drawn the outcome already: no second edit of it.
    await redraw_card(context, query, text, markup)


async def request_pressed(update: Update, context: KiosContext) -> str | int | None:
    """Apply the pressed action, or explain why it does not apply; Reject asks for a reason."""
    query = update.callback_query
    assert query is not None
    found = await visitor(update, context)
    parsed = parse_action(query.data)
    if parsed is None:
        await notice(query, found.locale, "request.not_allowed", alert=True)
        return ConversationHandler.END
    request_id, action = parsed
    if action in (Action.REJECT, Action.QUOTE):
        return await ask_text(update, context, found, request_id, action)
    try:
        authorized = await authorize(context.store, request_id, found.user.id, action)
        request, _center, _role = authorized
        if needs_reference(request, action):
            return await ask_text(update, context, found, request_id, action)
        acted = await act(context.store, request_id, action, found.user.id, authorized=authorized)
    except TransitionRefused as refused:
        await notice(
            query, found.locale, f"request.{refused.reason}", alert=refused.reason == "not_allowed"
        )
        await refresh(update, context, found, request_id)
        return ConversationHandler.END
    await notice(
        query,
        found.locale,
        "request.done",
        number=request_id,
        status=plain(found.locale, f"status.{acted.request.status.value}"),
    )
    text, markup = await card_for(context, acted.request, acted.role, found.locale, acted.villager)
    await redraw_card(context, query, text, markup)
    return ConversationHandler.END


async def redraw_card(
    context: KiosContext, query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None
) -> None:
    """Redraw the pressed card, unless the outbox or an earlier press just did; note it, so
    the outbox (on a manager's card) or a second press of a double tap need not."""
    message = query.message
    if not isinstance(message, Message):
        await show(query, text, markup)
        return
    shown_cards = context.services.shown_cards
    buttons = markup.to_dict() if markup else None
    if shown_cards.already_shows(message.chat.id, message.message_id, text, buttons):
        return
    with shown_cards.redrawing(message.chat.id, message.message_id):
        await show(query, text, markup)
        shown_cards.note(message.chat.id, message.message_id, text, buttons)


async def edit_text(
    context: KiosContext,
    chat_id: int,
    message_id: int,
    text: str,
    markup: InlineKeyboardMarkup | None,
) -> None:
    """Replace a message's text and buttons; an unchanged message is fine."""
    try:
        await context.bot.edit_message_text(
            text, chat_id=chat_id, message_id=message_id, reply_markup=markup
        )
    except BadRequest as exc:
        # PTB capitalizes Telegram's description: "Message is not modified: ...".
        if "message is not modified" not in exc.message.lower():
            raise


async def ask_text(
    update: Update, context: KiosContext, found: Visitor, request_id: int, action: Action
) -> str | int:
    """Check the manager may take `action` now, then ask for its reason or reference."""
    query = update.callback_query
    assert query is not None
    try:
        request, _center, role = await authorize(context.store, request_id, found.user.id, action)
        if role is not Role.MANAGER or action not in action_set(request):
            raise TransitionRefused("not_allowed" if role is not Role.MANAGER else "stale")
    except TransitionRefused as refused:
        await notice(query, found.locale, f"request.{refused.reason}", alert=True)
        return ConversationHandler.END
    await query.answer()
    prompt = prompt_for(request, action)
    asked = {"request": request_id, "action": action.value, "prompt": prompt}
    if isinstance(query.message, Message):  # the card to redraw once the manager has typed
        asked["card"] = query.message.message_id
    context.dialog[ASKING_KEY] = asked
    await say(update, t(found.locale, prompt, number=request_id))
    return MANAGER_TEXT


def action_set(request: ServiceRequest) -> tuple[Action, ...]:
    """The manager's actions on a request now."""
    return actions_for(
        request.kind,
        request.fulfilment,
        request.status,
        Role.MANAGER,
        priced=request.priced_up_front,
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
    context: KiosContext, found: Visitor, request_id: int, action: Action, text: str
) -> Acted:
    """Take the manager's action with what they typed; ValueError if it does not parse."""
    store, user_id = context.store, found.user.id
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
    found = await visitor(update, context)
    asked = context.dialog.get(ASKING_KEY) or {}
    message = update.effective_message
    text = (message.text or "").strip() if message else ""
    if not asked or not text or asked.get("action") not in {a.value for a in Action}:
        context.dialog.pop(ASKING_KEY, None)
        await say(update, t(found.locale, "request.reason_missing"))
        return ConversationHandler.END
    request_id, action = int(asked["request"]), Action(asked["action"])
    try:
        acted = await apply_answer(context, found, request_id, action, text)
    except ValueError:  # MoneyError and ValidationError: a typo, so the question stays open
        await say(update, t(found.locale, f"{prompt_for_id(asked)}.invalid", number=request_id))
        return MANAGER_TEXT
    except TransitionRefused as refused:
        context.dialog.pop(ASKING_KEY, None)
        await say(update, t(found.locale, f"request.{refused.reason}"))
        return ConversationHandler.END
    context.dialog.pop(ASKING_KEY, None)
    await redraw_asked_card(update, context, found, acted, asked.get("card"))
    status = plain(found.locale, f"status.{acted.request.status.value}")
    await say(update, t(found.locale, "request.done", number=request_id, status=status))
    return ConversationHandler.END


async def redraw_asked_card(
    update: Update, context: KiosContext, found: Visitor, acted: Acted, card_id: object
) -> None:
    """Redraw the copy of the card (opened from /queue) whose button asked, so that it shows
    no stale buttons; the card itself is the outbox's to edit, as on every change."""
    chat, request = update.effective_chat, acted.request
    if not isinstance(card_id, int) or chat is None:
        return
    if (request.manager_chat_id, request.manager_message_id) == (chat.id, card_id):
        return
    card, markup = await card_for(context, request, acted.role, found.locale, acted.villager)
    try:
        await edit_text(context, chat.id, card_id, card, markup)
    except BadRequest as exc:  # deleted meanwhile: the card itself still shows the change
        log.info("card copy %s in chat %s not redrawn: %s", card_id, chat.id, exc.message)


def prompt_for_id(asked: dict[str, object]) -> str:
    """The prompt key stored with the question (so a retry repeats the same question)."""
    return str(asked.get("prompt", "request.ask_reference"))


async def reason_cancelled(update: Update, context: KiosContext) -> int:
    """/cancel while a reason or reference was asked: nothing changes."""
    found = await visitor(update, context)
    context.dialog.pop(ASKING_KEY, None)
    await say(update, t(found.locale, "request.reject_cancelled"))
    return ConversationHandler.END


async def option_pressed(update: Update, context: KiosContext) -> None:
    """The villager accepts one of the manager's offers."""
    query = update.callback_query
    assert query is not None
    found = await visitor(update, context)
    parsed = callbacks.parse(query.data)
    number = int(parsed.arg) if parsed and parsed.arg and parsed.arg.isdigit() else 0
    try:
        acted = await accept_option(
            context.store, parsed.ident if parsed else 0, found.user.id, number
        )
    except TransitionRefused as refused:
        await notice(query, found.locale, f"request.{refused.reason}", alert=True)
        return
    status = plain(found.locale, f"status.{acted.request.status.value}")
    await notice(query, found.locale, "request.done", number=acted.request.id, status=status)
    text, markup = await card_for(context, acted.request, acted.role, found.locale, acted.villager)
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


def order_line(request: ServiceRequest, locale: str) -> str:
    """One line of the villager's list."""
    if request.kind is RequestKind.PRODUCE:
        return produce_line(request, locale)
    return t(
        locale,
        "orders.line",
        number=request.id,
        kind=plain(locale, f"kind.{request.kind.value}"),
        total=format_money(request.total, locale),
        status=plain(locale, f"status.{request.status.value}"),
    )


def produce_line(request: ServiceRequest, locale: str) -> str:
    """A produce offer in the seller's list: what, its status, and what has sold of it."""
    d = request.details
    sold = Html("")
    if request.status in (RequestStatus.APPROVED, RequestStatus.COMPLETED):
        amount = Money(int(d.get("sold_minor", 0)), request.total.currency)
        sold = h(
            locale,
            "orders.produce_sold",
            quantity=int(d.get("sold_quantity", 0)),
            offered=d.get("quantity", 0),
            unit=d.get("unit", ""),
            amount=format_money(amount, locale),
        )
    return t(
        locale,
        "orders.produce_line",
        number=request.id,
        kind=plain(locale, f"kind.{request.kind.value}"),
        name=short(str(d.get("name", ""))),
        status=plain(locale, kind_key(request, "status", request.status.value)),
        sold=sold,
    )


async def orders_page(
    context: KiosContext, found: Visitor, page: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    """A page of the villager's requests, newest first, with Cancel where it still applies."""
    requests = context.store.requests
    total = await requests.count_of_villager(found.user.id)
    # Questions about an order (or anything else) go to the manager from here.
    ask = [ask_button(found.locale)] if found.center is not None else []
    if total == 0:
        return t(found.locale, "orders.none"), InlineKeyboardMarkup([ask]) if ask else None
    pages = (total + ORDERS_PER_PAGE - 1) // ORDERS_PER_PAGE
    page = min(max(page, 0), pages - 1)
    shown = await requests.of_villager(found.user.id, ORDERS_PER_PAGE, page * ORDERS_PER_PAGE)
    # Each line is already HTML (values escaped by t()); escaping it again shows the tags.
    lines = Html("\n".join(order_line(r, found.locale) for r in shown))
    rows = [
        [
            InlineKeyboardButton(
                plain(found.locale, "orders.cancel", number=r.id),
                callback_data=callbacks.build(callbacks.REQUEST, r.id, Action.CANCEL.value),
            )
        ]
        for r in shown
        if Action.CANCEL in _villager_actions(r)
    ]
    rows.append(page_buttons(callbacks.ORDERS_PAGE, page, pages))
    rows.append(ask)
    text = t(found.locale, "orders.list", lines=lines, page=page + 1, pages=pages)
    kept = [row for row in rows if row]
    # No buttons must mean no markup: PTB serializes an empty keyboard as {}, which Telegram
    # refuses ("can't parse reply keyboard markup JSON object").
    return text, InlineKeyboardMarkup(kept) if kept else None


def _villager_actions(request: ServiceRequest) -> tuple[Action, ...]:
    """The villager's actions on a request now."""
    return actions_for(
        request.kind,
        request.fulfilment,
        request.status,
        Role.VILLAGER,
        priced=request.priced_up_front,
    )


def page_buttons(prefix: str, page: int, pages: int) -> list[InlineKeyboardButton]:
    """Previous / next buttons where there is somewhere to go."""
    row = []
    if page > 0:
        row.append(InlineKeyboardButton("◀", callback_data=callbacks.build(prefix, page - 1)))
    if page + 1 < pages:
        row.append(InlineKeyboardButton("▶", callback_data=callbacks.build(prefix, page + 1)))
    return row


async def my_orders(update: Update, context: KiosContext) -> None:
    """/orders: the villager's requests with their status."""
    found = await visitor(update, context)
    text, markup = await orders_page(context, found, 0)
    await say(update, text, markup)


async def orders_page_pressed(update: Update, context: KiosContext) -> None:
    """Another page of /orders, in place."""
    query = update.callback_query
    assert query is not None
    found = await visitor(update, context)
    parsed = callbacks.parse(query.data)
    await query.answer()
    text, markup = await orders_page(context, found, parsed.ident if parsed else 0)
    await show(query, text, markup)


def build_orders_handlers() -> list[BaseHandler[Update, KiosContext, None]]:
    """Handlers for /orders and its pages."""
    return [
        CommandHandler("orders", my_orders),
        CallbackQueryHandler(orders_page_pressed, pattern=callbacks.pattern(callbacks.ORDERS_PAGE)),
        CallbackQueryHandler(option_pressed, pattern=callbacks.pattern(callbacks.OPTION)),
    ]
