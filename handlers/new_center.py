"""/newcenter: the operator creates a center step by step, as `kiosdesa center add` does.

Code, name, the manager's user id (typed, or a shared contact), currency, language, an
optional location, then the summary with Create (handlers/new_center_summary.py). Every step
checks again that the user is an operator.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.context import KiosContext
from bot.domain.center_setup import (
    center_code,
    center_name,
    typed_location,
    user_id,
    valid_location,
)
from bot.domain.errors import RecordNotFound
from bot.domain.money import SUPPORTED_CURRENCIES
from bot.views import callbacks
from bot.views.texts import LOCALES, plain, t
from handlers.common import notice, say, show, visitor_of
from handlers.dialogs import Dialog, Handler, Step, draft_of, typed_text
from handlers.new_center_summary import (
    CANCEL,
    CODE,
    CONFIRM,
    CREATE,
    CURRENCY,
    DRAFT_KEY,
    LANGUAGE,
    LOCATION,
    MANAGER,
    NAME,
    SKIP,
    cancel,
    cancel_row,
    create_pressed,
    location_given,
    operators_only,
    step_button,
    use_buttons,
)

# A forgotten /newcenter must not take the operator's later messages for a center's name.
DIALOG_TIMEOUT_S = 30 * 60
# Names and codes are short; what is typed is cut well past them.
MAX_TYPED = 200
CURRENCY_ARG, LANGUAGE_ARG = "cur-", "lng-"
# The argument each choice's button carries, and the choice it stands for.
CURRENCIES = {CURRENCY_ARG + code.lower(): code for code in SUPPORTED_CURRENCIES}
LANGUAGES = {LANGUAGE_ARG + code: code for code in LOCALES}


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
    code = center_code(typed_text(update, MAX_TYPED))
    if code is None:
        await say(update, t(visitor.locale, "admin.new_bad_code"))
        return CODE
    try:
        taken = await context.store.centers.by_code(code)
    except RecordNotFound:
        draft_of(context, DRAFT_KEY)["code"] = code
        await say(update, t(visitor.locale, "admin.new_ask_name", code=code))
        return NAME
    await say(update, t(visitor.locale, "admin.new_code_taken", code=code, name=taken.name))
    return CODE


@operators_only
async def name_typed(update: Update, context: KiosContext) -> Step:
    """Keep the name and ask for the manager."""
    visitor = await visitor_of(update, context)
    name = center_name(typed_text(update, MAX_TYPED))
    if name is None:
        await say(update, t(visitor.locale, "admin.new_bad_name"))
        return NAME
    draft_of(context, DRAFT_KEY)["name"] = name
    await say(update, t(visitor.locale, "admin.new_ask_manager"))
    return MANAGER


@operators_only
async def manager_typed(update: Update, context: KiosContext) -> Step:
    """The manager's user id, typed as a number."""
    return await manager_given(update, context, user_id(typed_text(update, MAX_TYPED)))


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
    draft_of(context, DRAFT_KEY)["manager_id"] = manager_id
    row = [step_button(code, arg) for arg, code in CURRENCIES.items()]
    markup = InlineKeyboardMarkup([row, cancel_row(visitor.locale)])
    await say(update, t(visitor.locale, "admin.new_ask_currency"), markup)
    return CURRENCY


def chosen(update: Update, choices: dict[str, str]) -> str | None:
    """The choice the pressed button carries, if it is one of `choices`."""
    query = update.callback_query
    parsed = callbacks.parse(query.data if query else None)
    return choices.get(parsed.arg or "") if parsed else None


@operators_only
async def currency_chosen(update: Update, context: KiosContext) -> Step:
    """Keep the currency and ask for the villagers' language."""
    visitor = await visitor_of(update, context)
    query = update.callback_query
    assert query is not None
    currency = chosen(update, CURRENCIES)
    if currency is None:
        await notice(query, visitor.locale, "common.stale", alert=True)
        return CURRENCY
    await query.answer()
    draft_of(context, DRAFT_KEY)["currency"] = currency
    row = [step_button(plain(code, "language.name"), arg) for arg, code in LANGUAGES.items()]
    markup = InlineKeyboardMarkup([row, cancel_row(visitor.locale)])
    await show(query, t(visitor.locale, "admin.new_ask_language", currency=currency), markup)
    return LANGUAGE


@operators_only
async def language_chosen(update: Update, context: KiosContext) -> Step:
    """Keep the language and ask for the location."""
    visitor = await visitor_of(update, context)
    query = update.callback_query
    assert query is not None
    language = chosen(update, LANGUAGES)
    if language is None:
        await notice(query, visitor.locale, "common.stale", alert=True)
        return LANGUAGE
    await query.answer()
    draft_of(context, DRAFT_KEY)["language"] = language
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
    point = typed_location(typed_text(update, MAX_TYPED))
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


def step_pattern(*args: str) -> str:
    """Anchored pattern of this dialog's buttons carrying one of `args`."""
    return callbacks.step_pattern(callbacks.NEW_CENTER, *args)


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
                CallbackQueryHandler(currency_chosen, pattern=step_pattern(*CURRENCIES)),
                buttons_only,
            ],
            LANGUAGE: [
                CallbackQueryHandler(language_chosen, pattern=step_pattern(*LANGUAGES)),
                buttons_only,
            ],
            LOCATION: [
                MessageHandler(filters.LOCATION, location_shared),
                CallbackQueryHandler(location_skipped, pattern=step_pattern(SKIP)),
                MessageHandler(text, location_typed),
            ],
            CONFIRM: [
                CallbackQueryHandler(create_pressed, pattern=step_pattern(CREATE)),
                buttons_only,
            ],
        },
        fallbacks=[
            CallbackQueryHandler(cancel, pattern=step_pattern(CANCEL)),
            CommandHandler("cancel", cancel),
        ],
        name="newcenter",
        persistent=True,
        conversation_timeout=DIALOG_TIMEOUT_S,
        allow_reentry=True,
    )
