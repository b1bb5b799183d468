"""Villagers' produce: checking what they offer and telling them what sold.

An offer is a PRODUCE request: submitted -> approved (listed in the catalog, in the same
transaction) -> completed when every unit is paid for or the manager closes it.
A sale counts when the goods order holding it is completed: the villager paid the center.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from bot.domain.amounts import parse_amount, require_positive
from bot.domain.entities import Center, OutboxMessage, ServiceRequest
from bot.domain.money import Money, MoneyError, format_money
from bot.domain.pipeline import RequestStatus
from bot.domain.produce import OfferProblem
from bot.services.notifier import Audience, manager_card
from bot.views.texts import Html, h, plain, t
from storage.produce import (
    CATEGORY,
    NAME,
    PHOTO,
    QUANTITY,
    SOLD_QUANTITY,
    UNIT,
    UNIT_PRICE,
    Sale,
    SaleNotifier,
)

MAX_NAME = 60
MAX_UNIT = 20
MAX_QUANTITY = 10_000
_INTEGER = re.compile(r"[0-9]{1,6}", re.ASCII)


class OfferError(ValueError):
    """A typed answer was refused; `reason` says why."""

    def __init__(self, reason: OfferProblem) -> None:
        super().__init__(reason)
        self.reason = reason


def _clean_text(text: str, longest: int) -> str:
    """Trimmed, single-spaced text without control characters, or OfferError."""
    cleaned = " ".join(text.split())
    if any(unicodedata.category(c).startswith("C") for c in cleaned):
        raise OfferError(OfferProblem.BAD_TEXT)
    if not cleaned:
        raise OfferError(OfferProblem.EMPTY)
    if len(cleaned) > longest:
        raise OfferError(OfferProblem.TOO_LONG)
    return cleaned


def check_name(text: str) -> str:
    """What the villager sells, as buyers will see it."""
    name = _clean_text(text, MAX_NAME)
    if not any(c.isalpha() for c in name):
        raise OfferError(OfferProblem.BAD_NAME)
    return name


def check_quantity(text: str) -> int:
    """A whole number of units, at least one."""
    cleaned = text.strip()
    if not _INTEGER.fullmatch(cleaned):
        raise OfferError(OfferProblem.BAD_QUANTITY)
    quantity = int(cleaned)
    if not 1 <= quantity <= MAX_QUANTITY:
        raise OfferError(OfferProblem.BAD_QUANTITY)
    return quantity


def check_unit(text: str) -> str:
    """The unit the produce is sold by (kg, ikat, butir ...)."""
    return _clean_text(text, MAX_UNIT)


def check_price(text: str, currency: str) -> Money:
    """The price of one unit, in major units as the catalog CSV writes it; more than zero."""
    try:
        return require_positive(parse_amount(text, currency))
    except MoneyError as error:
        raise OfferError(OfferProblem.BAD_PRICE) from error


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


def sold_message(offer: ServiceRequest, sale: Sale, seller: Audience) -> OutboxMessage:
    """The seller's news that some of their produce was paid for, and how much has sold."""
    locale = seller.villager_locale
    d = offer.details
    closed = h(locale, "sell.sold_out") if offer.status is RequestStatus.COMPLETED else Html("")
    text = t(
        locale,
        "sell.sold",
        name=sale.name,
        quantity=sale.quantity,
        unit=sale.unit,
        amount=format_money(sale.amount, locale),
        number=sale.order_id,
        sold=int(d.get(SOLD_QUANTITY, 0)),
        offered=int(d.get(QUANTITY, 0)),
        closed=closed,
    )
    return OutboxMessage(chat_id=offer.villager_id, text=text)


def sale_notifier(sellers: Mapping[int, Audience]) -> SaleNotifier:
    """For each sale: the seller's news and their offer's manager card, showing sold so far."""

    def notify(offer: ServiceRequest, sale: Sale) -> Sequence[OutboxMessage]:
        audience = sellers.get(sale.seller_id)
        if audience is None:  # the seller's account is gone; the card still changes
            return []
        return [manager_card(offer, audience), sold_message(offer, sale, audience)]

    return notify
