"""The request state machine: what each person may do to a request, and when."""

from __future__ import annotations

import pytest

from bot.domain.pipeline import (
    Action,
    Fulfilment,
    RequestKind,
    RequestStatus,
    Role,
    TransitionRefused,
    actions_for,
    plan,
)

GOODS, TICKET, BILL = RequestKind.GOODS, RequestKind.TICKET, RequestKind.BILL
PICKUP, DELIVERY = Fulfilment.PICKUP, Fulfilment.DELIVERY
S = RequestStatus
VILLAGER, MANAGER = Role.VILLAGER, Role.MANAGER


def walk(
    kind: RequestKind,
    fulfilment: Fulfilment | None,
    steps: list[tuple[Action, Role]],
    start: RequestStatus = S.SUBMITTED,
) -> list[RequestStatus]:
    """Take each step in turn, as the bot would, and return the statuses passed through."""
    status = start
    seen = [status]
    for action, role in steps:
        change = plan(kind, fulfilment, status, action, role)
        assert change.source is status
        status = change.target
        seen.append(status)
    return seen


def refusal(
    kind: RequestKind,
    fulfilment: Fulfilment | None,
    status: RequestStatus,
    action: Action,
    role: Role,
) -> str:
    """The reason the bot would show for a refused press."""
    with pytest.raises(TransitionRefused) as refused:
        plan(kind, fulfilment, status, action, role)
    return refused.value.reason


def test_pickup_order_is_approved_made_ready_and_collected() -> None:
    statuses = walk(
        GOODS,
        PICKUP,
        [(Action.APPROVE, MANAGER), (Action.MARK_READY, MANAGER), (Action.COMPLETE, MANAGER)],
    )

    assert statuses == [S.SUBMITTED, S.APPROVED, S.READY, S.COMPLETED]


def test_delivery_order_is_approved_sent_out_and_delivered() -> None:
    statuses = walk(
        GOODS,
        DELIVERY,
        [(Action.APPROVE, MANAGER), (Action.SEND_OUT, MANAGER), (Action.COMPLETE, MANAGER)],
    )

    assert statuses == [S.SUBMITTED, S.APPROVED, S.OUT_FOR_DELIVERY, S.COMPLETED]


def test_a_pickup_order_is_never_sent_out_and_a_delivery_never_waits_at_the_counter() -> None:
    assert refusal(GOODS, PICKUP, S.APPROVED, Action.SEND_OUT, MANAGER) == "stale"
    assert refusal(GOODS, DELIVERY, S.APPROVED, Action.MARK_READY, MANAGER) == "stale"


def test_approved_goods_are_not_completed_before_they_are_ready_or_on_the_way() -> None:
    assert refusal(GOODS, PICKUP, S.APPROVED, Action.COMPLETE, MANAGER) == "stale"


def test_villager_may_cancel_while_the_order_is_still_submitted() -> None:
    change = plan(GOODS, PICKUP, S.SUBMITTED, Action.CANCEL, VILLAGER)

    assert change.target is S.CANCELLED


@pytest.mark.parametrize("status", [S.APPROVED, S.READY, S.OUT_FOR_DELIVERY, S.COMPLETED])
def test_villager_cannot_cancel_once_the_manager_approved(status: RequestStatus) -> None:
    assert refusal(GOODS, DELIVERY, status, Action.CANCEL, VILLAGER) == "stale"


def test_manager_cannot_cancel_on_the_villagers_behalf() -> None:
    assert refusal(GOODS, PICKUP, S.SUBMITTED, Action.CANCEL, MANAGER) == "not_allowed"


@pytest.mark.parametrize(
    "action", [Action.APPROVE, Action.REJECT, Action.MARK_READY, Action.SEND_OUT, Action.COMPLETE]
)
def test_villager_cannot_take_the_managers_steps(action: Action) -> None:
    assert refusal(GOODS, PICKUP, S.SUBMITTED, action, VILLAGER) == "not_allowed"


def test_manager_pressing_approve_twice_is_told_it_is_already_done() -> None:
    plan(GOODS, PICKUP, S.SUBMITTED, Action.APPROVE, MANAGER)

    assert refusal(GOODS, PICKUP, S.APPROVED, Action.APPROVE, MANAGER) == "already_done"


def test_villager_pressing_cancel_twice_is_told_it_is_already_done() -> None:
    assert refusal(GOODS, PICKUP, S.CANCELLED, Action.CANCEL, VILLAGER) == "already_done"


