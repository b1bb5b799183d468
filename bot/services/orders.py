"""Submitting requests and acting on them: the pipeline rules applied through storage.

No Telegram here: handlers call these and turn results and refusals into messages.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.domain.bills import BillKind, check_reference, priced_up_front
from bot.domain.entities import Center, Checkout, ServiceProduct, ServiceRequest, User
from bot.domain.errors import RecordNotFound
from bot.domain.geo import distance_m
from bot.domain.money import Money
from bot.domain.phones import MobileNumber
from bot.domain.pipeline import (
    RULES,
    Action,
    CatalogEffect,
    RequestKind,
    RequestStatus,
    Role,
    Transition,
    TransitionRefused,
    catalog_effect,
    plan,
)
from bot.domain.travel import Option
from bot.services.notifier import Audience, notifier_for
from bot.services.produce import sale_notifier
from bot.views.texts import pick_locale
from storage import Storage
from storage.produce import QUANTITY, UNIT_PRICE

# A reject reason is a short explanation, not an essay.
MAX_REASON_LENGTH = 500
# Serial numbers and booking references are short codes.
MAX_REFERENCE_LENGTH = 100


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


def role_of(
    user_id: int, request: ServiceRequest, center: Center, wanted: Role | None = None
) -> Role | None:
    """The role `user_id` plays for this request (`wanted` if they play both), or None."""
    roles = []
    if user_id == center.manager_id and request.center_id == center.id:
        roles.append(Role.MANAGER)
    if user_id == request.villager_id:
        roles.append(Role.VILLAGER)
    if wanted in roles:
        return wanted
    return roles[0] if roles else None


async def audience(store: Storage, center: Center, villager: User) -> Audience:
    """Who hears about a request of this villager at this center, in their languages."""
    manager = await store.users.get(center.manager_id)
    manager_locale = pick_locale(
        manager.language if manager else None,
        manager.telegram_language if manager else None,
        center.language,
    )
    villager_locale = pick_locale(villager.language, villager.telegram_language, center.language)
    return Audience(center, villager, villager_locale, manager_locale)


async def submit_order(
    store: Storage, villager: User, center: Center, checkout: Checkout
) -> ServiceRequest:
    """Submit the villager's cart as a goods order; raises EmptyCart or OutOfStock."""
    listeners = await audience(store, center, villager)
    return await store.requests.submit_goods_order(
        villager.id, center, checkout, notifier_for(listeners)
    )


@dataclass(frozen=True)
class Acted:
    """A request after someone acted on it, and the role they acted in."""

    request: ServiceRequest
    role: Role
    villager: User


async def authorize(
    store: Storage, request_id: int, user_id: int, action: Action | None = None
) -> tuple[ServiceRequest, Center, Role]:
    """Load a request and the caller's role in it (the one `action` needs, for a manager
    ordering at their own center); TransitionRefused('not_allowed') if they have none."""
    try:
        request = await store.requests.get(request_id)
    except RecordNotFound as exc:
        raise TransitionRefused("not_allowed") from exc
    center = await store.centers.get(request.center_id)
    role = role_of(user_id, request, center, RULES[action].role if action else None)
    if role is None:
        raise TransitionRefused("not_allowed")
    return request, center, role


