"""Villagers' produce: checking what they offer, submitting it, telling them what sold.

An offer is a PRODUCE request: submitted -> approved (listed in the catalog, in the same
transaction) -> completed when every unit is paid for or the manager closes it.
A sale counts when the goods order holding it is completed: the villager paid the center.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from bot.money import Money, MoneyError, format_money, parse_major
from bot.notifier import Audience, messages_for
from bot.pipeline import Transition
from bot.texts import pick_locale, plain, t
from storage import Storage
from storage.models import Center, OutboxMessage, ServiceRequest, User
from storage.produce import CATEGORY, NAME, PHOTO, QUANTITY, UNIT, UNIT_PRICE, Sale
from storage.requests import Notifier

MAX_NAME = 60
MAX_UNIT = 20
MAX_QUANTITY = 10_000
_INTEGER = re.compile(r"[0-9]{1,6}", re.ASCII)


class OfferError(ValueError):
    """A typed answer was refused; `reason` names the locale text that explains why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _clean_text(text: str, longest: int) -> str:
    """Trimmed, single-spaced text without control characters, or OfferError."""
    cleaned = " ".join(text.split())
    if any(unicodedata.category(c).startswith("C") for c in cleaned):
        raise OfferError("bad_text")
    if not cleaned:
        raise OfferError("empty")
    if len(cleaned) > longest:
        raise OfferError("too_long")
    return cleaned


def check_name(text: str) -> str:
    """What the villager sells, as buyers will see it."""
    name = _clean_text(text, MAX_NAME)
    if not any(c.isalpha() for c in name):
        raise OfferError("bad_name")
    return name


def check_quantity(text: str) -> int:
    """A whole number of units, at least one."""
    cleaned = text.strip()
    if not _INTEGER.fullmatch(cleaned):
        raise OfferError("bad_quantity")
    quantity = int(cleaned)
    if not 1 <= quantity <= MAX_QUANTITY:
        raise OfferError("bad_quantity")
    return quantity


def check_unit(text: str) -> str:
    """The unit the produce is sold by (kg, ikat, butir ...)."""
    return _clean_text(text, MAX_UNIT)


def check_price(text: str, currency: str) -> Money:
    """The price of one unit, in major units as the catalog CSV writes it; more than zero."""
    try:
        price = parse_major(text.strip(), currency)
    except MoneyError as error:
        raise OfferError("bad_price") from error
    if price.minor <= 0:
        raise OfferError("bad_price")
    return price


def units_for(locale: str) -> list[str]:
    """The units offered as buttons in the villager's language."""
    return plain(locale, "sell.units").split("|")


def offer_details(
    center: Center, name: str, quantity: int, unit: str, price: Money, photo: str | None
) -> dict[str, Any]:
    """What a produce request stores; the category is named once, in the center's language."""
    return {
        NAME: name,
        QUANTITY: quantity,
        UNIT: unit,
        UNIT_PRICE: price.minor,
        PHOTO: photo,
        CATEGORY: plain(center.language, "sell.category"),
    }


def sold_message(sale: Sale, seller: User, order: ServiceRequest, center: Center) -> OutboxMessage:
    """The seller's news that their produce was paid for, in their language."""
    locale = pick_locale(seller.language, seller.telegram_language, center.language)
    text = t(
        locale,
        "sell.sold",
        name=sale.name,
        quantity=sale.quantity,
        unit=sale.unit,
        amount=format_money(sale.amount, locale),
        number=order.id,
    )
    return OutboxMessage(chat_id=seller.id, text=text)


async def with_seller_news(store: Storage, order: ServiceRequest, listeners: Audience) -> Notifier:
    """The usual messages of a goods order's change, plus one to each seller of produce in it."""
    extra: list[OutboxMessage] = []
    for sale in await store.produce.sales_in_order(order):
        seller = await store.users.get(sale.seller_id)
        if seller is not None:
            extra.append(sold_message(sale, seller, order, listeners.center))

    def notify(request: ServiceRequest, change: Transition) -> Sequence[OutboxMessage]:
        return [*messages_for(request, change, listeners), *extra]

    return notify