@pytest.mark.parametrize("status", [S.REJECTED, S.CANCELLED, S.COMPLETED])
def test_approving_a_closed_order_from_an_old_card_is_stale(status: RequestStatus) -> None:
    assert refusal(GOODS, PICKUP, status, Action.APPROVE, MANAGER) == "stale"


def test_role_is_checked_before_status() -> None:
    # A villager must not learn a request's state by pressing manager buttons.
    assert refusal(GOODS, PICKUP, S.APPROVED, Action.APPROVE, VILLAGER) == "not_allowed"


@pytest.mark.parametrize("kind", [TICKET, BILL])
def test_a_service_without_a_known_price_cannot_be_approved_before_it_is_quoted(
    kind: RequestKind,
) -> None:
    assert refusal(kind, None, S.SUBMITTED, Action.APPROVE, MANAGER) == "stale"
    assert actions_for(kind, None, S.SUBMITTED, MANAGER) == (Action.QUOTE, Action.REJECT)


@pytest.mark.parametrize("kind", [TICKET, BILL])
def test_a_quoted_service_is_accepted_approved_and_completed(kind: RequestKind) -> None:
    statuses = walk(
        kind,
        None,
        [
            (Action.QUOTE, MANAGER),
            (Action.ACCEPT, VILLAGER),
            (Action.APPROVE, MANAGER),
            (Action.COMPLETE, MANAGER),
        ],
    )

    assert statuses == [S.SUBMITTED, S.QUOTED, S.ACCEPTED, S.APPROVED, S.COMPLETED]


def test_manager_may_revise_a_quote_before_the_villager_accepts() -> None:
    assert walk(TICKET, None, [(Action.QUOTE, MANAGER), (Action.QUOTE, MANAGER)]) == [
        S.SUBMITTED,
        S.QUOTED,
        S.QUOTED,
    ]


def test_villager_may_turn_down_a_quote_by_cancelling() -> None:
    assert plan(BILL, None, S.QUOTED, Action.CANCEL, VILLAGER).target is S.CANCELLED


def test_manager_sees_approve_and_reject_on_a_new_goods_order() -> None:
    assert [a.name for a in actions_for(GOODS, PICKUP, S.SUBMITTED, MANAGER)] == [
        "APPROVE",
        "REJECT",
    ]


def test_villager_sees_only_cancel_on_a_new_goods_order() -> None:
    assert actions_for(GOODS, PICKUP, S.SUBMITTED, VILLAGER) == (Action.CANCEL,)


def test_manager_sees_the_next_step_for_the_way_goods_reach_the_villager() -> None:
    assert actions_for(GOODS, PICKUP, S.APPROVED, MANAGER) == (Action.MARK_READY,)
    assert actions_for(GOODS, DELIVERY, S.APPROVED, MANAGER) == (Action.SEND_OUT,)
    assert actions_for(GOODS, DELIVERY, S.OUT_FOR_DELIVERY, MANAGER) == (Action.COMPLETE,)


@pytest.mark.parametrize("status", [S.COMPLETED, S.REJECTED, S.CANCELLED])
@pytest.mark.parametrize("role", [VILLAGER, MANAGER])
def test_nobody_sees_buttons_on_a_finished_request(status: RequestStatus, role: Role) -> None:
    assert actions_for(GOODS, PICKUP, status, role) == ()


@pytest.mark.parametrize("kind", list(RequestKind))
@pytest.mark.parametrize("fulfilment", [None, PICKUP, DELIVERY])
@pytest.mark.parametrize("status", list(RequestStatus))
@pytest.mark.parametrize("role", [VILLAGER, MANAGER])
def test_every_button_shown_is_a_step_the_pipeline_accepts(
    kind: RequestKind, fulfilment: Fulfilment | None, status: RequestStatus, role: Role
) -> None:
    for action in actions_for(kind, fulfilment, status, role):
        assert plan(kind, fulfilment, status, action, role).source is status


@pytest.mark.parametrize("kind", list(RequestKind))
@pytest.mark.parametrize("status", list(RequestStatus))
def test_a_step_is_accepted_only_when_its_button_would_be_shown(
    kind: RequestKind, status: RequestStatus
) -> None:
    for action in Action:
        for role in (VILLAGER, MANAGER):
            shown = action in actions_for(kind, PICKUP, status, role)
            try:
                plan(kind, PICKUP, status, action, role)
            except TransitionRefused:
                accepted = False
            else:
                accepted = True
            if action is not Action.SUBMIT:  # submit is the cart's button, not the card's
                assert accepted == shown, (kind, status, action, role)
