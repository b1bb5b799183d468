"""Phone top-up: the number (their own or typed), the operator's products, then Confirm."""

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
from bot.domain.entities import ServiceProduct
from bot.domain.errors import RecordNotFound
from bot.domain.money import format_money
from bot.domain.phones import (
    REGION_BY_CURRENCY,
    MobileNumber,
    PhoneError,
    operator_name,
    parse_mobile,
)
from bot.domain.pipeline import Role
from bot.services.submissions import submit_topup
from bot.views import callbacks
from bot.views.cards import action_buttons, villager_card_text
from bot.views.texts import Html, plain, t
from handlers.common import Visitor, leave_dialog, notice, remind_buttons, say, show, visitor
from handlers.dialogs import Dialog

NUMBER, PRODUCT, CONFIRM = "topup_number", "topup_product", "topup_confirm"
DRAFT_KEY = "topup"
Step = str | int | None
Handler = BaseHandler[Update, KiosContext, object]
EXAMPLES = {"ID": "0812 3456 7890", "CN": "138 0013 8000"}


def region_of(found: Visitor) -> str:
    """The country whose numbers the villager's center tops up."""
    return REGION_BY_CURRENCY.get(found.center.currency if found.center else "IDR", "ID")


def step_button(locale: str, key: str, step: str) -> InlineKeyboardButton:
    """A top-up dialog button."""
    return InlineKeyboardButton(
        plain(locale, key), callback_data=callbacks.build(callbacks.TOPUP, 0, step)
    )


def own_number(found: Visitor) -> MobileNumber | None:
    """The villager's shared phone, if it is a mobile number this center can top up."""
    if not found.user.phone:
        return None
    try:
        return parse_mobile(found.user.phone, region_of(found))
    except PhoneError:
        return None


async def begin(update: Update, context: KiosContext) -> Step:
    """/topup: ask which number, offering the villager's own."""
    found = await visitor(update, context)
    if found.center is None:
        await say(update, t(found.locale, "onboarding.ask_center"))
        return ConversationHandler.END
    context.dialog[DRAFT_KEY] = {}
    rows = [[step_button(found.locale, "topup.cancel", "no")]]
    own = own_number(found)
    if own is not None:
        label = plain(found.locale, "topup.own_button", phone=own.national)
        own_button = InlineKeyboardButton(
            label, callback_data=callbacks.build(callbacks.TOPUP, 0, "own")
        )
        rows.insert(0, [own_button])
    text = t(found.locale, "topup.ask_number", example=EXAMPLES[region_of(found)])
    await say(update, text, InlineKeyboardMarkup(rows))
    return NUMBER


async def number_typed(update: Update, context: KiosContext) -> Step:
    """Check the typed number and offer its operator's products."""
    found = await visitor(update, context)
    message = update.effective_message
    typed = (message.text or "")[:64] if message else ""
    example = EXAMPLES[region_of(found)]
    try:
        number = parse_mobile(typed, region_of(found))
    except PhoneError as error:
        await say(update, t(found.locale, f"topup.{error.reason}", example=example))
        return NUMBER
    return await offer_products(update, context, found, number)


async def own_chosen(update: Update, context: KiosContext) -> Step:
    """Top up the villager's own shared number."""
    found = await visitor(update, context)
    query = update.callback_query
    assert query is not None
    number = own_number(found)
    if number is None:
        await notice(query, found.locale, "common.stale", alert=True)
        return NUMBER
    await query.answer()
    return await offer_products(update, context, found, number)


async def offer_products(
    update: Update, context: KiosContext, found: Visitor, number: MobileNumber
) -> Step:
    """List the center's credit and data products for the number's operator."""
    assert found.center is not None
    if number.operator is None:
        await say(update, t(found.locale, "topup.unknown_operator", phone=number.national))
        return NUMBER
    products = await context.store.services.topups_for(found.center, number.operator)
    operator = operator_name(number.operator)
    if not products:
        await say(update, t(found.locale, "topup.no_products", operator=operator))
        return ConversationHandler.END
    context.dialog[DRAFT_KEY] = {"national": number.national, "operator": number.operator}
    rows = [
        [
            InlineKeyboardButton(
                plain(
                    found.locale,
                    "topup.product_button",
                    name=p.name,
                    price=format_money(p.price, found.locale),
                ),
                callback_data=callbacks.build(callbacks.TOPUP, p.id),
            )
        ]
        for p in products
    ]
    rows.append([step_button(found.locale, "topup.cancel", "no")])
    text = t(found.locale, "topup.choose", phone=number.national, operator=operator)
    await say(update, text, InlineKeyboardMarkup(rows))
    return PRODUCT


async def product_chosen(update: Update, context: KiosContext) -> Step:
    """Show the top-up to confirm."""
    found = await visitor(update, context)
    query = update.callback_query
    assert query is not None and found.center is not None
    parsed = callbacks.parse(query.data)
    draft = context.dialog.get(DRAFT_KEY) or {}
    try:
        product = await context.store.services.get(parsed.ident if parsed else 0, found.center)
    except RecordNotFound:
        product = None
    if product is None or product.operator != draft.get("operator"):
        await notice(query, found.locale, "common.stale", alert=True)
        return PRODUCT
    await query.answer()
    draft["product_id"] = product.id
    rows = [
        [step_button(found.locale, "topup.confirm", "ok")],
        [step_button(found.locale, "topup.cancel", "no")],
    ]
    text = t(
        found.locale,
        "topup.summary",
        phone=draft["national"],
        operator=operator_name(product.operator or ""),
        product=product.name,
        price=format_money(product.price, found.locale),
    )
    await show(query, text, InlineKeyboardMarkup(rows))
    return CONFIRM


async def confirm(update: Update, context: KiosContext) -> Step:
    """Submit the top-up; the villager sees its number and status."""
    found = await visitor(update, context)
    query = update.callback_query
    assert query is not None
    draft = context.dialog.pop(DRAFT_KEY, None) or {}
    number, product = await _draft_parts(context, found, draft)
    if number is None or product is None or found.center is None:
        await notice(query, found.locale, "common.stale", alert=True)
        return ConversationHandler.END
    request = await submit_topup(context.store, found.user, found.center, number, product)
    await query.answer()
    card = Html(villager_card_text(request, found.locale))
    text = t(found.locale, "topup.submitted", card=card)
    await show(query, text, action_buttons(request, Role.VILLAGER, found.locale))
    return ConversationHandler.END


async def _draft_parts(
    context: KiosContext, found: Visitor, draft: dict[str, object]
) -> tuple[MobileNumber | None, ServiceProduct | None]:
    """The number and product the draft names, re-checked now; None where they no longer hold."""
    if found.center is None or "product_id" not in draft:
        return None, None
    try:
        number = parse_mobile(str(draft["national"]), region_of(found))
        product = await context.store.services.get(int(str(draft["product_id"])), found.center)
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
    return f"^{callbacks.build(callbacks.TOPUP, 0, step)}$"


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
                CallbackQueryHandler(product_chosen, pattern=rf"^{callbacks.TOPUP}:[1-9][0-9]*$"),
                typed,
            ],
            CONFIRM: [CallbackQueryHandler(confirm, pattern=step_pattern("ok")), typed],
        },
        fallbacks=[cancel_button, CommandHandler("cancel", cancel)],
        name="topup",
        persistent=True,
        allow_reentry=True,
    )
