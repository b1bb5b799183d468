"""Bill payment: which bill, the customer or meter number, a token's value, then Confirm.

A prepaid electricity token is priced at once; other bills are looked up and quoted by the
manager, and the villager accepts or declines the quote on their request's card.
"""

from __future__ import annotations

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
from bot.domain.bills import TOKEN_VALUES, BillKind, check_customer, token_price
from bot.domain.money import format_money
from bot.domain.pipeline import RequestKind, Role
from bot.domain.validators import ValidationError
from bot.services.submissions import submit_bill
from bot.views import callbacks
from bot.views.cards import action_buttons, villager_card_text
from bot.views.texts import Html, plain, t
from handlers.common import Visitor, leave_dialog, notice, remind_buttons, say, show, visitor
from handlers.dialogs import Dialog

KIND, CUSTOMER, TOKEN, CONFIRM = "bill_kind", "bill_customer", "bill_token", "bill_confirm"
DRAFT_KEY = "bill"
Step = str | int | None
Handler = BaseHandler[Update, KiosContext, object]


def step_button(locale: str, label: str, step: str, ident: int = 0) -> InlineKeyboardButton:
    """A bill dialog button."""
    return InlineKeyboardButton(label, callback_data=callbacks.build(callbacks.BILL, ident, step))


def step_pattern(step: str) -> str:
    """Anchored pattern of one bill step button (any id)."""
    return rf"^{callbacks.BILL}:[0-9]+:{step}$"


def cancel_row(locale: str) -> list[InlineKeyboardButton]:
    """The row with Cancel."""
    return [step_button(locale, plain(locale, "bill.cancel"), "no")]


async def begin(update: Update, context: KiosContext) -> Step:
    """/bill: ask which bill."""
    found = await visitor(update, context)
    if found.center is None:
        await say(update, t(found.locale, "onboarding.ask_center"))
        return ConversationHandler.END
    context.dialog[DRAFT_KEY] = {}
    rows = [
        [step_button(found.locale, plain(found.locale, f"bill.{b.value}"), b.value)]
        for b in BillKind
    ]
    rows.append(cancel_row(found.locale))
    await say(update, t(found.locale, "bill.ask_kind"), InlineKeyboardMarkup(rows))
    return KIND


async def kind_chosen(update: Update, context: KiosContext) -> Step:
    """Ask for the customer or meter number of the chosen bill."""
    found = await visitor(update, context)
    query = update.callback_query
    assert query is not None
    parsed = callbacks.parse(query.data)
    if parsed is None or parsed.arg not in {b.value for b in BillKind}:
        await notice(query, found.locale, "common.stale", alert=True)
        return KIND
    await query.answer()
    bill = BillKind(parsed.arg)
    context.dialog[DRAFT_KEY] = {"bill": bill.value}
    await show(query, t(found.locale, f"bill.ask_customer.{bill.value}"))
    return CUSTOMER


async def customer_typed(update: Update, context: KiosContext) -> Step:
    """Check the number; prepaid goes on to the token's value, other bills to the summary."""
    found = await visitor(update, context)
    draft = context.dialog.get(DRAFT_KEY) or {}
    if draft.get("bill") not in {b.value for b in BillKind}:
        return await begin(update, context)
    bill = BillKind(draft["bill"])
    message = update.effective_message
    try:
        customer = check_customer(bill, (message.text or "")[:64] if message else "")
    except ValidationError as error:
        await say(update, t(found.locale, f"bill.invalid.{error.reason}", example=example(bill)))
        return CUSTOMER
    draft["customer"] = customer
    if bill is BillKind.PLN_PREPAID:
        return await ask_token(update, context, found)
    return await summary(update, context, found)


def example(bill: BillKind) -> str:
    """A well-formed number for the bill, shown when the typed one is not."""
    return {
        BillKind.PLN_PREPAID: "14234567890",
        BillKind.PLN_POSTPAID: "512345678901",
        BillKind.PDAM: "0123456789",
        BillKind.BPJS: "0001234567890",
    }[bill]


