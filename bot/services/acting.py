"""Acting on a request: who may, and the change written together with the messages it causes.

A change is checked early against the request as loaded, then again when it is written,
against the request as it is then (storage's `apply`): a double press changes nothing twice.
No Telegram here: handlers call these and turn results and refusals into messages.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.domain.entities import Center, ServiceRequest, User
from bot.domain.errors import RecordNotFound
from bot.domain.money import Money
from bot.domain.pipeline import (
    RULES,
    Action,
    CatalogEffect,
    RequestRefusal,
    Role,
    Transition,
    TransitionRefused,
    catalog_effect,
    plan,
)
from bot.services.notifier import Audience, audience, notifier_for
from bot.services.produce import sale_notifier
from bot.views.steps import DONE_BY, signed
from storage import Storage
from storage.requests import Decider

# A reject reason is a short explanation, not an essay.
MAX_REASON_LENGTH = 500


@dataclass(frozen=True)
class Acted:
    """A request after someone acted on it, and the role they acted in."""

    request: ServiceRequest
    role: Role
    villager: User
    center: Center


def role_of(
    user_id: int, request: ServiceRequest, center: Center, wanted: Role | None = None
) -> Role | None:
    """The role `user_id` plays for this request (`wanted` if they play both), or None.

    The center's staff play the manager, on the center's own requests only.
    """
    roles = []
    desk = user_id == center.manager_id or user_id in center.staff_ids
    if desk and request.center_id == center.id:
        roles.append(Role.MANAGER)
    if user_id == request.villager_id:
        roles.append(Role.VILLAGER)
    if wanted in roles:
        return wanted
    return roles[0] if roles else None


def decider(action: Action, role: Role) -> Decider:
    """The change `action` by `role` makes to a request as it is; else TransitionRefused."""

    def decide(current: ServiceRequest) -> Transition:
        return plan(
            current.kind,
            current.fulfilment,
            current.status,
            action,
            role,
            priced=current.priced_up_front,
        )

    return decide


def of_quote(decide: Decider, version: int | None) -> Decider:
    """`decide`, for quote `version` alone: a request quoted again since that one (or a press
    that names no version) is refused as 'quote_replaced'."""

    def decide_seen(current: ServiceRequest) -> Transition:
        change = decide(current)  # a quote already taken or gone says so first
        if current.quote_version != version:
            raise TransitionRefused(RequestRefusal.QUOTE_REPLACED)
        return change

    return decide_seen


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
    quote_version: int | None = None,
) -> Acted:
    """Take `action` on a request for `user_id`, checked against role and current status.

    `authorized` is what `authorize` just returned for this user and action, if the caller
    has it; the change itself is checked again against the request as it is when written.
    An acceptance takes quote `quote_version` only, the one on the villager's screen.
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
    decide = decider(action, role)
    if action is Action.ACCEPT:
        decide = of_quote(decide, quote_version)
    change = decide(request)  # refuse early, cheaply
    if role is Role.MANAGER and center.staff_ids:  # several may act: the card names who did
        details = {**(details or {}), DONE_BY: await signature(store, request, change, user_id)}
    villager = await store.users.get(request.villager_id)
    if villager is None:
        raise TransitionRefused("not_allowed")
    listeners = await audience(store, center, villager)
    on_sale = None
    if catalog_effect(request.kind, RULES[action].target) is CatalogEffect.RECORD_SALES:
        on_sale = sale_notifier(await sellers_of(store, request, center))
    text = reason[:MAX_REASON_LENGTH] if reason else None
    updated = await store.requests.apply(
        request_id, decide, user_id, role, notifier_for(listeners), text, details, price, on_sale
    )
    return Acted(updated, role, villager, center)


async def signature(
    store: Storage, request: ServiceRequest, change: Transition, user_id: int
) -> list[list[str]]:
    """The request's steps with this one, signed with the first name of who takes it."""
    actor = await store.users.get(user_id)
    return signed(request, change.target, actor.first_name if actor else str(user_id))


async def sellers_of(store: Storage, order: ServiceRequest, center: Center) -> dict[int, Audience]:
    """Who sells the villagers' produce in a goods order, with their languages."""
    sellers: dict[int, Audience] = {}
    for sale in await store.produce.sales_in_order(order):
        seller = await store.users.get(sale.seller_id)
        if seller is not None and seller.id not in sellers:
            sellers[seller.id] = await audience(store, center, seller)
    return sellers
