"""Submitting requests: a villager's cart, top-up, bill, trip or produce offer reaches the manager.

Each request is written together with the manager's new card (bot/services/notifier.py).
A villager with as many open requests as one may have is refused (TooManyOpenRequests, see
bot/domain/holding.py), inside the transaction that would store the request.
No Telegram here: handlers call these and turn results and refusals into messages.

Each takes the key of the villager's draft (handlers/dialogs.py `draft_key`): a request made
from that draft already is returned as it is, before anything is checked again, so a Confirm
pressed again after its reply was lost answers with the request it made, never a second one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.domain.bills import BillKind, priced_up_front
from bot.domain.entities import Center, Checkout, ServiceProduct, ServiceRequest, User
from bot.domain.errors import PriceChanged
from bot.domain.geo import distance_m
from bot.domain.money import Money
from bot.domain.phones import MobileNumber
from bot.domain.pipeline import RequestKind
from bot.services.notifier import audience, notifier_for
from storage import Storage
from storage.produce import QUANTITY, UNIT_PRICE


@dataclass(frozen=True)
class DeliveryCheck:
    """How far the villager is from the center, and whether that is within its radius."""

    distance_m: float
    within: bool


def check_delivery(center: Center, lat: float, lon: float) -> DeliveryCheck | None:
    """Distance from the center; None when the center has no location to measure from."""
    if center.lat is None or center.lon is None:
        return None
    meters = distance_m(center.lat, center.lon, lat, lon)
    return DeliveryCheck(meters, meters <= center.radius_km * 1000)


async def submit_order(
    store: Storage,
    villager: User,
    center: Center,
    checkout: Checkout,
    draft_key: str | None = None,
) -> ServiceRequest:
    """Submit the villager's cart as a goods order; raises EmptyCart, CartChanged, OutOfStock,
    HoldLimitReached or TooManyOpenRequests."""
    listeners = await audience(store, center, villager)
    return await store.requests.submit_goods_order(
        villager.id, center, checkout, notifier_for(listeners), draft_key
    )


async def submit_topup(
    store: Storage,
    villager: User,
    center: Center,
    number: MobileNumber,
    product: ServiceProduct,
    shown: Money | None = None,
    draft_key: str | None = None,
) -> ServiceRequest:
    """Submit a phone top-up at the center's price, with its commission recorded.

    `shown` is the total the villager confirmed (None skips the check): PriceChanged if the
    product as read now costs anything else.
    """
    made = await store.requests.made_with(villager.id, draft_key)
    if made is not None:
        return made
    if shown is not None and product.price != shown:
        raise PriceChanged()
    details = {
        "phone": number.national,
        "e164": number.e164,
        "operator": number.operator,
        "product_code": product.code,
        "product": product.name,
    }
    return await _submit_service(
        store,
        villager,
        center,
        RequestKind.TOPUP,
        details,
        product.price,
        product.commission,
        draft_key,
    )


async def submit_offer(
    store: Storage,
    villager: User,
    center: Center,
    details: Mapping[str, Any],
    draft_key: str | None = None,
) -> ServiceRequest:
    """Send a villager's produce offer to the manager; its total is every unit sold."""
    total = Money(int(details[UNIT_PRICE]), center.currency).times(int(details[QUANTITY]))
    nothing = Money.zero(center.currency)
    return await _submit_service(
        store, villager, center, RequestKind.PRODUCE, details, total, nothing, draft_key
    )


async def submit_bill(
    store: Storage,
    villager: User,
    center: Center,
    bill: BillKind,
    customer: str,
    token_value: Money | None = None,
    shown: Money | None = None,
    draft_key: str | None = None,
) -> ServiceRequest:
    """Submit a bill: a prepaid token at its price plus the fee, any other bill to be quoted.

    `shown` is the token's total the villager confirmed (None skips the check): PriceChanged
    if the fee now makes it anything else.
    """
    made = await store.requests.made_with(villager.id, draft_key)
    if made is not None:
        return made
    charge = await store.services.fee_for(center, RequestKind.BILL)
    details: dict[str, Any] = {"bill": bill.value, "customer": customer}
    details["priced"] = priced_up_front(bill)
    if token_value is not None and priced_up_front(bill):
        details.update(amount=token_value.minor, fee=charge.minor)
        total = token_value + charge
        if shown is not None and total != shown:
            raise PriceChanged()
    else:
        total, charge = Money.zero(center.currency), Money.zero(center.currency)
    return await _submit_service(
        store, villager, center, RequestKind.BILL, details, total, charge, draft_key
    )


async def submit_travel(
    store: Storage,
    villager: User,
    center: Center,
    kind: RequestKind,
    details: Mapping[str, Any],
    draft_key: str | None = None,
) -> ServiceRequest:
    """Submit a ticket or lodging request; the manager looks for options and quotes them."""
    nothing = Money.zero(center.currency)
    return await _submit_service(
        store, villager, center, kind, {**details, "priced": False}, nothing, nothing, draft_key
    )


async def _submit_service(
    store: Storage,
    villager: User,
    center: Center,
    kind: RequestKind,
    details: Mapping[str, Any],
    price: Money,
    commission: Money,
    draft_key: str | None,
) -> ServiceRequest:
    """Submit a request other than a cart, at `price`, of which `commission` is the center's."""
    listeners = await audience(store, center, villager)
    return await store.requests.submit_service(
        villager.id, center, kind, details, price, commission, notifier_for(listeners), draft_key
    )
