"""/newcenter: the operator creates a center step by step, as `kiosdesa center add` does.

Code, name, the manager's user id (typed, or a shared contact), currency, language, an
optional location, then Create. Every step checks again that the user is an operator.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.context import KiosContext
from bot.domain.center_setup import (
    center_code,
    center_name,
    typed_location,
    user_id,
    valid_location,
)
from bot.domain.entities import Center
from bot.domain.errors import DuplicateCenter, RecordNotFound
from bot.domain.money import SUPPORTED_CURRENCIES
from bot.views import callbacks
from bot.views.poster import deep_link
from bot.views.texts import LOCALES, plain, t
from handlers.centers import (
    is_operator,
    locales_of,
    manager_label,
    manager_messages,
    refresh_menu,
    refuse,
)
from handlers.common import leave_dialog, notice, remind_buttons, say, show, visitor_of
from handlers.dialogs import Dialog

CODE, NAME, MANAGER, CURRENCY, LANGUAGE, LOCATION, CONFIRM = (
    f"newcenter_{step}"
    for step in ("code", "name", "manager", "currency", "language", "location", "confirm")
)
DRAFT_KEY = "newcenter"
CURRENCY_ARG, LANGUAGE_ARG = "cur-", "lng-"
SKIP, CREATE, CANCEL = "skip", "ok", "no"
# A forgotten /newcenter must not take the operator's later messages for a center's name.
DIALOG_TIMEOUT_S = 30 * 60
Step = str | int | None
Handler = BaseHandler[Update, KiosContext, object]
StepHandler = Callable[[Update, KiosContext], Coroutine[Any, Any, Step]]


def step_button(label: str, arg: str) -> InlineKeyboardButton:
    """A button of this dialog."""
    return InlineKeyboardButton(label, callback_data=callbacks.build(callbacks.NEW_CENTER, 0, arg))


def cancel_row(locale: str) -> list[InlineKeyboardButton]:
    """The row with Cancel under every question."""
    return [step_button(plain(locale, "admin.new_cancel"), CANCEL)]


def draft(context: KiosContext) -> dict[str, Any]:
    """The center being composed, kept in the persisted dialog data."""
    value: dict[str, Any] = context.dialog.setdefault(DRAFT_KEY, {})
    return value


async def not_operator(update: Update, context: KiosContext) -> Step:
    """Someone else reached a step (or pressed a forged button): say no and end the dialog."""
    context.dialog.pop(DRAFT_KEY, None)
    await refuse(update, context)
    return ConversationHandler.END


def operators_only(step: StepHandler) -> StepHandler:
    """Run the step for an operator only; anyone else is refused and the dialog ends."""

    @functools.wraps(step)
    async def checked(update: Update, context: KiosContext) -> Step:
        if not is_operator(update, context):
            return await not_operator(update, context)
        return await step(update, context)

    return checked


def typed(update: Update) -> str:
    """The text of the message, cut to a sane length."""
    message = update.effective_message
    return (message.text or "")[:200] if message else ""


@operators_only
async def begin(update: Update, context: KiosContext) -> Step:
    """/newcenter: ask for the code."""
    visitor = await visitor_of(update, context)
    context.dialog[DRAFT_KEY] = {}
    await say(
        update,
        t(visitor.locale, "admin.new_ask_code"),
        InlineKeyboardMarkup([cancel_row(visitor.locale)]),
    )
    return CODE


@operators_only
async def code_typed(update: Update, context: KiosContext) -> Step:
    """Check the code is well formed and free, then ask for the name."""
    visitor = await visitor_of(update, context)
    code = center_code(typed(update))
    if code is None:
        await say(update, t(visitor.locale, "admin.new_bad_code"))
        return CODE
    try:
        taken = await context.store.centers.by_code(code)
    except RecordNotFound:
        draft(context)["code"] = code
        await say(update, t(visitor.locale, "admin.new_ask_name", code=code))
        return NAME
    await say(update, t(visitor.locale, "admin.new_code_taken", code=code, name=taken.name))
    return CODE


@operators_only
async def name_typed(update: Update, context: KiosContext) -> Step:
    """Keep the name and ask for the manager."""
    visitor = await visitor_of(update, context)
    name = center_name(typed(update))
    if name is None:
        await say(update, t(visitor.locale, "admin.new_bad_name"))
        return NAME
    draft(context)["name"] = name
    await say(update, t(visitor.locale, "admin.new_ask_manager"))
    return MANAGER


@operators_only
async def manager_typed(update: Update, context: KiosContext) -> Step:
    """The manager's user id, typed as a number."""
    return await manager_given(update, context, user_id(typed(update)))


