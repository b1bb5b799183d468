"""Forged and replayed presses: answered every time, and nothing changes without the right."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.errors import RecordNotFound
from bot.domain.pipeline import Action, RequestKind
from bot.views import callbacks
from bot.views.texts import plain
from tests.hostile.conftest import MANAGER, Bot
from tests.hostile.strategies import forged_callback
from tests.hostile.walker import (
    Step,
    check_answered,
    joined_villager,
    request_for_manager,
    steps,
    wander,
    without_carts,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

ACTIONS = [action.value for action in Action]


def aimed_at(request_id: int) -> st.SearchStrategy[str]:
    """Well-formed data for someone else's request: every action, option and card."""
    return st.one_of(
        st.sampled_from(ACTIONS).map(lambda a: callbacks.build(callbacks.REQUEST, request_id, a)),
        st.integers(0, 6).map(lambda n: callbacks.build(callbacks.OPTION, request_id, str(n))),
        st.just(callbacks.build(callbacks.REQUEST_VIEW, request_id)),
        st.sampled_from(["reply", "close"]).map(
            lambda a: callbacks.build(callbacks.QUESTION, request_id, a)
        ),
        st.sampled_from(["send", "cancel"]).map(
            lambda a: callbacks.build(callbacks.BROADCAST, request_id, a)
        ),
    )


@given(presses=st.lists(forged_callback(), min_size=1, max_size=6))
async def test_stranger_presses_change_nothing(bot: Bot, presses: list[str]) -> None:
    """Someone who never joined a center presses anything at all."""
    bot.begin()
    stranger = bot.new_villager()
    await bot.text(stranger, "halo")
    before = await bot.snapshot()
    for data in presses:
        check_answered(Step("forge", data), await bot.press(stranger, data))
    assert await bot.snapshot() == before
    bot.check_clean()


@given(data=st.data(), count=st.integers(1, 6))
async def test_another_villagers_request_is_out_of_reach(
    bot: Bot, data: st.DataObject, count: int
) -> None:
    """Budi, of the same village, presses well-formed buttons for Siti's request."""
    bot.begin()
    request_id = await request_for_manager(bot, data.draw(st.sampled_from(list(RequestKind))))
    budi = await joined_villager(bot)
    before = without_carts(await bot.snapshot())
    for _ in range(count):
        press = data.draw(st.one_of(aimed_at(request_id), forged_callback()))
        check_answered(Step("forge", press), await bot.press(budi, press))
    await bot.drain_outbox()
    assert without_carts(await bot.snapshot()) == before
    bot.check_clean()


@given(data=st.data())
async def test_villager_cannot_act_as_the_manager(bot: Bot, data: st.DataObject) -> None:
    """Siti presses the manager's buttons (approve, quote, ready...) on her own request."""
    bot.begin()
    siti = await joined_villager(bot)
    await bot.text(siti, "/checkout")
    for button in ("checkout.pickup", "checkout.skip_note", "checkout.confirm"):
        await bot.press_button(siti, plain("en", button))
    requests = await bot.store.requests.of_villager(siti, 1)
    request_id = requests[0].id
    await bot.drain_outbox()
    before = await bot.snapshot()
    manager_only = [a for a in ACTIONS if a not in (Action.CANCEL.value, Action.ACCEPT.value)]
    for action in data.draw(st.lists(st.sampled_from(manager_only), min_size=1, max_size=5)):
        press = callbacks.build(callbacks.REQUEST, request_id, action)
        check_answered(Step("forge", press), await bot.press(siti, press))
    await bot.drain_outbox()
    assert await bot.snapshot() == before
    bot.check_clean()


@given(path=steps(max_steps=8), kind=st.sampled_from([RequestKind.GOODS, RequestKind.TICKET]))
async def test_replayed_desk_presses_move_a_request_once(
    bot: Bot, path: list[Step], kind: RequestKind
) -> None:
    """The manager presses, re-presses and replays old card buttons in any order."""
    bot.begin()
    await bot.text(MANAGER, "/cancel")
    request_id = await request_for_manager(bot, kind)
    replays = [s for s in path if s.kind in ("button", "replay")]
    await wander(bot, MANAGER, replays + replays)
    statuses = [event["to_status"] for event in await bot.store.requests.history(request_id)]
    assert len(statuses) == len(set(statuses)), statuses  # no step taken twice
    await bot.text(MANAGER, "/cancel")


async def other_centers_helper(bot: Bot) -> int:
    """A helper of another center (Karang, with its own manager), who has opened the bot."""
    try:
        karang = await bot.store.centers.by_code("KARANG")
    except RecordNotFound:
        karang = await bot.store.centers.add_center("KARANG", "Kios Karang", bot.new_villager())
    helper = bot.new_villager()
    await bot.text(helper, "/myid")
    assert await bot.store.staff.add(karang.id, helper, karang.manager_id)
    return helper


@given(data=st.data(), count=st.integers(1, 6))
async def test_another_centers_staff_cannot_touch_a_request(
    bot: Bot, data: st.DataObject, count: int
) -> None:
    """A helper of Karang presses well-formed buttons for a Leping request, Leping's staff
    list and Leping's desk: nothing changes."""
    bot.begin()
    request_id = await request_for_manager(bot, data.draw(st.sampled_from(list(RequestKind))))
    helper = await other_centers_helper(bot)
    own_center = callbacks.build(callbacks.DESK, bot.center_id)
    staff_list = callbacks.build(callbacks.STAFF_REMOVE, bot.center_id, str(helper))
    before = without_carts(await bot.snapshot())
    for _ in range(count):
        press = data.draw(
            st.one_of(aimed_at(request_id), st.sampled_from([own_center, staff_list]))
        )
        check_answered(Step("forge", press), await bot.press(helper, press))
    await bot.drain_outbox()
    assert without_carts(await bot.snapshot()) == before
    bot.check_clean()
