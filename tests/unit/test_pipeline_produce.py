"""A villager's produce offer in the one pipeline: approved into the catalog, closed when sold."""

from __future__ import annotations

import pytest

from bot.domain.pipeline import (
    Action,
    CatalogEffect,
    RequestKind,
    RequestStatus,
    Role,
    TransitionRefused,
    actions_for,
    catalog_effect,
    plan,
    sold_out,
)

PRODUCE, GOODS = RequestKind.PRODUCE, RequestKind.GOODS
S = RequestStatus
VILLAGER, MANAGER, SYSTEM = Role.VILLAGER, Role.MANAGER, Role.SYSTEM


def test_manager_sees_approve_and_reject_on_a_new_offer_never_a_quote() -> None:
    assert actions_for(PRODUCE, None, S.SUBMITTED, MANAGER) == (Action.APPROVE, Action.REJECT)


def test_villager_may_withdraw_the_offer_until_it_is_approved() -> None:
    assert actions_for(PRODUCE, None, S.SUBMITTED, VILLAGER) == (Action.CANCEL,)
    assert plan(PRODUCE, None, S.SUBMITTED, Action.CANCEL, VILLAGER).target is S.CANCELLED
    assert actions_for(PRODUCE, None, S.APPROVED, VILLAGER) == ()


def test_approved_offer_stays_on_sale_until_the_manager_closes_it() -> None:
    assert plan(PRODUCE, None, S.SUBMITTED, Action.APPROVE, MANAGER).target is S.APPROVED
    assert actions_for(PRODUCE, None, S.APPROVED, MANAGER) == (Action.COMPLETE,)
    assert plan(PRODUCE, None, S.APPROVED, Action.COMPLETE, MANAGER).target is S.COMPLETED


def test_the_bot_closes_a_sold_out_offer_itself() -> None:
    assert plan(PRODUCE, None, S.APPROVED, Action.COMPLETE, SYSTEM).target is S.COMPLETED


@pytest.mark.parametrize(
    ("status", "action", "role", "reason"),
    [
        (S.SUBMITTED, Action.APPROVE, VILLAGER, "not_allowed"),  # no approving one's own offer
        (S.APPROVED, Action.APPROVE, MANAGER, "already_done"),  # a double press
        (S.SUBMITTED, Action.QUOTE, MANAGER, "stale"),
        (S.APPROVED, Action.MARK_READY, MANAGER, "stale"),
        (S.APPROVED, Action.REJECT, MANAGER, "stale"),  # listed: close it instead
        (S.REJECTED, Action.APPROVE, MANAGER, "stale"),
        (S.COMPLETED, Action.COMPLETE, MANAGER, "already_done"),
    ],
)
def test_presses_that_do_not_apply_are_refused(
    status: RequestStatus, action: Action, role: Role, reason: str
) -> None:
    with pytest.raises(TransitionRefused) as refused:
        plan(PRODUCE, None, status, action, role)
    assert refused.value.reason == reason


def test_approval_lists_the_produce_and_closing_takes_it_off() -> None:
    assert catalog_effect(PRODUCE, S.APPROVED) is CatalogEffect.LIST_PRODUCE
    assert catalog_effect(PRODUCE, S.COMPLETED) is CatalogEffect.UNLIST_PRODUCE
    assert catalog_effect(PRODUCE, S.REJECTED) is None
    assert catalog_effect(PRODUCE, S.CANCELLED) is None


def test_only_a_completed_goods_order_counts_as_a_sale() -> None:
    assert catalog_effect(GOODS, S.COMPLETED) is CatalogEffect.RECORD_SALES
    for status in (S.APPROVED, S.READY, S.OUT_FOR_DELIVERY, S.REJECTED, S.CANCELLED):
        assert catalog_effect(GOODS, status) is None
    assert catalog_effect(RequestKind.TOPUP, S.COMPLETED) is None


def test_an_offer_is_sold_out_when_every_unit_is_paid_for() -> None:
    assert not sold_out(10, 3)
    assert sold_out(10, 10)
