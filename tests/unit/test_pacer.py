"""The broadcast pacer: slots at the configured rate, never faster; a 429 holds it back."""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.transport.pacer import ChatPace, Pacer


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def slots_taken_in(pacer: Pacer, seconds: float) -> int:
    """How many slots one eager sender gets in `seconds`."""
    taken = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert await pacer.wait()
        taken += 1
    return taken


async def test_an_eager_sender_gets_the_rate_and_no_more() -> None:
    pacer = Pacer(200.0)

    taken = await slots_taken_in(pacer, 0.5)

    # 100 in half a second, plus at most the saved-up burst (fewer on a busy machine).
    assert 75 <= taken <= 100 + pacer.burst + 1


async def test_the_long_run_rate_never_exceeds_the_setting_even_after_idling() -> None:
    pacer = Pacer(100.0)
    await asyncio.sleep(0.3)  # idle: at most `burst` slots are saved up

    start = time.monotonic()
    for _ in range(30):
        assert await pacer.wait()

    assert time.monotonic() - start >= (30 - pacer.burst) / 100.0 - 0.005


async def test_a_hold_gives_no_slot_until_it_ends() -> None:
    pacer = Pacer(1000.0)
    assert await pacer.wait()

    pacer.hold(0.3)
    start = time.monotonic()
    assert await pacer.wait()

    assert time.monotonic() - start >= 0.3


async def test_a_slot_taken_before_a_hold_still_waits_it_out_before_sending() -> None:
    """A send handed its slot just before another send's 429 does not go during the wait."""
    pacer = Pacer(1000.0)
    assert await pacer.wait()  # this send has its slot...
    pacer.hold(0.3)  # ...when another send comes back with a 429
    start = time.monotonic()
    assert await pacer.past_hold()

    assert time.monotonic() - start >= 0.3
    assert await pacer.past_hold()  # no hold now: at once


async def test_closing_wakes_a_waiter_held_for_long() -> None:
    pacer = Pacer(10.0)
    pacer.hold(60)
    waiter = asyncio.create_task(pacer.wait())
    await asyncio.sleep(0.05)

    pacer.close()

    assert await asyncio.wait_for(waiter, 1) is False
    assert await pacer.sleep(30) is False


def test_the_rate_must_be_positive() -> None:
    with pytest.raises(ValueError):
        Pacer(0)


def test_a_chat_waits_its_interval_after_each_answered_send() -> None:
    """Two messages to one chat are a full interval apart; another chat need not wait."""
    clock = FakeClock()
    pace = ChatPace(2.0, clock=clock)
    assert pace.wait_s(1) == 0.0
    pace.sent(1)
    assert pace.wait_s(1) == 0.5 and pace.wait_s(2) == 0.0
    clock.now += 0.3
    assert abs(pace.wait_s(1) - 0.2) < 1e-9
    clock.now += 0.2
    assert pace.wait_s(1) == 0.0


def test_a_429_holds_only_its_chat_for_retry_after() -> None:
    clock = FakeClock()
    pace = ChatPace(1.0, clock=clock)
    pace.hold(1, 5.0)
    assert pace.wait_s(1) == 5.0 and pace.wait_s(2) == 0.0