async def act(
    store: Storage,
    request_id: int,
    action: Action,
    user_id: int,
    reason: str | None = None,
    details: Mapping[str, Any] | None = None,
    price: tuple[Money, Money] | None = None,
    authorized: tuple[ServiceRequest, Center, Role] | None = None,
) -> Acted:
    """Take `action` on a request for `user_id`, checked against role and current status.

    `authorized` is what `authorize` just returned for this user and action, if the caller
    has it; the change itself is checked again against the request as it is when written.
    """
    request, center, role = authorized or await authorize(store, request_id, user_id, action)
    if action is Action.QUOTE:  # the villager has the center's time to answer
        details = {**(details or {}), "quote_expires_at": time.time() + center.quote_ttl_s}
    if (
        action is Action.ACCEPT
        and request.details.get("options")
        and not (details or {}).get("chosen")
    ):
        raise TransitionRefused("stale")  # offers are accepted one by one, by their own button
    plan(
        request.kind,
        request.fulfilment,
        request.status,
        action,
        role,
        priced=request.priced_up_front,
    )  # refuse early, cheaply
    villager = await store.users.get(request.villager_id)
    if villager is None:
        raise TransitionRefused("not_allowed")
    listeners = await audience(store, center, villager)

    def decide(current: ServiceRequest) -> Transition:
        return plan(
            current.kind,
            current.fulfilment,
            current.status,
            action,
            role,
            priced=current.priced_up_front,
        )

    on_sale = None
    if catalog_effect(request.kind, RULES[action].target) is CatalogEffect.RECORD_SALES:
        on_sale = sale_notifier(await sellers_of(store, request, center))
    text = reason[:MAX_REASON_LENGTH] if reason else None
    updated = await store.requests.apply(
        request_id, decide, user_id, role, notifier_for(listeners), text, details, price, on_sale
    )
    return Acted(updated, role, villager)


async def submit_topup(
    store: Storage, villager: User, center: Center, number: MobileNumber, product: ServiceProduct
) -> ServiceRequest:
    """Submit a phone top-up at the center's price, with its commission recorded."""
    listeners = await audience(store, center, villager)
    details = {
        "phone": number.national,
        "e164": number.e164,
        "operator": number.operator,
        "product_code": product.code,
        "product": product.name,
    }
    return await store.requests.submit_service(
        villager.id,
        center,
        RequestKind.TOPUP,
        details,
        product.price,
        product.commission,
        notifier_for(listeners),
    )


async def sellers_of(store: Storage, order: ServiceRequest, center: Center) -> dict[int, Audience]:
    """Who sells the villagers' produce in a goods order, with their languages."""
    sellers: dict[int, Audience] = {}
    for sale in await store.produce.sales_in_order(order):
        seller = await store.users.get(sale.seller_id)
        if seller is not None and seller.id not in sellers:
            sellers[seller.id] = await audience(store, center, seller)
    return sellers


async def submit_offer(
    store: Storage, villager: User, center: Center, details: Mapping[str, Any]
) -> ServiceRequest:
    """Send a villager's produce offer to the manager; its total is every unit sold."""
    listeners = await audience(store, center, villager)
    total = Money(int(details[UNIT_PRICE]), center.currency).times(int(details[QUANTITY]))
    return await store.requests.submit_service(
        villager.id,
        center,
        RequestKind.PRODUCE,
        details,
        total,
        Money.zero(center.currency),
        notifier_for(listeners),
    )


# Services the manager fulfils by typing what the provider gave: a serial, token or receipt.
SERVED_WITH_REFERENCE = frozenset(
    {RequestKind.TOPUP, RequestKind.BILL, RequestKind.TICKET, RequestKind.LODGING}
)


def needs_reference(request: ServiceRequest, action: Action) -> bool:
    """Top-ups and bills are approved and completed with the provider's reference."""
    return request.kind in SERVED_WITH_REFERENCE and action in (Action.APPROVE, Action.COMPLETE)


def bill_of(request: ServiceRequest) -> BillKind | None:
    """Which bill a bill request pays, if it is one."""
    value = request.details.get("bill")
    return BillKind(value) if value in {b.value for b in BillKind} else None


async def fulfil_with_reference(
    store: Storage, request_id: int, user_id: int, reference: str
) -> Acted:
    """Approve (if still needed) and complete a service, giving the villager its reference.

    Raises ValidationError when a prepaid token is not 20 digits.
    """
    request, _center, _role = await authorize(store, request_id, user_id, Action.COMPLETE)
    serial = check_reference(bill_of(request), reference)[:MAX_REFERENCE_LENGTH]
    if request.status in (RequestStatus.SUBMITTED, RequestStatus.ACCEPTED):
        await act(store, request_id, Action.APPROVE, user_id)
    return await act(store, request_id, Action.COMPLETE, user_id, details={"serial": serial})


