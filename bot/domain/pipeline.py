"""The one request pipeline: kinds, statuses and the state machine every request follows.

Pure rules, no storage and no Telegram: storage applies a planned transition atomically
(`UPDATE ... WHERE status = :expected`) and records it in the audit table.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class RequestKind(StrEnum):
    """What a villager asked the center for."""

    GOODS = "goods"
    TOPUP = "topup"
    BILL = "bill"
    TICKET = "ticket"
    LODGING = "lodging"
    PRODUCE = "produce"


class RequestStatus(StrEnum):
    """Where a request stands; RULES below are the edges between statuses:

    draft -> submitted -> (quoted -> accepted) -> approved -> ready | out_for_delivery -> completed
    submitted | quoted | accepted -> rejected; submitted | quoted -> cancelled
    """

    DRAFT = "draft"
    SUBMITTED = "submitted"
    QUOTED = "quoted"
    ACCEPTED = "accepted"
    APPROVED = "approved"
    READY = "ready"
    OUT_FOR_DELIVERY = "out_for_delivery"
    COMPLETED = "completed"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


class Role(StrEnum):
    """Who acts on a request."""

    VILLAGER = "villager"
    MANAGER = "manager"
    SYSTEM = "system"


class Action(StrEnum):
    """A step someone takes on a request; short values keep callback data small."""

    SUBMIT = "sb"
    QUOTE = "qt"
    ACCEPT = "ac"
    APPROVE = "ap"
    REJECT = "rj"
    CANCEL = "cn"
    MARK_READY = "rd"
    SEND_OUT = "od"
    COMPLETE = "dl"
    EXPIRE = "ex"


class Fulfilment(StrEnum):
    """How goods reach the villager."""

    PICKUP = "pickup"
    DELIVERY = "delivery"


S = RequestStatus
OPEN_STATUSES = frozenset(
    {S.SUBMITTED, S.QUOTED, S.ACCEPTED, S.APPROVED, S.READY, S.OUT_FOR_DELIVERY}
)
FINAL_STATUSES = frozenset({S.COMPLETED, S.REJECTED, S.CANCELLED})
# Kinds whose completion is a sale of the center. A villager's produce offer completes when it
# closes; what it sold is counted through the goods orders that bought it.
SALE_KINDS = frozenset(kind for kind in RequestKind if kind is not RequestKind.PRODUCE)
# Kinds whose price is known when the villager submits; the others are quoted first.
# A produce offer names its own price: the manager approves or rejects it, never quotes.
PRICED_UP_FRONT = frozenset({RequestKind.GOODS, RequestKind.TOPUP, RequestKind.PRODUCE})


@dataclass(frozen=True)
class Rule:
    """One edge of the state machine: who may move a request from which statuses to where."""

    sources: frozenset[RequestStatus]
    target: RequestStatus
    role: Role


RULES: dict[Action, Rule] = {
    Action.SUBMIT: Rule(frozenset({S.DRAFT}), S.SUBMITTED, Role.VILLAGER),
    Action.QUOTE: Rule(frozenset({S.SUBMITTED, S.QUOTED}), S.QUOTED, Role.MANAGER),
    Action.ACCEPT: Rule(frozenset({S.QUOTED}), S.ACCEPTED, Role.VILLAGER),
    Action.APPROVE: Rule(frozenset({S.SUBMITTED, S.ACCEPTED}), S.APPROVED, Role.MANAGER),
    Action.REJECT: Rule(frozenset({S.SUBMITTED, S.QUOTED, S.ACCEPTED}), S.REJECTED, Role.MANAGER),
    Action.CANCEL: Rule(frozenset({S.SUBMITTED, S.QUOTED}), S.CANCELLED, Role.VILLAGER),
    Action.MARK_READY: Rule(frozenset({S.APPROVED}), S.READY, Role.MANAGER),
    Action.SEND_OUT: Rule(frozenset({S.APPROVED}), S.OUT_FOR_DELIVERY, Role.MANAGER),
    # A quote nobody answered, or a goods order nobody approved, in the center's time: only
    # the bot's own job does this (an expired order's stock goes back, as on any cancel).
    Action.EXPIRE: Rule(frozenset({S.SUBMITTED, S.QUOTED}), S.CANCELLED, Role.SYSTEM),
    Action.COMPLETE: Rule(
        frozenset({S.APPROVED, S.READY, S.OUT_FOR_DELIVERY}), S.COMPLETED, Role.MANAGER
    ),
}


class RequestRefusal(StrEnum):
    """Why an action on a request does not apply."""

    NOT_ALLOWED = "not_allowed"
    ALREADY_DONE = "already_done"
    STALE = "stale"
    QUOTE_REPLACED = "quote_replaced"  # the button showed an older quote's price


class TransitionRefused(Exception):
    """The action does not apply; `reason` says why."""

    def __init__(self, reason: RequestRefusal | str) -> None:
        """Keep the reason; given by its value, it must be one of RequestRefusal's."""
        self.reason = RequestRefusal(reason)
        super().__init__(self.reason)


