"""Bill payment: which bill, the customer or meter number, a token's value, then Confirm.

A prepaid electricity token is priced at once; other bills are looked up and quoted by the
manager, and the villager accepts or declines the quote on their request's card.
"""

from __future__ import annotations

from typing import Any

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.context import KiosContext
from bot.domain.bills import TOKEN_VALUES, BillKind, check_customer, token_price
from bot.domain.errors import PriceChanged
from bot.domain.holding import TooManyOpenRequests
from bot.domain.money import Money, format_money
from bot.domain.pipeline import RequestKind
from bot.domain.validators import ValidationError
from bot.services.submissions import submit_bill
from bot.views import callbacks
from bot.views.labels import bill_label, bill_number_key, bill_number_prompt_key
from bot.views.texts import Html, plain, t
from handlers.common import Visitor, joined_center, notice, say, show, visitor_of
from handlers.dialogs import (
    Dialog,
    Handler,
    Step,
    give_request_key,
    latest_summary,
    leave_dialog,
    next_summary,
    remind_buttons,
    request_key,
    show_not_sent,
    show_submitted,
    typed_text,
)

KIND, CUSTOMER, TOKEN, CONFIRM = "bill_kind", "bill_customer", "bill_token", "bill_confirm"
DRAFT_KEY = "bill"


def step_button(label: str, step: str, ident: int = 0) -> InlineKeyboardButton:
    """A bill dialog button."""
    return InlineKeyboardButton(label, callback_data=callbacks.step(callbacks.BILL, step, ident))


def step_pattern(*steps: str) -> str:
    """Anchored pattern of the bill step buttons `steps` (any id)."""
    return callbacks.step_pattern(callbacks.BILL, *steps, ident=None)


def cancel_row(locale: str) -> list[InlineKeyboardButton]:
    """The row with Cancel."""
    return [step_button(plain(locale, "bill.cancel"), "no")]


async def begin(update: Update, context: KiosContext) -> Step:
    """/bill: ask which bill."""
    visitor = await visitor_of(update, context)
    if await joined_center(update, visitor) is None:
        return ConversationHandler.END
    context.dialog[DRAFT_KEY] = {}
    rows = [[step_button(bill_label(visitor.locale, b), b.value)] for b in BillKind]
    rows.append(cancel_row(visitor.locale))
    await say(update, t(visitor.locale, "bill.ask_kind"), InlineKeyboardMarkup(rows))
    return KIND


async def kind_chosen(update: Update, context: KiosContext) -> Step:
    """Ask for the customer or meter number of the chosen bill."""
    visitor = await visitor_of(update, context)
    query = update.callback_query
    assert query is not None
    parsed = callbacks.parse(query.data)
    if parsed is None or parsed.arg not in {b.value for b in BillKind}:
        await notice(query, visitor.locale, "common.stale", alert=True)
        return KIND
    await query.answer()
    bill = BillKind(parsed.arg)
    context.dialog[DRAFT_KEY] = {"bill": bill.value}
    await show(query, t(visitor.locale, bill_number_prompt_key(bill)))
    return CUSTOMER


async def customer_typed(update: Update, context: KiosContext) -> Step:
    """Check the number; prepaid goes on to the token's value, other bills to the summary."""
    visitor = await visitor_of(update, context)
    draft = context.dialog.get(DRAFT_KEY) or {}
    if draft.get("bill") not in {b.value for b in BillKind}:
        return await begin(update, context)
    bill = BillKind(draft["bill"])
    try:
        customer = check_customer(bill, typed_text(update, 64))
    except ValidationError as error:
        await say(update, t(visitor.locale, bill_number_key(error.reason), example=example(bill)))
        return CUSTOMER
    draft["customer"] = customer
    if bill is BillKind.PLN_PREPAID:
        return await ask_token(update, context, visitor)
    return await summary(update, context, visitor)


def example(bill: BillKind) -> str:
    """A well-formed number for the bill, shown when the typed one is not."""
    return {
        BillKind.PLN_PREPAID: "14234567890",
        BillKind.PLN_POSTPAID: "512345678901",
        BillKind.PDAM: "0123456789",
        BillKind.BPJS: "0001234567890",
    }[bill]


async def ask_token(update: Update, context: KiosContext, visitor: Visitor) -> Step:
    """Offer the token values with their price including the fee."""
    assert visitor.center is not None
    currency = visitor.center.currency
    charge = await context.store.services.fee_for(visitor.center, RequestKind.BILL)
    rows = [
        [
            step_button(
                plain(
                    visitor.locale,
                    "bill.token_button",
                    value=format_money(token_price(v, currency), visitor.locale),
                    price=format_money(token_price(v, currency) + charge, visitor.locale),
                ),
                "tok",
                v,
            )
        ]
        for v in TOKEN_VALUES
    ]
    rows.append(cancel_row(visitor.locale))
    await say(update, t(visitor.locale, "bill.ask_token"), InlineKeyboardMarkup(rows))
    return TOKEN


