"""Recording a repayment from /tabs: the manager presses a villager's button, types how much
they paid (never more than they owe), then picks cash or QRIS.

The amount is checked when typed and again when written (storage locks the tab): a payment
recorded meanwhile, or a second press, cannot take the balance below zero.
"""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler, MessageHandler
from telegram.ext import filters as f

from bot.context import KiosContext
from bot.domain.money import MoneyError
from bot.domain.payments import PaymentRefusal, PayMethod
from bot.domain.tabs import RepaymentRefused, parse_amount
from bot.services.tabs import TabNotAllowed, managed_center, record_repayment, villager_of
from bot.views import callbacks
from bot.views.tab_texts import amount, method_label
from bot.views.texts import plain, t
from handlers.common import notice, say, show, visitor_of
from handlers.dialogs import (
    Dialog,
    Step,
    draft_of,
    latest_summary,
    leave_dialog,
    next_summary,
    remind_buttons,
    typed_text,
)

DRAFT = "tab_payment"
AMOUNT, METHOD = "tab_amount", "tab_method"
CANCEL = "no"
TIMEOUT_S = 15 * 60


async def pay_pressed(update: Update, context: KiosContext) -> Step:
    """A villager's "paid" button on /tabs: ask how much they paid."""
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
        return ConversationHandler.END
    owed = await context.store.tabs.owed(center.id, villager.id)
    if owed <= 0:
        await notice(
            query, visitor.locale, "tabs.nothing_owed", alert=True, name=villager.first_name
        )
        return ConversationHandler.END
    await query.answer()
    draft = draft_of(context, DRAFT)
    draft.clear()
    draft.update(center=center.id, villager=villager.id, name=villager.first_name)
    draft.update(currency=center.currency)
    await say(update, _text(visitor.locale, "tabs.ask_amount", draft, owed=owed))
    return AMOUNT


def _text(locale: str, key: str, draft: dict[str, Any], **minor: int) -> str:
    """Text `key` about the draft's villager, with its amounts (minor units) formatted."""
    currency = str(draft["currency"])
    money = {name: amount(value, currency, locale) for name, value in minor.items()}
    return t(locale, key, name=draft["name"], **money)


async def amount_typed(update: Update, context: KiosContext) -> Step:
    """Take the amount paid; refuse what does not read as money or is more than is owed."""
    visitor = await visitor_of(update, context)
    draft = draft_of(context, DRAFT)
    if "villager" not in draft:
        return await leave_dialog(update, context, DRAFT, "common.stale")
    owed = await context.store.tabs.owed(int(draft["center"]), int(draft["villager"]))
    if owed <= 0:  # paid off meanwhile (another copy of /tabs)
        context.dialog.pop(DRAFT, None)
        await say(update, t(visitor.locale, "tabs.nothing_owed", name=draft["name"]))
        return ConversationHandler.END
    try:
        paid = parse_amount(typed_text(update, 60), str(draft["currency"]))
    except MoneyError:
        paid = 0
    if paid <= 0:
        await say(update, _text(visitor.locale, "tabs.amount_invalid", draft, owed=owed))
        return AMOUNT
    if paid > owed:
        await say(update, _text(visitor.locale, "tabs.over_owed", draft, owed=owed))
        return AMOUNT
    draft["amount"] = paid
    number = next_summary(context, draft)
    markup = _method_buttons(visitor.locale, number)
    await say(update, _text(visitor.locale, "tabs.ask_method", draft, amount=paid), markup)
    return METHOD


def _method_buttons(locale: str, number: int) -> InlineKeyboardMarkup:
    """Cash, QRIS and Cancel, tied to the question they answer."""

    def button(key: str, step: str) -> InlineKeyboardButton:
        data = callbacks.step(callbacks.TAB_PAYMENT, step, number)
        return InlineKeyboardButton(plain(locale, key), callback_data=data)

    return InlineKeyboardMarkup(
        [
            [button("tabs.cash", PayMethod.CASH.value), button("tabs.qris", PayMethod.QRIS.value)],
            [button("tabs.cancel", CANCEL)],
        ]
    )


async def method_pressed(update: Update, context: KiosContext) -> Step:
    """Cash or QRIS: record the repayment and tell the villager; Cancel records nothing."""
    query = update.callback_query
    assert query is not None
    visitor = await visitor_of(update, context)
    draft = draft_of(context, DRAFT)
    pressed = callbacks.parse(query.data)
    if not latest_summary(query, draft) or "amount" not in draft or pressed is None:
        await notice(query, visitor.locale, "common.stale", alert=True)
        return None
    if pressed.arg == CANCEL:
        return await leave_dialog(update, context, DRAFT, "tabs.payment_cancelled")
    method = PayMethod(pressed.arg or "")  # the pattern lets only cash, qris and no through
    await query.answer()
    text = await _record(context, visitor.user.id, visitor.locale, draft, method)
    context.dialog.pop(DRAFT, None)
    await show(query, text)
    return ConversationHandler.END


async def _record(
    context: KiosContext, manager_id: int, locale: str, draft: dict[str, Any], method: PayMethod
) -> str:
    """Record the draft's repayment; the text that says what happened."""
    try:
        repaid = await record_repayment(
            context.store,
            int(draft["center"]),
            int(draft["villager"]),
            method,
            int(draft["amount"]),
            manager_id,
        )
    except TabNotAllowed:
        return t(locale, "tabs.not_allowed")
    except RepaymentRefused as refused:
        if refused.reason is PaymentRefusal.OVER_OWED:
            return _text(locale, "tabs.over_owed", draft, owed=refused.owed_minor)
        return t(locale, "tabs.nothing_owed", name=draft["name"])
    key = "tabs.recorded" if repaid.owed_after_minor > 0 else "tabs.recorded_clear"
    return t(
        locale,
        key,
        name=draft["name"],
        amount=amount(repaid.amount_minor, repaid.currency, locale),
        owed=amount(repaid.owed_after_minor, repaid.currency, locale),
        method=method_label(locale, method),
    )


async def cancelled(update: Update, context: KiosContext) -> int:
    """/cancel: nothing is recorded."""
    return await leave_dialog(update, context, DRAFT, "tabs.payment_cancelled")


async def use_buttons(update: Update, context: KiosContext) -> Step:
    """Typed text where Cash or QRIS is expected: point to the buttons."""
    await remind_buttons(update, context, "tabs.use_buttons")
    return None


def build_tab_payment_conversation() -> Dialog:
    """The repayment dialog started from a /tabs button (persisted like any dialog)."""
    typed = f.TEXT & ~f.COMMAND
    methods = callbacks.step_pattern(callbacks.TAB_PAYMENT, "cash", "qris", CANCEL, ident=None)
    return Dialog(
        entry_points=[
            CallbackQueryHandler(pay_pressed, pattern=callbacks.tab_pattern(callbacks.TAB_PAY))
        ],
        states={
            AMOUNT: [MessageHandler(typed, amount_typed)],
            METHOD: [
                CallbackQueryHandler(method_pressed, pattern=methods),
                MessageHandler(typed, use_buttons),
            ],
        },
        fallbacks=[CommandHandler("cancel", cancelled)],
        name="tab_payment",
        persistent=True,
        conversation_timeout=TIMEOUT_S,
        allow_reentry=True,
        draft_key=DRAFT,
    )
