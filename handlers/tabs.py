"""/tabs and /credit: the manager's kasbon book (who owes what, reminders) and credit limit.

Recording a repayment is a dialog of its own (handlers/tab_payment.py). Every press is
authorized on the server: the center in the button must be the presser's now.
"""

from __future__ import annotations

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.context import KiosContext
from bot.domain.entities import Center
from bot.domain.money import MoneyError
from bot.domain.tabs import (
    Debtor,
    ReminderRefusal,
    ReminderRefused,
    next_reminder_at,
    parse_credit_limit,
)
from bot.services.tabs import TabNotAllowed, managed_center, send_reminder, villager_of
from bot.views import callbacks
from bot.views.tab_texts import button_name, credit_limit_text, day_of, debtor_line
from bot.views.texts import Html, plain, t
from handlers.common import Visitor, notice, page_buttons, page_of, say, visitor_of
from handlers.paging import paged_list
from storage.clock import now

DEBTORS_PER_PAGE = 6
REMINDER_REFUSALS = {
    ReminderRefusal.NOTHING_OWED: "tabs.remind_nothing_owed",
    ReminderRefusal.OPTED_OUT: "tabs.remind_opted_out",
    ReminderRefusal.TOO_SOON: "tabs.remind_too_soon",
}


async def tabs_page(
    context: KiosContext, visitor: Visitor, asked: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    """A page of who owes the manager's center, oldest debt first, with a row of buttons each."""
    center = visitor.managed_center
    if center is None:
        return t(visitor.locale, "tabs.not_manager"), None
    book = context.store.tabs
    total = await book.count_debtors(center.id)
    if total == 0:
        return t(visitor.locale, "tabs.empty", center=center.name), None
    page = page_of(asked, total, DEBTORS_PER_PAGE)
    debtors = await book.debtors(center.id, page.size, page.offset)
    at = now()
    lines = Html("\n".join(debtor_line(d, center.currency, at, visitor.locale) for d in debtors))
    rows = [
        [
            _button(visitor.locale, "tabs.pay_button", center.id, callbacks.TAB_PAY, d),
            _button(visitor.locale, "tabs.remind_button", center.id, callbacks.TAB_REMIND, d),
        ]
        for d in debtors
    ]
    rows.append(page_buttons(callbacks.TABS_PAGE, page))
    text = t(
        visitor.locale,
        "tabs.title",
        center=center.name,
        count=total,
        page=page.index + 1,
        pages=page.count,
        lines=lines,
    )
    return text, InlineKeyboardMarkup([row for row in rows if row])


def _button(
    locale: str, key: str, center_id: int, action: str, debtor: Debtor
) -> InlineKeyboardButton:
    """A debtor's button: record a payment, or remind."""
    data = callbacks.tab_button(center_id, action, debtor.villager_id)
    label = plain(locale, key, name=button_name(debtor.name))
    return InlineKeyboardButton(label, callback_data=data)


async def remind_pressed(update: Update, context: KiosContext) -> None:
    """Send a villager a polite reminder of their tab (at most one a week); say what happened."""
    query = update.callback_query
    assert query is not None
    visitor = await visitor_of(update, context)
    pressed = callbacks.parse_tab(query.data)
    try:
        if pressed is None:
            raise TabNotAllowed
        center = await managed_center(context.store, pressed[0], visitor.user.id)
        villager = await villager_of(context.store, pressed[2])
    except TabNotAllowed:
        await notice(query, visitor.locale, "tabs.not_allowed", alert=True)
        return
    try:
        await send_reminder(context.store, center, villager)
    except ReminderRefused as refused:
        await notice_refused(query, visitor.locale, center, villager.first_name, refused)
        return
    await notice(query, visitor.locale, "tabs.reminded", name=villager.first_name)


async def notice_refused(
    query: CallbackQuery, locale: str, center: Center, name: str, refused: ReminderRefused
) -> None:
    """Tell the manager why no reminder went (and, if too soon, when the next may go)."""
    last = refused.last_sent_at or now()
    await notice(
        query,
        locale,
        REMINDER_REFUSALS[refused.reason],
        alert=True,
        name=name,
        date=day_of(last, center.currency, locale),
        next=day_of(next_reminder_at(last), center.currency, locale),
    )


async def credit(update: Update, context: KiosContext) -> None:
    """/credit [AMOUNT|off]: show or set what one villager may owe the manager's center."""
    visitor = await visitor_of(update, context)
    center = visitor.managed_center
    if center is None:
        await say(update, t(visitor.locale, "credit.not_manager"))
        return
    typed = " ".join(context.args or []).strip()
    book = context.store.tabs
    if not typed:
        limit = await book.credit_limit(center.id)
        current = Html(credit_limit_text(limit, center.currency, center.name, visitor.locale))
        await say(update, t(visitor.locale, "credit.usage", current=current))
        return
    try:
        limit = parse_credit_limit(typed, center.currency)
    except MoneyError:
        await say(update, t(visitor.locale, "credit.invalid", text=typed[:40]))
        return
    await book.set_credit_limit(center.id, limit)
    await say(update, credit_limit_text(limit, center.currency, center.name, visitor.locale))


def build_tabs_handlers() -> list[BaseHandler[Update, KiosContext, None]]:
    """Handlers for /tabs, its pages, the Remind buttons and /credit."""
    return [
        *paged_list("tabs", callbacks.TABS_PAGE, tabs_page),
        CallbackQueryHandler(remind_pressed, pattern=callbacks.tab_pattern(callbacks.TAB_REMIND)),
        CommandHandler("credit", credit),
    ]
