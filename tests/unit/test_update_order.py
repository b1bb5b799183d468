"""Updates of different users at once, each user's own in order, a bounded number running."""

from __future__ import annotations

import asyncio
import datetime

from telegram import Chat, Message, Update, User

from bot.transport.update_order import PerUserOrder, user_key

SITI, BUDI = 700001, 700002


def text_update(update_id: int, user_id: int | None) -> Update:
    """A private text from `user_id` (or an update without a user, as a channel post)."""
    user = User(user_id, "Warga", is_bot=False) if user_id is not None else None
    chat = Chat(user_id or -100, Chat.PRIVATE if user_id else Chat.CHANNEL)
    when = datetime.datetime(2026, 12, 2, tzinfo=datetime.UTC)
    message = Message(update_id, date=when, chat=chat, from_user=user, text="beras")
    if user_id is None:
        return Update(update_id, channel_post=message)
    return Update(update_id, message=message)


async def run_all(processor: PerUserOrder, updates: list[Update], seconds: float) -> list[str]:
    """Hand every update over as PTB does (each in its own task), each taking `seconds`."""
    log: list[str] = []

    async def handle(update: Update) -> None:
        log.append(f"start {update.update_id}")
        await asyncio.sleep(seconds)
        log.append(f"end {update.update_id}")

    await asyncio.gather(*(processor.process_update(u, handle(u)) for u in updates))
    return log


async def test_one_users_updates_run_one_at_a_time_in_the_order_they_came() -> None:
    log = await run_all(PerUserOrder(), [text_update(n, SITI) for n in range(1, 6)], 0.01)
    assert log == [f"{what} {n}" for n in range(1, 6) for what in ("start", "end")]


async def test_different_users_run_at_once() -> None:
    log = await run_all(PerUserOrder(), [text_update(1, SITI), text_update(2, BUDI)], 0.05)
    assert log[:2] == ["start 1", "start 2"]  # Budi did not wait for Siti


async def test_updates_without_a_user_share_one_queue() -> None:
    log = await run_all(PerUserOrder(), [text_update(1, None), text_update(2, None)], 0.01)
    assert log == ["start 1", "end 1", "start 2", "end 2"]
    assert user_key(text_update(3, None)) is None
    assert user_key(text_update(4, BUDI)) == BUDI


async def test_no_more_than_the_running_limit_at_once_and_nothing_left_behind() -> None:
    processor = PerUserOrder(running=2)
    log = await run_all(processor, [text_update(n, 700000 + n) for n in range(1, 6)], 0.02)
    running = peak = 0
    for entry in log:
        running += 1 if entry.startswith("start") else -1
        peak = max(peak, running)
    assert peak == 2
    assert sorted(log) == sorted(f"{w} {n}" for n in range(1, 6) for w in ("start", "end"))
    assert processor.users_in_hand == 0  # no queue is kept for users with nothing waiting
