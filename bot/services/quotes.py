"""Services the manager prices or fills in: quotes and offers, their expiry, and completion
with the provider's reference (a top-up serial, an electricity token, a booking code).

No Telegram here: handlers call these and turn results and refusals into messages.
"""

from __future__ import annotations

import time

from bot.domain.bills import BillKind, check_reference
from bot.domain.entities import ServiceRequest
from bot.domain.money import Money
from bot.domain.pipeline import Action, RequestKind, RequestStatus, Role, TransitionRefused
from bot.domain.travel import Option, offer_cost
from bot.services.acting import Acted, act, authorize, decider, of_quote
from bot.services.notifier import audience, notifier_for
from storage import Storage

# Serial numbers and booking references are short codes.
MAX_REFERENCE_LENGTH = 100
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


async def quote(
    store: Storage, request_id: int, user_id: int, amount: Money, charge: Money
) -> Acted:
    """The manager's price for a looked-up bill: the amount due plus the center's fee."""
    details = {"amount": amount.minor, "fee": charge.minor}
    return await act(
        store, request_id, Action.QUOTE, user_id, details=details, price=(amount + charge, charge)
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


async def accept_option(
    store: Storage, request_id: int, user_id: int, number: int, version: int | None
) -> Acted:
    """The villager takes offer `number` (from 1) of quote `version`, at the total its button
    showed: the offer's price plus the center's fee. A newer quote refuses 'quote_replaced'."""
    authorized = await authorize(store, request_id, user_id, Action.ACCEPT)
    request, _center, role = authorized
    of_quote(decider(Action.ACCEPT, role), version)(request)  # this quote, still open
    if not 1 <= number <= len(request.details.get("options") or []):
        raise TransitionRefused("stale")
    cost = offer_cost(request.details, number, request.total.currency)
    return await act(
        store,
        request_id,
        Action.ACCEPT,
        user_id,
        details={"chosen": number},
        price=(cost.total, cost.fee),
        authorized=authorized,
        quote_version=version,
    )


async def expire_quotes(store: Storage) -> list[ServiceRequest]:
    """Cancel the quotes whose time ran out; villager and manager are both told."""
    expire = decider(Action.EXPIRE, Role.SYSTEM)
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
        try:
            expired.append(
                await store.requests.apply(
                    request.id, expire, None, Role.SYSTEM, notifier_for(listeners)
                )
            )
        except TransitionRefused:  # answered meanwhile: the answer wins
            continue
    return expired