async def token_chosen(update: Update, context: KiosContext) -> Step:
    """Keep the token's value and show the summary."""
    visitor = await visitor_of(update, context)
    query = update.callback_query
    assert query is not None
    parsed = callbacks.parse(query.data)
    draft = context.dialog.get(DRAFT_KEY) or {}
    if parsed is None or parsed.ident not in TOKEN_VALUES or "customer" not in draft:
        await notice(query, visitor.locale, "common.stale", alert=True)
        return TOKEN
    await query.answer()
    draft["token_value"] = parsed.ident
    return await summary(update, context, visitor)


async def summary(update: Update, context: KiosContext, visitor: Visitor) -> Step:
    """Show what will be sent, with Confirm and Cancel."""
    await say(update, *await summary_of(context, visitor, context.dialog[DRAFT_KEY]))
    return CONFIRM


async def summary_of(
    context: KiosContext, visitor: Visitor, draft: dict[str, Any]
) -> tuple[str, InlineKeyboardMarkup]:
    """What will be sent, at the fee now; the draft keeps the fee shown."""
    assert visitor.center is not None
    bill, currency = BillKind(draft["bill"]), visitor.center.currency
    if "token_value" in draft:
        value = token_price(int(draft["token_value"]), currency)
        charge = await context.store.services.fee_for(visitor.center, RequestKind.BILL)
        draft["fee"] = charge.minor
        price = t(
            visitor.locale,
            "bill.summary_price",
            value=format_money(value, visitor.locale),
            fee=format_money(charge, visitor.locale),
            total=format_money(value + charge, visitor.locale),
        )
    else:
        price = t(visitor.locale, "bill.summary_quote")
    text = t(
        visitor.locale,
        "bill.summary",
        bill=bill_label(visitor.locale, bill),
        customer=draft["customer"],
        price=Html(price),
    )
    give_request_key(draft)
    rows = [
        [step_button(plain(visitor.locale, "bill.confirm"), "ok", next_summary(context, draft))],
        cancel_row(visitor.locale),
    ]
    return text, InlineKeyboardMarkup(rows)


async def confirm(update: Update, context: KiosContext) -> Step:
    """Submit the bill as its last summary showed it (else show it again); the villager sees
    its number and status."""
    visitor = await visitor_of(update, context)
    query = update.callback_query
    assert query is not None
    draft = context.dialog.get(DRAFT_KEY) or {}
    if visitor.center is None or "customer" not in draft:
        context.dialog.pop(DRAFT_KEY, None)
        await notice(query, visitor.locale, "common.stale", alert=True)
        return ConversationHandler.END
    if not latest_summary(query, draft):  # an older one may show another bill or fee
        return await show_again(query, context, visitor, draft)
    bill, currency = BillKind(draft["bill"]), visitor.center.currency
    value = draft.get("token_value")
    token = token_price(int(value), currency) if value else None
    shown = token + Money(int(draft["fee"]), currency) if token else None
    try:
        request = await submit_bill(
            context.store,
            visitor.user,
            visitor.center,
            bill,
            draft["customer"],
            token,
            shown,
            request_key(draft),
        )
    except PriceChanged:
        return await show_again(query, context, visitor, draft)
    except TooManyOpenRequests as refused:
        context.dialog.pop(DRAFT_KEY, None)
        await show_not_sent(query, visitor.locale, refused, "requests.too_many_open")
        return ConversationHandler.END
    await query.answer()
    await show_submitted(query, visitor.locale, "bill.submitted", request)
    # Kept until the villager has seen it: a Confirm pressed again then finds the request.
    context.dialog.pop(DRAFT_KEY, None)
    return ConversationHandler.END


async def show_again(
    query: CallbackQuery, context: KiosContext, visitor: Visitor, draft: dict[str, Any]
) -> Step:
    """The pressed summary is not what Confirm would send: say so, and show it as it is now."""
    await notice(query, visitor.locale, "bill.summary_changed", alert=True)
    await show(query, *await summary_of(context, visitor, draft))
    return CONFIRM


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
    return Dialog(
        entry_points=[CommandHandler("bill", begin)],
        states={
            KIND: [
                CallbackQueryHandler(
                    kind_chosen,
                    pattern=callbacks.step_pattern(callbacks.BILL, *(b.value for b in BillKind)),
                ),
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
