"""The send budget: replies before cards before announcements, never above Telegram's limits."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from typing import Any

import pytest
from telegram.error import RetryAfter

from bot.transport.send_budget import Priority, SendBudget

VILLAGER, OTHER, GROUP = 7001, 7002, -100123


class Telegram:
    """Records which call reached Telegram, in order, and when."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, float]] = []
        self.flood_once: set[str] = set()

    def call(self, name: str) -> Any:
        async def send() -> dict[str, Any]:
            if name in self.flood_once:
                self.flood_once.discard(name)
                raise RetryAfter(dt.timedelta(seconds=1))
            self.calls.append((name, time.monotonic()))
            return {"ok": True}

        return send

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.calls]


async def send(
    budget: SendBudget,
    telegram: Telegram,
    name: str,
    priority: Priority | None = None,
    chat: int | None = None,
    endpoint: str = "sendMessage",
) -> None:
    data = {} if chat is None else {"chat_id": chat}
    await budget.process_request(telegram.call(name), (), {}, endpoint, data, priority)


async def test_a_reply_overtakes_an_announcement_waiting_for_its_slot() -> None:
    budget, telegram = SendBudget(5.0), Telegram()
    bulk = [
        asyncio.create_task(send(budget, telegram, f"bulk {n}", Priority.BULK, 10_000 + n))
        for n in range(6)
    ]
    await asyncio.sleep(0.01)  # the first announcement took the one free slot
    card = asyncio.create_task(send(budget, telegram, "card", Priority.CARD, OTHER))
    reply = asyncio.create_task(send(budget, telegram, "reply", None, VILLAGER))
    await asyncio.gather(*bulk, card, reply)
    assert telegram.names[:3] == ["bulk 0", "reply", "card"]
    assert telegram.names[3:] == [f"bulk {n}" for n in range(1, 6)]


async def test_the_overall_rate_is_never_exceeded() -> None:
    budget, telegram = SendBudget(50.0), Telegram()
    started = time.monotonic()
    await asyncio.gather(
        *(send(budget, telegram, f"m{n}", Priority.BULK, 10_000 + n) for n in range(26))
    )
    elapsed = telegram.calls[-1][1] - started
    # 26 sends at 50 a second, nothing saved up at the start: 25 slots of 20 ms had to pass.
    assert elapsed >= 25 / 50 - 0.01


async def test_answering_a_button_press_never_waits_behind_announcements() -> None:
    budget, telegram = SendBudget(2.0), Telegram()
    bulk = [
        asyncio.create_task(send(budget, telegram, f"bulk {n}", Priority.BULK, 10_000 + n))
        for n in range(3)
    ]
    await asyncio.sleep(0.01)
    await send(budget, telegram, "answer", endpoint="answerCallbackQuery")
    await send(budget, telegram, "typing", chat=VILLAGER, endpoint="sendChatAction")
    assert telegram.names[:3] == ["bulk 0", "answer", "typing"]
    await asyncio.gather(*bulk)


async def test_a_group_gets_its_messages_at_its_per_minute_pace() -> None:
    budget, telegram = SendBudget(100.0, group_per_minute=600.0), Telegram()  # one per 0.1 s
    started = time.monotonic()
    await asyncio.gather(*(send(budget, telegram, f"g{n}", chat=GROUP) for n in range(4)))
    # The first at once, then one slot of 0.1 s for each of the other three.
    assert telegram.calls[-1][1] - started >= 0.3 - 0.01


async def test_one_private_chat_gets_a_short_burst_then_one_a_second() -> None:
    budget, telegram = SendBudget(100.0, chat_rate_per_s=20.0), Telegram()
    started = time.monotonic()
    await asyncio.gather(*(send(budget, telegram, f"p{n}", chat=VILLAGER) for n in range(7)))
    times = [at for _, at in telegram.calls]
    # The first four may go at once (a reply and what comes with it), the rest 50 ms apart.
    assert times[4] - started >= 1 / 20 - 0.01
    assert times[6] - started >= 3 / 20 - 0.01


async def test_a_429_holds_everyone_and_a_reply_tries_again() -> None:
    budget, telegram = SendBudget(100.0), Telegram()
    telegram.flood_once.add("reply")
    started = time.monotonic()
    await send(budget, telegram, "reply", chat=VILLAGER)
    await send(budget, telegram, "card", Priority.CARD, OTHER)
    assert telegram.names == ["reply", "card"]
    assert telegram.calls[0][1] - started >= 0.99  # Telegram asked for a second
    assert budget.rate_limited == 1


async def test_the_outbox_gets_a_429_at_once_to_wait_as_it_does() -> None:
    budget, telegram = SendBudget(100.0), Telegram()
    telegram.flood_once.add("card")
    with pytest.raises(RetryAfter):
        await send(budget, telegram, "card", Priority.CARD, OTHER)
    assert telegram.names == []
