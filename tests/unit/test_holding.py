"""What one villager may hold: the open-request cap, the share of a product's stock an
unapproved order may reserve, and the expiry of a goods order nobody approved."""

from __future__ import annotations

import pytest

from bot.domain.holding import (
    MAX_OPEN_REQUESTS,
    HoldLimitReached,
    TooManyOpenRequests,
    check_hold,
    check_open_requests,
    hold_limit,
)
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


def test_the_tenth_open_request_is_the_last() -> None:
    check_open_requests(MAX_OPEN_REQUESTS - 1)
    with pytest.raises(TooManyOpenRequests) as refused:
        check_open_requests(MAX_OPEN_REQUESTS)
    assert refused.value.limit == MAX_OPEN_REQUESTS == 10


@pytest.mark.parametrize(
    ("on_shelf", "held", "limit"),
    [(1, 0, 1), (2, 0, 1), (4, 0, 2), (5, 0, 3), (2, 3, 3), (20, 0, 10), (999, 0, 500)],
)
def test_one_may_hold_half_of_what_the_center_has_for_them(
    on_shelf: int, held: int, limit: int
) -> None:
    assert hold_limit(on_shelf, held) == limit


def test_an_order_past_ones_share_is_refused_with_the_numbers() -> None:
    check_hold("Beras", "sak", on_shelf=4, held=0, wanted=2)
    with pytest.raises(HoldLimitReached) as refused:
        check_hold("Beras", "sak", on_shelf=2, held=2, wanted=1)
    assert (refused.value.limit, refused.value.held, refused.value.unit) == (2, 2, "sak")


def test_asking_for_more_than_the_shelf_has_is_left_to_the_stock_check() -> None:
    check_hold("Beras", "sak", on_shelf=4, held=0, wanted=5)  # OutOfStock says how many left


def test_only_the_bot_expires_a_goods_order_waiting_for_approval() -> None:
    goods, submitted = RequestKind.GOODS, RequestStatus.SUBMITTED
    change = plan(goods, Fulfilment.PICKUP, submitted, Action.EXPIRE, Role.SYSTEM)
    assert change.target is RequestStatus.CANCELLED
    for role in (Role.MANAGER, Role.VILLAGER):
        with pytest.raises(TransitionRefused):
            plan(goods, Fulfilment.PICKUP, submitted, Action.EXPIRE, role)
        assert Action.EXPIRE not in actions_for(goods, Fulfilment.PICKUP, submitted, role)


def test_approved_orders_and_waiting_services_do_not_expire_this_way() -> None:
    with pytest.raises(TransitionRefused):
        plan(RequestKind.GOODS, None, RequestStatus.APPROVED, Action.EXPIRE, Role.SYSTEM)
    with pytest.raises(TransitionRefused):  # a top-up waits for the manager's serial number
        plan(RequestKind.TOPUP, None, RequestStatus.SUBMITTED, Action.EXPIRE, Role.SYSTEM)