@dataclass(frozen=True)
class Transition:
    """A planned, checked status change."""

    action: Action
    source: RequestStatus
    target: RequestStatus


def plan(
    kind: RequestKind,
    fulfilment: Fulfilment | None,
    current: RequestStatus,
    action: Action,
    role: Role,
    *,
    priced: bool | None = None,
) -> Transition:
    """Check that `role` may take `action` now and return the change, else TransitionRefused.

    `priced` says whether this request's price was known when submitted (default: by kind).
    """
    rule = RULES[action]
    if role is not rule.role and role is not Role.SYSTEM:
        raise TransitionRefused(RequestRefusal.NOT_ALLOWED)
    if current is rule.target and action is not Action.QUOTE:
        raise TransitionRefused(RequestRefusal.ALREADY_DONE)
    if current not in rule.sources or action not in available_actions(
        kind, fulfilment, current, priced=priced
    ):
        raise TransitionRefused(RequestRefusal.STALE)
    return Transition(action, current, rule.target)


def available_actions(
    kind: RequestKind,
    fulfilment: Fulfilment | None,
    current: RequestStatus,
    *,
    priced: bool | None = None,
) -> tuple[Action, ...]:
    """The actions that apply to a request in `current`, in the order buttons show them."""
    if current is S.SUBMITTED:
        up_front = kind in PRICED_UP_FRONT if priced is None else priced
        first = Action.APPROVE if up_front else Action.QUOTE
        if kind is RequestKind.GOODS:  # its stock is held until approved: not for ever
            return (first, Action.REJECT, Action.CANCEL, Action.EXPIRE)
        return (first, Action.REJECT, Action.CANCEL)
    if current is S.QUOTED:
        return (Action.ACCEPT, Action.QUOTE, Action.REJECT, Action.CANCEL, Action.EXPIRE)
    if current is S.ACCEPTED:
        return (Action.APPROVE, Action.REJECT)
    if current is S.APPROVED:
        return _after_approval(kind, fulfilment)
    if current in (S.READY, S.OUT_FOR_DELIVERY):
        return (Action.COMPLETE,)
    return ()


def _after_approval(kind: RequestKind, fulfilment: Fulfilment | None) -> tuple[Action, ...]:
    """Goods wait to be picked up or delivered; services complete directly; an approved
    produce offer is on sale until the manager closes it (or it sells out)."""
    if kind is not RequestKind.GOODS:
        return (Action.COMPLETE,)
    if fulfilment is Fulfilment.DELIVERY:
        return (Action.SEND_OUT,)
    return (Action.MARK_READY,)


def actions_for(
    kind: RequestKind,
    fulfilment: Fulfilment | None,
    current: RequestStatus,
    role: Role,
    *,
    priced: bool | None = None,
) -> tuple[Action, ...]:
    """The buttons `role` should see for a request now."""
    return tuple(
        action
        for action in available_actions(kind, fulfilment, current, priced=priced)
        if RULES[action].role is role
    )


class CatalogEffect(StrEnum):
    """What a status change does to the catalog, beside the status itself (same transaction)."""

    # An approved produce offer becomes a product: the seller's, stock = the offered quantity.
    LIST_PRODUCE = "list_produce"
    # A closed (completed) produce offer leaves the catalog.
    UNLIST_PRODUCE = "unlist_produce"
    # A completed goods order is money paid: produce in it counts as sold to its sellers.
    RECORD_SALES = "record_sales"


def catalog_effect(kind: RequestKind, target: RequestStatus) -> CatalogEffect | None:
    """The catalog side of moving a request of `kind` to `target`, if it has one."""
    if kind is RequestKind.PRODUCE and target is S.APPROVED:
        return CatalogEffect.LIST_PRODUCE
    if kind is RequestKind.PRODUCE and target is S.COMPLETED:
        return CatalogEffect.UNLIST_PRODUCE
    if kind is RequestKind.GOODS and target is S.COMPLETED:
        return CatalogEffect.RECORD_SALES
    return None


def sold_out(offered: int, sold: int) -> bool:
    """An offer whose every unit was paid for is finished: the bot closes it."""
    return sold >= offered
