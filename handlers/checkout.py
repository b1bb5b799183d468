"""Checkout: pickup or delivery (handlers/checkout_delivery.py), a note, then confirm.

The dialog's state and draft are persisted, so a restart leaves the villager where they were.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.context import KiosContext
from bot.domain.entities import Checkout, cart_snapshot
from bot.domain.errors import CartChanged, EmptyCart, OutOfStock
from bot.domain.holding import HoldLimitReached, TooManyOpenRequests
from bot.domain.pipeline import Fulfilment
from bot.services.submissions import submit_order
from bot.views import callbacks
from bot.views.texts import Html, distance_km, h, number, t
from handlers.cart import cart_text, render_cart
from handlers.checkout_delivery import (
    CHOOSE,
    CONFIRM,
    DRAFT_KEY,
    LOCATION,
    NOTE,
    button,
    delivery,
    location,
    location_expected,
    pickup,
    step,
)
from handlers.common import answer_press, notice, notice_out_of_stock, say, show, visitor_of
from handlers.dialogs import (
    Dialog,
    Handler,
    Step,
    draft_of,
    give_request_key,
    leave_dialog,
    remind_buttons,
    request_key,
    show_not_sent,
    show_submitted,
    typed_text,
)

MAX_NOTE_LENGTH = 500


async def begin(update: Update, context: KiosContext) -> Step:
    """Start checkout: ask pickup or delivery, if the cart has anything."""
    visitor = await visitor_of(update, context)
    await answer_press(update)
    if visitor.center is None or not await context.store.carts.lines(
        visitor.user.id, visitor.center.id, visitor.center.currency
    ):
        await say(update, t(visitor.locale, "cart.empty"))
        return ConversationHandler.END
    context.dialog[DRAFT_KEY] = {}
    options = [button(visitor.locale, "checkout.pickup", "pickup")]
    if visitor.center.has_location:
        options.append(button(visitor.locale, "checkout.delivery", "delivery"))
    rows = [options, [button(visitor.locale, "checkout.cancel", "cancel")]]
    await say(
        update,
        t(visitor.locale, "checkout.how", radius=number(visitor.locale, visitor.center.radius_km)),
        InlineKeyboardMarkup(rows),
    )
    return CHOOSE


async def note(update: Update, context: KiosContext) -> Step:
    """Keep the typed note (trimmed to a sane length) and show the summary."""
    draft_of(context, DRAFT_KEY)["note"] = typed_text(update).strip()[:MAX_NOTE_LENGTH]
    return await summary(update, context)


async def skip_note(update: Update, context: KiosContext) -> Step:
    """No note; show the summary."""
    await answer_press(update)
    draft_of(context, DRAFT_KEY)["note"] = ""
    return await summary(update, context)


async def summary(update: Update, context: KiosContext) -> Step:
    """Show the order as it will be sent, with Confirm and Cancel."""
    visitor = await visitor_of(update, context)
    chosen = draft_of(context, DRAFT_KEY)
    if visitor.center is None:
        cart, _ = await render_cart(context, visitor)
    else:
        center = visitor.center
        lines = await context.store.carts.lines(visitor.user.id, center.id, center.currency)
        cart = cart_text(lines, visitor.locale, center.currency)
        # What the villager sees now is what Confirm will submit, or they are shown it again.
        chosen["center_id"] = center.id
        chosen["cart"] = [list(line) for line in cart_snapshot(lines)]
    give_request_key(chosen)
    if chosen.get("fulfilment") == Fulfilment.DELIVERY.value:
        km = distance_km(visitor.locale, chosen.get("distance_m") or 0)
        way = h(visitor.locale, "card.delivery", km=km)
    else:
        way = h(visitor.locale, "card.pickup")
    note_line = (
        h(visitor.locale, "card.note", note=chosen["note"]) if chosen.get("note") else Html("")
    )
    rows = [
        [button(visitor.locale, "checkout.confirm", "confirm")],
        [button(visitor.locale, "checkout.cancel", "cancel")],
    ]
    await say(
        update,
        t(visitor.locale, "checkout.summary", cart=Html(cart), fulfilment=way, note=note_line),
        InlineKeyboardMarkup(rows),
    )
    return CONFIRM


async def confirm(update: Update, context: KiosContext) -> Step:
    """Submit the order; the villager sees its number and status."""
    query = update.callback_query
    assert query is not None
    visitor = await visitor_of(update, context)
    chosen = draft_of(context, DRAFT_KEY)
    if visitor.center is None:
        await notice(query, visitor.locale, "common.stale", alert=True)
        return ConversationHandler.END
    if "fulfilment" not in chosen or chosen.get("center_id") != visitor.center.id:
        # The draft was lost (a crash) or belongs to another center: ask again, keep the cart.
        return await begin(update, context)
    checkout = Checkout(
        Fulfilment(chosen["fulfilment"]),
        chosen.get("lat"),
        chosen.get("lon"),
        chosen.get("distance_m"),
        chosen.get("note") or None,
        expected_lines=tuple(tuple(line) for line in chosen.get("cart", [])),
    )
    try:
        request = await submit_order(
            context.store, visitor.user, visitor.center, checkout, request_key(chosen)
        )
    except CartChanged:
        await notice(query, visitor.locale, "checkout.cart_changed", alert=True)
        return await summary(update, context)
    except EmptyCart:
        await notice(query, visitor.locale, "cart.empty_notice", alert=True)
        return ConversationHandler.END
    except OutOfStock as refused:
        await notice_out_of_stock(query, visitor.locale, refused)
        return ConversationHandler.END
    except TooManyOpenRequests as refused:
        await show_not_sent(query, visitor.locale, refused, "checkout.too_many_open")
        return ConversationHandler.END
    except HoldLimitReached as refused:
        await query.answer()
        await show(query, hold_refusal(visitor.locale, refused))
        return ConversationHandler.END
    await query.answer()
    await show_submitted(query, visitor.locale, "checkout.submitted", request, number=request.id)
    # Kept until the villager has seen it: a Confirm pressed again then finds the order.
    context.dialog.pop(DRAFT_KEY, None)
    return ConversationHandler.END


def hold_refusal(locale: str, refused: HoldLimitReached) -> str:
    """Why the order was not sent: it would reserve more of a product than one may hold."""
    held = h(locale, "checkout.hold_already", held=refused.held) if refused.held else Html("")
    return t(
        locale,
        "checkout.hold_limit",
        limit=refused.limit,
        unit=refused.unit,
        name=refused.product_name,
        held=held,
    )


async def cancel(update: Update, context: KiosContext) -> Step:
    """Leave checkout (taking the location keyboard away); the cart stays as it was."""
    return await leave_dialog(
        update, context, DRAFT_KEY, "checkout.cancelled", markup=ReplyKeyboardRemove()
    )


async def use_buttons(update: Update, context: KiosContext) -> None:
    """Typed text where a button is expected: say so, stay in the same step."""
    await remind_buttons(update, context, "checkout.use_buttons")


def build_checkout_conversation() -> Dialog:
    """The persistent checkout dialog."""
    cancel_button: Handler = CallbackQueryHandler(cancel, pattern=step("cancel"))
    typed: Handler = MessageHandler(filters.TEXT & ~filters.COMMAND, use_buttons)
    return Dialog(
        entry_points=[
            CallbackQueryHandler(begin, pattern=step("start")),
            CommandHandler("checkout", begin),
        ],
        states={
            CHOOSE: [
                CallbackQueryHandler(pickup, pattern=step("pickup")),
                CallbackQueryHandler(delivery, pattern=step("delivery")),
                typed,
            ],
            LOCATION: [
                MessageHandler(filters.LOCATION, location),
                CallbackQueryHandler(pickup, pattern=step("pickup")),
                MessageHandler(filters.ALL & ~filters.COMMAND, location_expected),
            ],
            NOTE: [
                CallbackQueryHandler(skip_note, pattern=step("skip")),
                MessageHandler(filters.TEXT & ~filters.COMMAND, note),
            ],
            CONFIRM: [CallbackQueryHandler(confirm, pattern=step("confirm")), typed],
        },
        fallbacks=[cancel_button, CommandHandler("cancel", cancel)],
        name="checkout",
        persistent=True,
        allow_reentry=True,
    )


def build_stale_checkout_handler() -> BaseHandler[Update, KiosContext, None]:
    """A checkout button pressed after its dialog ended."""
    return CallbackQueryHandler(stale_step, pattern=callbacks.pattern(callbacks.CHECKOUT))


async def stale_step(update: Update, context: KiosContext) -> None:
    """Tell the villager this checkout is over and where to go instead."""
    query = update.callback_query
    assert query is not None
    visitor = await visitor_of(update, context)
    await notice(query, visitor.locale, "checkout.stale", alert=True)