@operators_only
async def manager_shared(update: Update, context: KiosContext) -> Step:
    """The manager's contact, shared from the operator's address book."""
    message = update.effective_message
    contact = message.contact if message else None
    shared = contact.user_id if contact is not None else None
    return await manager_given(update, context, shared if shared and shared > 0 else None)


async def manager_given(update: Update, context: KiosContext, manager_id: int | None) -> Step:
    """Keep the manager and ask for the currency."""
    visitor = await visitor_of(update, context)
    if manager_id is None:
        await say(update, t(visitor.locale, "admin.new_bad_manager"))
        return MANAGER
    draft(context)["manager_id"] = manager_id
    row = [step_button(code, CURRENCY_ARG + code.lower()) for code in SUPPORTED_CURRENCIES]
    markup = InlineKeyboardMarkup([row, cancel_row(visitor.locale)])
    await say(update, t(visitor.locale, "admin.new_ask_currency"), markup)
    return CURRENCY


def chosen(update: Update, prefix: str, allowed: tuple[str, ...]) -> str | None:
    """The choice a step button carries, if it is one of `allowed` (compared in lower case)."""
    query = update.callback_query
    parsed = callbacks.parse(query.data if query else None)
    if parsed is None or parsed.arg is None or not parsed.arg.startswith(prefix):
        return None
    value = parsed.arg.removeprefix(prefix)
    return next((option for option in allowed if option.lower() == value), None)


@operators_only
async def currency_chosen(update: Update, context: KiosContext) -> Step:
    """Keep the currency and ask for the villagers' language."""
    visitor = await visitor_of(update, context)
    query = update.callback_query
    assert query is not None
    currency = chosen(update, CURRENCY_ARG, SUPPORTED_CURRENCIES)
    if currency is None:
        await notice(query, visitor.locale, "common.stale", alert=True)
        return CURRENCY
    await query.answer()
    draft(context)["currency"] = currency
    row = [step_button(plain(code, "language.name"), LANGUAGE_ARG + code) for code in LOCALES]
    markup = InlineKeyboardMarkup([row, cancel_row(visitor.locale)])
    await show(query, t(visitor.locale, "admin.new_ask_language", currency=currency), markup)
    return LANGUAGE


@operators_only
async def language_chosen(update: Update, context: KiosContext) -> Step:
    """Keep the language and ask for the location."""
    visitor = await visitor_of(update, context)
    query = update.callback_query
    assert query is not None
    language = chosen(update, LANGUAGE_ARG, LOCALES)
    if language is None:
        await notice(query, visitor.locale, "common.stale", alert=True)
        return LANGUAGE
    await query.answer()
    draft(context)["language"] = language
    skip = step_button(plain(visitor.locale, "admin.new_skip"), SKIP)
    markup = InlineKeyboardMarkup([[skip], cancel_row(visitor.locale)])
    name = plain(language, "language.name")
    await show(query, t(visitor.locale, "admin.new_ask_location", language=name), markup)
    return LOCATION


@operators_only
async def location_shared(update: Update, context: KiosContext) -> Step:
    """A location shared from the attachment menu."""
    message = update.effective_message
    place = message.location if message else None
    point = (place.latitude, place.longitude) if place else None
    return await location_given(
        update, context, point if point and valid_location(*point) else None
    )


@operators_only
async def location_typed(update: Update, context: KiosContext) -> Step:
    """A location typed as "lat, lon"."""
    point = typed_location(typed(update))
    if point is None:
        visitor = await visitor_of(update, context)
        await say(update, t(visitor.locale, "admin.new_bad_location"))
        return LOCATION
    return await location_given(update, context, point)


@operators_only
async def location_skipped(update: Update, context: KiosContext) -> Step:
    """No location: the center offers pickup only."""
    assert update.callback_query is not None
    await update.callback_query.answer()
    return await location_given(update, context, None)


async def location_given(
    update: Update, context: KiosContext, point: tuple[float, float] | None
) -> Step:
    """Keep the location (or none) and show the summary with Create and Cancel."""
    visitor = await visitor_of(update, context)
    center = draft(context)
    center["lat"], center["lon"] = point if point else (None, None)
    if not complete(center):
        return await lost_draft(update, context)
    create = step_button(plain(visitor.locale, "admin.new_create"), CREATE)
    markup = InlineKeyboardMarkup([[create], cancel_row(visitor.locale)])
    await say(update, await summary(context, visitor.locale, center), markup)
    return CONFIRM


def complete(center: dict[str, Any]) -> bool:
    """Whether the draft has every field a center needs."""
    return all(key in center for key in ("code", "name", "manager_id", "currency", "language"))


