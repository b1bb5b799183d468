"""Joining a center (deep link or by name), sharing a phone number, choosing a language."""

from __future__ import annotations

from dataclasses import replace

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.context import KiosContext
from bot.domain.entities import Center
from bot.domain.errors import RecordNotFound
from bot.domain.phones import normalize_phone
from bot.services.center_finder import find_centers
from bot.views import callbacks
from bot.views.menus import set_personal_menu
from bot.views.texts import LOCALES, manager_locale, pick_locale, plain, t
from handlers.common import (
    Visitor,
    bot_username,
    center_link,
    notice,
    say,
    served_elsewhere,
    show,
    visitor_of,
)

# A center code is short and plain; anything else after /start is not one.
MAX_CODE_LENGTH = 32


def contact_keyboard(locale: str) -> ReplyKeyboardMarkup:
    """A reply keyboard with the button that shares the villager's own number."""
    button = KeyboardButton(plain(locale, "onboarding.share_phone"), request_contact=True)
    return ReplyKeyboardMarkup([[button]], resize_keyboard=True, one_time_keyboard=True)


async def start(update: Update, context: KiosContext) -> None:
    """Join the center named in the deep link, or greet and explain how to find one."""
    visitor = await visitor_of(update, context)
    code = (context.args or [""])[0][:MAX_CODE_LENGTH]
    admin = visitor.user.id in context.settings.admin_ids
    staff = bool(visitor.staffed)
    if visitor.is_manager or admin or staff:  # their own menu, once they have opened the bot
        await set_personal_menu(
            context.bot,
            visitor.user.id,
            visitor.locale,
            manager=visitor.is_manager,
            admin=admin,
            staff=staff,
        )
    if code:
        await join_by_code(update, context, visitor, code)
    elif visitor.center is not None:
        await welcome(update, visitor, visitor.center)
    elif visitor.desk is not None:
        await greet_at_desk(update, context, visitor)
    else:
        await say(update, t(visitor.locale, "onboarding.ask_center"))


async def greet_at_desk(update: Update, context: KiosContext, visitor: Visitor) -> None:
    """Make a manager (or helper) a villager of the center they work on, and greet them as
    its manager (or helper)."""
    center = visitor.desk
    assert center is not None
    user = await context.store.users.join_center(visitor.user.id, center.id)
    await welcome(update, replace(visitor, user=user, center=center), center)


async def desk_before_start(update: Update, context: KiosContext, visitor: Visitor) -> None:
    """A manager's (or helper's) first words were not /start: greeted all the same."""
    admin = visitor.user.id in context.settings.admin_ids
    await set_personal_menu(
        context.bot,
        visitor.user.id,
        visitor.locale,
        manager=visitor.is_manager,
        admin=admin,
        staff=bool(visitor.staffed),
    )
    await greet_at_desk(update, context, visitor)


async def join_by_code(update: Update, context: KiosContext, visitor: Visitor, code: str) -> None:
    """Join center `code`, or say it does not exist."""
    try:
        center = await context.store.centers.by_code(code)
    except RecordNotFound:
        await say(update, t(visitor.locale, "onboarding.unknown_code", code=code))
        return
    if served_elsewhere(context, center):
        await point_to_its_bot(update, context, visitor, center)
        return
    await join(update, context, visitor, center)


async def point_to_its_bot(
    update: Update, context: KiosContext, visitor: Visitor, center: Center
) -> None:
    """Tell a villager who opened a center in the wrong bot which bot serves it, with its link."""
    text = t(
        visitor.locale,
        "bots.wrong_bot",
        center=center.name,
        bot=await bot_username(context, center.bot_id),
        link=await center_link(context, center),
    )
    await say(update, text)


async def join(update: Update, context: KiosContext, visitor: Visitor, center: Center) -> None:
    """Make the user a villager of `center` and welcome them in its language if they have none."""
    user = await context.store.users.join_center(visitor.user.id, center.id)
    if visitor.managed:
        locale = manager_locale(user, visitor.managed[0].language)
    else:
        locale = pick_locale(user.language, user.telegram_language, center.language)
    await welcome(update, replace(visitor, user=user, center=center, locale=locale), center)


async def welcome(update: Update, visitor: Visitor, center: Center) -> None:
    """Greet the villager and show what they can do; offer to share their phone."""
    key = "onboarding.welcome_manager" if visitor.is_manager else "onboarding.welcome"
    if center in visitor.staffed:  # a helper there, whatever they manage elsewhere
        key = "staff.welcome"
    text = t(visitor.locale, key, name=visitor.user.first_name, center=center.name)
    markup = None if visitor.user.phone else contact_keyboard(visitor.locale)
    await say(update, text, markup)


