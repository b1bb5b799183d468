"""Phone top-up: the number (their own or typed), the operator's products, then Confirm."""

from __future__ import annotations

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.context import KiosContext
from bot.domain.entities import ServiceProduct
from bot.domain.errors import PriceChanged, RecordNotFound
from bot.domain.holding import TooManyOpenRequests
from bot.domain.money import Money, format_money
from bot.domain.phones import (
    REGION_BY_CURRENCY,
    MobileNumber,
    PhoneError,
    operator_name,
    parse_mobile,
)
from bot.services.submissions import submit_topup
from bot.views import callbacks
from bot.views.labels import phone_refusal_key
from bot.views.texts import plain, t
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

NUMBER, PRODUCT, CONFIRM = "topup_number", "topup_product", "topup_confirm"
DRAFT_KEY = "topup"
EXAMPLES = {"ID": "0812 3456 7890", "CN": "138 0013 8000"}


def region_of(visitor: Visitor) -> str:
    """The country whose numbers the villager's center tops up."""
    return REGION_BY_CURRENCY.get(visitor.center.currency if visitor.center else "IDR", "ID")


def step_button(locale: str, key: str, step: str, ident: int = 0) -> InlineKeyboardButton:
    """A top-up dialog button."""
    return InlineKeyboardButton(
        plain(locale, key), callback_data=callbacks.step(callbacks.TOPUP, step, ident)
    )


def own_number(visitor: Visitor) -> MobileNumber | None:
    """The villager's shared phone, if it is a mobile number this center can top up."""
    if not visitor.user.phone:
        return None
    try:
        return parse_mobile(visitor.user.phone, region_of(visitor))
    except PhoneError:
        return None


async def begin(update: Update, context: KiosContext) -> Step:
    """/topup: ask which number, offering the villager's own."""
    visitor = await visitor_of(update, context)
    if await joined_center(update, visitor) is None:
        return ConversationHandler.END
    context.dialog[DRAFT_KEY] = {}
    rows = [[step_button(visitor.locale, "topup.cancel", "no")]]
    own = own_number(visitor)
    if own is not None:
        label = plain(visitor.locale, "topup.own_button", phone=own.national)
        own_button = InlineKeyboardButton(
            label, callback_data=callbacks.step(callbacks.TOPUP, "own")
        )
        rows.insert(0, [own_button])
    text = t(visitor.locale, "topup.ask_number", example=EXAMPLES[region_of(visitor)])
    await say(update, text, InlineKeyboardMarkup(rows))
    return NUMBER


async def number_typed(update: Update, context: KiosContext) -> Step:
    """Check the typed number and offer its operator's products."""
    visitor = await visitor_of(update, context)
    example = EXAMPLES[region_of(visitor)]
    try:
        number = parse_mobile(typed_text(update, 64), region_of(visitor))
    except PhoneError as error:
        await say(update, t(visitor.locale, phone_refusal_key(error.reason), example=example))
        return NUMBER
    return await offer_products(update, context, visitor, number)


async def own_chosen(update: Update, context: KiosContext) -> Step:
    """Top up the villager's own shared number."""
    visitor = await visitor_of(update, context)
    query = update.callback_query
    assert query is not None
    number = own_number(visitor)
    if number is None:
        await notice(query, visitor.locale, "common.stale", alert=True)
        return NUMBER
    await query.answer()
    return await offer_products(update, context, visitor, number)


async def offer_products(
    update: Update, context: KiosContext, visitor: Visitor, number: MobileNumber
) -> Step:
    """List the center's credit and data products for the number's operator."""
    assert visitor.center is not None
    if number.operator is None:
        await say(update, t(visitor.locale, "topup.unknown_operator", phone=number.national))
        return NUMBER
    products = await context.store.services.topups_for(visitor.center, number.operator)
    operator = operator_name(number.operator)
    if not products:
        await say(update, t(visitor.locale, "topup.no_products", operator=operator))
        return ConversationHandler.END
    context.dialog[DRAFT_KEY] = {"national": number.national, "operator": number.operator}
    rows = [
        [
            InlineKeyboardButton(
                plain(
                    visitor.locale,
                    "topup.product_button",
                    name=p.name,
                    price=format_money(p.price, visitor.locale),
                ),
                callback_data=callbacks.build(callbacks.TOPUP, p.id),
            )
        ]
        for p in products
    ]
    rows.append([step_button(visitor.locale, "topup.cancel", "no")])
    text = t(visitor.locale, "topup.choose", phone=number.national, operator=operator)
    await say(update, text, InlineKeyboardMarkup(rows))
    return PRODUCT


async def product_chosen(update: Update, context: KiosContext) -> Step:
    """Show the top-up to confirm."""
    visitor = await visitor_of(update, context)
    query = update.callback_query
    assert query is not None and visitor.center is not None
    parsed = callbacks.parse(query.data)
    draft = context.dialog.get(DRAFT_KEY) or {}
    try:
        product = await context.store.services.get(parsed.ident if parsed else 0, visitor.center)
    except RecordNotFound:
        product = None
    if product is None or product.operator != draft.get("operator"):
        await notice(query, visitor.locale, "common.stale", alert=True)
        return PRODUCT
    await query.answer()
    draft["product_id"] = product.id
    await show(query, *summary_of(context, visitor, draft, product))
    return CONFIRM