async def submit_bill(
    store: Storage,
    villager: User,
    center: Center,
    bill: BillKind,
    customer: str,
    token_value: Money | None = None,
) -> ServiceRequest:
    """Submit a bill: a prepaid token at its price plus the fee, any other bill to be quoted."""
    listeners = await audience(store, center, villager)
    charge = await store.services.fee_for(center, RequestKind.BILL)
    details: dict[str, Any] = {"bill": bill.value, "customer": customer}
    details["priced"] = priced_up_front(bill)
    if token_value is not None and priced_up_front(bill):
        details.update(amount=token_value.minor, fee=charge.minor)
        total = token_value + charge
    else:
        total, charge = Money.zero(center.currency), Money.zero(center.currency)
    return await store.requests.submit_service(
        villager.id, center, RequestKind.BILL, details, total, charge, notifier_for(listeners)
    )


async def quote(
    store: Storage, request_id: int, user_id: int, amount: Money, charge: Money
) -> Acted:
    """The manager's price for a looked-up bill: the amount due plus the center's fee."""
    details = {"amount": amount.minor, "fee": charge.minor}
    return await act(
        store, request_id, Action.QUOTE, user_id, details=details, price=(amount + charge, charge)
    )


async def submit_travel(
    store: Storage, villager: User, center: Center, kind: RequestKind, details: Mapping[str, Any]
) -> ServiceRequest:
    """Submit a ticket or lodging request; the manager looks for options and quotes them."""
    listeners = await audience(store, center, villager)
    nothing = Money.zero(center.currency)
    return await store.requests.submit_service(
        villager.id,
        center,
        kind,
        {**details, "priced": False},
        nothing,
        nothing,
        notifier_for(listeners),
    )


async def quote_options(
    store: Storage, request_id: int, user_id: int, options: list[Option]
) -> Acted:
    """The manager's offers for a ticket or room; the villager accepts one of them."""
    request = await store.requests.get(request_id)
    center = await store.centers.get(request.center_id)
    charge = await store.services.fee_for(center, request.kind)
    offered = [{"text": option.text, "price": option.price.minor} for option in options]
    return await act(
        store,
        request_id,
        Action.QUOTE,
        user_id,
        details={"options": offered, "fee": charge.minor, "chosen": None},
    )


async def accept_option(store: Storage, request_id: int, user_id: int, number: int) -> Acted:
    """The villager takes offer `number` (from 1): its price plus the center's fee is due."""
    request, _center, _role = await authorize(store, request_id, user_id, Action.ACCEPT)
    offered = request.details.get("options") or []
    if not 1 <= number <= len(offered):
        raise TransitionRefused("stale")
    currency = request.total.currency
    charge = Money(int(request.details.get("fee", 0)), currency)
    price = Money(int(offered[number - 1]["price"]), currency)
    return await act(
        store,
        request_id,
        Action.ACCEPT,
        user_id,
        details={"chosen": number},
        price=(price + charge, charge),
    )


async def expire_quotes(store: Storage) -> list[ServiceRequest]:
    """Cancel the quotes whose time ran out; villager and manager are both told."""
    expired = []
    for request in await store.requests.with_status(RequestStatus.QUOTED):
        deadline = request.details.get("quote_expires_at")
        if deadline is None or float(deadline) > time.time():
            continue
        center = await store.centers.get(request.center_id)
        villager = await store.users.get(request.villager_id)
        if villager is None:
            continue
        listeners = await audience(store, center, villager)

        def decide(current: ServiceRequest) -> Transition:
            return plan(
                current.kind,
                current.fulfilment,
                current.status,
                Action.EXPIRE,
                Role.SYSTEM,
                priced=current.priced_up_front,
            )

        try:
            expired.append(
                await store.requests.apply(
                    request.id, decide, None, Role.SYSTEM, notifier_for(listeners)
                )
            )
        except TransitionRefused:  # answered meanwhile: the answer wins
            continue
    return expired