async def find_center(update: Update, context: KiosContext, visitor: Visitor, query: str) -> None:
    """Show the centers whose names match what the villager typed."""
    # The centers this bot serves: the others are joined through their own bots.
    mine = await context.store.centers.of_bot(context.services.bot_id)
    matches = find_centers(query, mine)
    if not matches:
        await say(update, t(visitor.locale, "onboarding.no_center", query=query))
        return
    buttons = [
        [
            InlineKeyboardButton(
                f"{c.name} ({c.code})", callback_data=callbacks.build(callbacks.CENTER, c.id)
            )
        ]
        for c in matches
    ]
    await say(update, t(visitor.locale, "onboarding.pick_center"), InlineKeyboardMarkup(buttons))


async def center_chosen(update: Update, context: KiosContext) -> None:
    """Join the center whose button was pressed."""
    query = update.callback_query
    assert query is not None
    visitor = await visitor_of(update, context)
    parsed = callbacks.parse(query.data)
    try:
        center = await context.store.centers.get(parsed.ident if parsed else -1)
    except RecordNotFound:
        await notice(query, visitor.locale, "common.stale", alert=True)
        return
    await query.answer()
    if served_elsewhere(context, center):  # a button of this bot never offers one: forged
        await point_to_its_bot(update, context, visitor, center)
        return
    await show(query, t(visitor.locale, "onboarding.joined", center=center.name))
    await join(update, context, visitor, center)


async def contact_shared(update: Update, context: KiosContext) -> None:
    """Store the villager's own phone number; someone else's contact is refused."""
    visitor = await visitor_of(update, context)
    message = update.effective_message
    contact = message.contact if message else None
    if contact is None or contact.user_id != visitor.user.id:
        await say(
            update, t(visitor.locale, "onboarding.phone_not_own"), contact_keyboard(visitor.locale)
        )
        return
    currency = visitor.center.currency if visitor.center else "IDR"
    phone = normalize_phone(contact.phone_number, currency)
    if phone is None:
        await say(update, t(visitor.locale, "onboarding.phone_invalid"))
        return
    await context.store.users.set_phone(visitor.user.id, phone)
    await say(update, t(visitor.locale, "onboarding.phone_saved", phone=phone), None)


async def choose_language(update: Update, context: KiosContext) -> None:
    """Offer the three languages."""
    visitor = await visitor_of(update, context)
    buttons = [
        [
            InlineKeyboardButton(
                plain(code, "language.name"),
                callback_data=callbacks.build(callbacks.LANGUAGE, 0, code),
            )
            for code in LOCALES
        ]
    ]
    await say(update, t(visitor.locale, "language.ask"), InlineKeyboardMarkup(buttons))


async def language_chosen(update: Update, context: KiosContext) -> None:
    """Remember the chosen language and confirm in it."""
    query = update.callback_query
    assert query is not None
    visitor = await visitor_of(update, context)
    parsed = callbacks.parse(query.data)
    if parsed is None or parsed.arg not in LOCALES:
        await notice(query, visitor.locale, "common.stale", alert=True)
        return
    await context.store.users.set_language(visitor.user.id, parsed.arg)
    await query.answer()
    await show(query, t(parsed.arg, "language.set"))


async def nothing_to_cancel(update: Update, context: KiosContext) -> None:
    """/cancel outside any dialog: say so, and clear a leftover reply keyboard."""
    visitor = await visitor_of(update, context)
    await say(update, t(visitor.locale, "common.nothing_to_cancel"), ReplyKeyboardRemove())


def build_onboarding_handlers() -> list[BaseHandler[Update, KiosContext, None]]:
    """Handlers for /start, center choice, contact sharing and /language."""
    return [
        CommandHandler("start", start),
        CommandHandler("language", choose_language),
        # Dialogs registered earlier take /cancel while they are open.
        CommandHandler("cancel", nothing_to_cancel),
        CallbackQueryHandler(center_chosen, pattern=callbacks.pattern(callbacks.CENTER)),
        CallbackQueryHandler(language_chosen, pattern=callbacks.pattern(callbacks.LANGUAGE)),
        MessageHandler(filters.CONTACT, contact_shared),
    ]
