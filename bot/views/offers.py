"""A quote's offers as people read them: each at the total the villager pays (the center's fee
included, then the split), and the buttons that accept them, tied to the quote's version."""

from __future__ import annotations

from telegram import InlineKeyboardButton

from bot.domain.entities import ServiceRequest
from bot.domain.money import format_money
from bot.domain.travel import OfferCost, offer_cost
from bot.views import callbacks
from bot.views.texts import Html, h, plain, t


def offer_lines(request: ServiceRequest, locale: str) -> Html:
    """The manager's offers, each at the total it costs (fee included, then the split), the one
    chosen, or that offers are awaited."""
    offered = request.details.get("options") or []
    if not offered:
        return h(locale, "card.awaiting_options")
    chosen = request.details.get("chosen")
    lines = [
        t(
            locale,
            "card.option",
            number=number,
            text=option["text"],
            total=format_money(cost_of(request, number).total, locale),
            split=offer_split(request, number, locale),
            mark="✔ " if chosen == number else "",
        )
        for number, option in enumerate(offered, start=1)
    ]
    if chosen:
        lines.append(t(locale, "card.total", total=format_money(request.total, locale)))
    return Html("\n".join(lines))


def cost_of(request: ServiceRequest, number: int) -> OfferCost:
    """What offer `number` of the request's quote costs the villager."""
    return offer_cost(request.details, number, request.total.currency)


def offer_split(request: ServiceRequest, number: int, locale: str) -> Html:
    """What offer `number`'s total is made of: the offer's own price and the center's fee."""
    cost = cost_of(request, number)
    if not cost.fee.minor:
        return Html("")
    price, fee = format_money(cost.price, locale), format_money(cost.fee, locale)
    return h(locale, "card.option_split", price=price, fee=fee)


def option_button(request: ServiceRequest, number: int, locale: str) -> InlineKeyboardButton:
    """The button that accepts offer `number` of this quote, at the total the villager pays."""
    total = format_money(cost_of(request, number).total, locale)
    label = plain(locale, "action.accept_option", number=number, price=total)
    arg = callbacks.versioned(str(number), request.quote_version)
    return InlineKeyboardButton(
        label, callback_data=callbacks.build(callbacks.OPTION, request.id, arg)
    )