def summary_of(
    context: KiosContext, visitor: Visitor, draft: dict[str, object], product: ServiceProduct
) -> tuple[str, InlineKeyboardMarkup]:
    """The top-up to confirm, at the product's price now; the draft keeps the price shown."""
    draft["price"] = product.price.minor
    give_request_key(draft)
    rows = [
        [step_button(visitor.locale, "topup.confirm", "ok", next_summary(context, draft))],
        [step_button(visitor.locale, "topup.cancel", "no")],
    ]
    text = t(
        visitor.locale,
        "topup.summary",
        phone=draft["national"],
        operator=operator_name(product.operator or ""),
        product=product.name,
        price=format_money(product.price, visitor.locale),
    )
    return text, InlineKeyboardMarkup(rows)


async def confirm(update: Update, context: KiosContext) -> Step:
    """Submit the top-up as its last summary showed it (else show it again); the villager
    sees its number and status."""
    visitor = await visitor_of(update, context)
    query = update.callback_query
    assert query is not None
    draft = context.dialog.get(DRAFT_KEY) or {}
    number, product = await _draft_parts(context, visitor, draft)
    if number is None or product is None or visitor.center is None:
        context.dialog.pop(DRAFT_KEY, None)
        await notice(query, visitor.locale, "common.stale", alert=True)
        return ConversationHandler.END
    if not latest_summary(query, draft):  # an older one may show another product or price
        return await show_again(query, context, visitor, draft, product)
    shown = Money(int(draft["price"]), visitor.center.currency)
    try:
        request = await submit_topup(
            context.store, visitor.user, visitor.center, number, product, shown, request_key(draft)
        )
    except PriceChanged:
        return await show_again(query, context, visitor, draft, product)
    except TooManyOpenRequests as refused:
        context.dialog.pop(DRAFT_KEY, None)
        await show_not_sent(query, visitor.locale, refused, "requests.too_many_open")
        return ConversationHandler.END
    await query.answer()
    await show_submitted(query, visitor.locale, "topup.submitted", request)
    # Kept until the villager has seen it: a Confirm pressed again then finds the request.
    context.dialog.pop(DRAFT_KEY, None)
    return ConversationHandler.END


async def show_again(
    query: CallbackQuery,
    context: KiosContext,
    visitor: Visitor,
    draft: dict[str, object],
    product: ServiceProduct,
) -> Step:
    """The pressed summary is not what Confirm would send: say so, and show it as it is now."""
    await notice(query, visitor.locale, "topup.summary_changed", alert=True)
    await show(query, *summary_of(context, visitor, draft, product))
    return CONFIRM


async def _draft_parts(
    context: KiosContext, visitor: Visitor, draft: dict[str, object]
) -> tuple[MobileNumber | None, ServiceProduct | None]:
    """The number and product the draft names, re-checked now; None where they no longer hold."""
    if visitor.center is None or "product_id" not in draft:
        return None, None
    try:
        number = parse_mobile(str(draft["national"]), region_of(visitor))
        product = await context.store.services.get(int(str(draft["product_id"])), visitor.center)
    except (PhoneError, RecordNotFound, ValueError):
        return None, None
    return number, product


async def cancel(update: Update, context: KiosContext) -> Step:
    """Leave the top-up dialog."""
    return await leave_dialog(update, context, DRAFT_KEY, "topup.cancelled")


async def use_buttons(update: Update, context: KiosContext) -> None:
    """Typed text where a button is expected."""
    await remind_buttons(update, context, "topup.use_buttons")


def step_pattern(step: str) -> str:
    """Anchored pattern of one top-up step button."""
    return callbacks.step_pattern(callbacks.TOPUP, step)


def build_topup_conversation() -> Dialog:
    """The persistent /topup dialog."""
    typed: Handler = MessageHandler(filters.TEXT & ~filters.COMMAND, use_buttons)
    cancel_button: Handler = CallbackQueryHandler(cancel, pattern=step_pattern("no"))
    return Dialog(
        entry_points=[CommandHandler("topup", begin)],
        states={
            NUMBER: [
                CallbackQueryHandler(own_chosen, pattern=step_pattern("own")),
                MessageHandler(filters.TEXT & ~filters.COMMAND, number_typed),
            ],
            PRODUCT: [
                CallbackQueryHandler(
                    product_chosen, pattern=callbacks.item_pattern(callbacks.TOPUP)
                ),
                typed,
            ],
            CONFIRM: [
                CallbackQueryHandler(
                    confirm, pattern=callbacks.step_pattern(callbacks.TOPUP, "ok", ident=None)
                ),
                typed,
            ],
        },
        fallbacks=[cancel_button, CommandHandler("cancel", cancel)],
        name="topup",
        persistent=True,
        allow_reentry=True,
    )