async def ask_token(update: Update, context: KiosContext, found: Visitor) -> Step:
    """Offer the token values with their price including the fee."""
    assert found.center is not None
    currency = found.center.currency
    charge = await context.store.services.fee_for(found.center, RequestKind.BILL)
    rows = [
        [
            step_button(
                found.locale,
                plain(
                    found.locale,
                    "bill.token_button",
                    value=format_money(token_price(v, currency), found.locale),
                    price=format_money(token_price(v, currency) + charge, found.locale),
                ),
                "tok",
                v,
            )
        ]
        for v in TOKEN_VALUES
    ]
    rows.append(cancel_row(found.locale))
    await say(update, t(found.locale, "bill.ask_token"), InlineKeyboardMarkup(rows))
    return TOKEN


async def token_chosen(update: Update, context: KiosContext) -> Step:
    """Keep the token's value and show the summary."""
    found = await visitor(update, context)
    query = update.callback_query
    assert query is not None
    parsed = callbacks.parse(query.data)
    draft = context.dialog.get(DRAFT_KEY) or {}
    if parsed is None or parsed.ident not in TOKEN_VALUES or "customer" not in draft:
        await notice(query, found.locale, "common.stale", alert=True)
        return TOKEN
    await query.answer()
    draft["token_value"] = parsed.ident
    return await summary(update, context, found)


async def summary(update: Update, context: KiosContext, found: Visitor) -> Step:
    """Show what will be sent, with Confirm and Cancel."""
    assert found.center is not None
    draft = context.dialog[DRAFT_KEY]
    bill, currency = BillKind(draft["bill"]), found.center.currency
    if "token_value" in draft:
        value = token_price(int(draft["token_value"]), currency)
        charge = await context.store.services.fee_for(found.center, RequestKind.BILL)
        price = t(
            found.locale,
            "bill.summary_price",
            value=format_money(value, found.locale),
            fee=format_money(charge, found.locale),
            total=format_money(value + charge, found.locale),
        )
    else:
        price = t(found.locale, "bill.summary_quote")
    text = t(
        found.locale,
        "bill.summary",
        bill=plain(found.locale, f"bill.{bill.value}"),
        customer=draft["customer"],
        price=Html(price),
    )
    rows = [
        [step_button(found.locale, plain(found.locale, "bill.confirm"), "ok")],
        cancel_row(found.locale),
    ]
    await say(update, text, InlineKeyboardMarkup(rows))
    return CONFIRM


async def confirm(update: Update, context: KiosContext) -> Step:
    """Submit the bill; the villager sees its number and status."""
    found = await visitor(update, context)
    query = update.callback_query
    assert query is not None
    draft = context.dialog.pop(DRAFT_KEY, None) or {}
    if found.center is None or "customer" not in draft:
        await notice(query, found.locale, "common.stale", alert=True)
        return ConversationHandler.END
    bill = BillKind(draft["bill"])
    value = draft.get("token_value")
    token = token_price(int(value), found.center.currency) if value else None
    request = await submit_bill(
        context.store, found.user, found.center, bill, draft["customer"], token
    )
    await query.answer()
    text = t(found.locale, "bill.submitted", card=Html(villager_card_text(request, found.locale)))
    await show(query, text, action_buttons(request, Role.VILLAGER, found.locale))
    return ConversationHandler.END


async def cancel(update: Update, context: KiosContext) -> Step:
    """Leave the bill dialog."""
    return await leave_dialog(update, context, DRAFT_KEY, "bill.cancelled")


async def use_buttons(update: Update, context: KiosContext) -> None:
    """Typed text where a button is expected."""
    await remind_buttons(update, context, "bill.use_buttons")


def build_bill_conversation() -> Dialog:
    """The persistent /bill dialog."""
    typed: Handler = MessageHandler(filters.TEXT & ~filters.COMMAND, use_buttons)
    cancel_button: Handler = CallbackQueryHandler(cancel, pattern=step_pattern("no"))
    kinds = "|".join(b.value for b in BillKind)
    return Dialog(
        entry_points=[CommandHandler("bill", begin)],
        states={
            KIND: [
                CallbackQueryHandler(kind_chosen, pattern=rf"^{callbacks.BILL}:0:({kinds})$"),
                typed,
            ],
            CUSTOMER: [MessageHandler(filters.TEXT & ~filters.COMMAND, customer_typed)],
            TOKEN: [CallbackQueryHandler(token_chosen, pattern=step_pattern("tok")), typed],
            CONFIRM: [CallbackQueryHandler(confirm, pattern=step_pattern("ok")), typed],
        },
        fallbacks=[cancel_button, CommandHandler("cancel", cancel)],
        name="bill",
        persistent=True,
        allow_reentry=True,
    )