async def summary(context: KiosContext, locale: str, center: dict[str, Any]) -> str:
    """The new center as it will be created."""
    manager_id = int(center["manager_id"])
    manager = manager_label(locale, manager_id, await context.store.users.get(manager_id))
    if center.get("lat") is None:
        where = t(locale, "admin.no_location")
    else:
        where = f"{float(center['lat']):.5f}, {float(center['lon']):.5f}"
    return t(
        locale,
        "admin.new_summary",
        code=center["code"],
        name=center["name"],
        manager=manager,
        currency=center["currency"],
        language=plain(str(center["language"]), "language.name"),
        location=where,
    )


@operators_only
async def create_pressed(update: Update, context: KiosContext) -> Step:
    """Create the center as summarized; tell its manager; show the operator its deep link."""
    visitor = await visitor_of(update, context)
    query = update.callback_query
    assert query is not None
    center = context.dialog.pop(DRAFT_KEY, None) or {}
    if not complete(center):
        await notice(query, visitor.locale, "common.stale", alert=True)
        return ConversationHandler.END
    await query.answer()
    try:
        created = await create(context, center)
    except DuplicateCenter:  # taken since the code was typed
        await show(query, t(visitor.locale, "admin.new_code_taken_now", code=center["code"]))
        return ConversationHandler.END
    await refresh_menu(context.bot, context.store, context.settings, created.manager_id)
    await show(query, await created_text(context, visitor.locale, created))
    return ConversationHandler.END


async def create(context: KiosContext, center: dict[str, Any]) -> Center:
    """Store the center through the same call as `kiosdesa center add`, with the manager's news."""
    code, manager_id = str(center["code"]), int(center["manager_id"])
    link = deep_link(context.bot.username, code)
    locales = await locales_of(context.store, (manager_id,), str(center["language"]))
    return await context.store.centers.add_center(
        code,
        str(center["name"]),
        manager_id,
        currency=str(center["currency"]),
        language=str(center["language"]),
        lat=center.get("lat"),
        lon=center.get("lon"),
        notify=lambda new: manager_messages(None, new, link, locales),
    )


async def created_text(context: KiosContext, locale: str, center: Center) -> str:
    """What the operator reads after Create: the center, its manager and its deep link."""
    known = await context.store.users.get(center.manager_id)
    text = t(
        locale,
        "admin.new_created",
        code=center.code,
        name=center.name,
        manager=manager_label(locale, center.manager_id, known),
        link=deep_link(context.bot.username, center.code),
    )
    return text if known else text + "\n" + t(locale, "admin.not_told")


async def lost_draft(update: Update, context: KiosContext) -> Step:
    """The draft is gone (e.g. an old button): start again."""
    visitor = await visitor_of(update, context)
    context.dialog.pop(DRAFT_KEY, None)
    await say(update, t(visitor.locale, "admin.new_lost"))
    return ConversationHandler.END


async def cancel(update: Update, context: KiosContext) -> Step:
    """Leave the dialog; nothing is created."""
    return await leave_dialog(update, context, DRAFT_KEY, "admin.new_cancelled")


async def use_buttons(update: Update, context: KiosContext) -> None:
    """Typed text where a button is expected."""
    await remind_buttons(update, context, "admin.new_use_buttons")


def arg_pattern(arg: str) -> str:
    """Anchored pattern of this dialog's buttons whose argument starts with `arg`."""
    return f"^{callbacks.NEW_CENTER}:0:{arg}"


def build_new_center_conversation() -> Dialog:
    """The persistent /newcenter dialog."""
    text: filters.BaseFilter = filters.TEXT & ~filters.COMMAND
    buttons_only: Handler = MessageHandler(text, use_buttons)
    return Dialog(
        entry_points=[CommandHandler("newcenter", begin)],
        states={
            CODE: [MessageHandler(text, code_typed)],
            NAME: [MessageHandler(text, name_typed)],
            MANAGER: [
                MessageHandler(filters.CONTACT, manager_shared),
                MessageHandler(text, manager_typed),
            ],
            CURRENCY: [
                CallbackQueryHandler(currency_chosen, pattern=arg_pattern(CURRENCY_ARG)),
                buttons_only,
            ],
            LANGUAGE: [
                CallbackQueryHandler(language_chosen, pattern=arg_pattern(LANGUAGE_ARG)),
                buttons_only,
            ],
            LOCATION: [
                MessageHandler(filters.LOCATION, location_shared),
                CallbackQueryHandler(location_skipped, pattern=f"{arg_pattern(SKIP)}$"),
                MessageHandler(text, location_typed),
            ],
            CONFIRM: [
                CallbackQueryHandler(create_pressed, pattern=f"{arg_pattern(CREATE)}$"),
                buttons_only,
            ],
        },
        fallbacks=[
            CallbackQueryHandler(cancel, pattern=f"{arg_pattern(CANCEL)}$"),
            CommandHandler("cancel", cancel),
        ],
        name="newcenter",
        persistent=True,
        conversation_timeout=DIALOG_TIMEOUT_S,
        allow_reentry=True,
    )
