"""Broadcasts in the database: who an announcement goes to, and resuming without duplicates.

Each test runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest
import sqlalchemy as sa
from telegram.error import BadRequest, Forbidden, RetryAfter

from bot.domain.broadcasts import BroadcastStatus, Tally
from bot.transport.broadcaster import Broadcaster
from storage import Storage
from storage.schema import broadcast_deliveries, users
from tests.conftest import open_storage

MANAGER, OTHER_MANAGER = 900001, 900002
SITI, BUDI, WATI, JOKO, ANI, OUTSIDER = 700001, 700002, 700003, 700004, 700005, 700006
PROGRESS_MESSAGE = 77


async def a_village(store: Storage) -> int:
    """Leping with five villagers (Budi muted, Wati blocked the bot) and one from Karang.

    The manager has joined his own center too, as /start does.
    """
    leping = await store.centers.add_center("LEPING", "Kios Desa Leping", MANAGER)
    karang = await store.centers.add_center("KARANG", "Kios Karang", OTHER_MANAGER)
    for user_id, name in [
        (MANAGER, "Pak Joko"),
        (SITI, "Siti"),
        (BUDI, "Budi"),
        (WATI, "Wati"),
        (JOKO, "Joko"),
        (ANI, "Ani"),
    ]:
        await store.users.seen(user_id, name, telegram_language="id")
        await store.users.join_center(user_id, leping.id)
    await store.users.seen(OUTSIDER, "Tono")
    await store.users.join_center(OUTSIDER, karang.id)
    await store.users.set_muted(BUDI, True)
    async with store.db.write() as conn:
        await conn.execute(sa.update(users).where(users.c.id == WATI).values(blocked_at=1.0))
    return leping.id


async def delivery_rows(store: Storage, broadcast_id: int) -> dict[int, str]:
    """user id -> delivery status."""
    query = sa.select(broadcast_deliveries.c.user_id, broadcast_deliveries.c.status).where(
        broadcast_deliveries.c.broadcast_id == broadcast_id
    )
    async with store.db.read() as conn:
        return {user_id: status for user_id, status in (await conn.execute(query)).all()}


async def test_send_fixes_the_recipients_without_muted_blocked_or_the_manager(
    store: Storage,
) -> None:
    center_id = await a_village(store)
    draft = await store.broadcasts.compose(center_id, MANAGER, "Pasar murah besok jam 8")

    assert await store.broadcasts.count_recipients(center_id, MANAGER) == 3
    total = await store.broadcasts.start_sending(draft.id, MANAGER, MANAGER, PROGRESS_MESSAGE)

    assert total == 3
    assert await delivery_rows(store, draft.id) == {
        SITI: "pending",
        JOKO: "pending",
        ANI: "pending",
    }
    started = await store.broadcasts.get(draft.id)
    assert started is not None
    assert started.status is BroadcastStatus.SENDING
    assert (started.progress_chat_id, started.progress_message_id) == (MANAGER, PROGRESS_MESSAGE)
    assert [r.user_id for r in await store.broadcasts.pending(draft.id)] == [SITI, JOKO, ANI]


async def test_a_second_press_or_another_manager_changes_nothing(store: Storage) -> None:
    center_id = await a_village(store)
    draft = await store.broadcasts.compose(center_id, MANAGER, "Pasar murah")

    assert await store.broadcasts.start_sending(draft.id, OTHER_MANAGER, 1, 2) is None
    assert await store.broadcasts.start_sending(draft.id, SITI, 1, 2) is None
    assert (await store.broadcasts.get(draft.id)).status is BroadcastStatus.DRAFT  # type: ignore[union-attr]
    assert await delivery_rows(store, draft.id) == {}

    assert await store.broadcasts.start_sending(draft.id, MANAGER, MANAGER, 5) == 3
    await store.users.seen(777777, "Newcomer")
    await store.users.join_center(777777, center_id)
    assert await store.broadcasts.start_sending(draft.id, MANAGER, MANAGER, 6) is None

    assert sorted(await delivery_rows(store, draft.id)) == [SITI, JOKO, ANI]
    assert (await store.broadcasts.get(draft.id)).progress_message_id == 5  # type: ignore[union-attr]


async def test_a_new_draft_replaces_the_old_one(store: Storage) -> None:
    center_id = await a_village(store)
    first = await store.broadcasts.compose(center_id, MANAGER, "Pasar murah")
    second = await store.broadcasts.compose(center_id, MANAGER, "Pasar murah, jam 9")

    assert (await store.broadcasts.get(first.id)).status is BroadcastStatus.CANCELLED  # type: ignore[union-attr]
    assert await store.broadcasts.start_sending(first.id, MANAGER, MANAGER, 1) is None
    assert await store.broadcasts.start_sending(second.id, MANAGER, MANAGER, 1) == 3


async def test_after_a_restart_only_the_villagers_still_pending_are_left(
    store: Storage, database_url: str
) -> None:
    center_id = await a_village(store)
    draft = await store.broadcasts.compose(center_id, MANAGER, "Pasar murah")
    await store.broadcasts.start_sending(draft.id, MANAGER, MANAGER, PROGRESS_MESSAGE)
    await store.broadcasts.mark_sent(draft.id, SITI)
    await store.broadcasts.mark_sent(draft.id, SITI)  # a repeated mark counts once

    async with open_storage(database_url) as reopened:
        assert [b.id for b in await reopened.broadcasts.sending()] == [draft.id]
        assert [r.user_id for r in await reopened.broadcasts.pending(draft.id)] == [JOKO, ANI]
        assert await reopened.broadcasts.tally(draft.id) == Tally(sent=1, pending=2)


async def test_a_villager_who_blocked_the_bot_is_skipped_next_time(store: Storage) -> None:
    center_id = await a_village(store)
    first = await store.broadcasts.compose(center_id, MANAGER, "Pasar murah")
    await store.broadcasts.start_sending(first.id, MANAGER, MANAGER, 1)
    await store.broadcasts.mark_sent(first.id, SITI)
    await store.broadcasts.mark_blocked(first.id, JOKO)
    await store.broadcasts.mark_failed(first.id, ANI)
    await store.broadcasts.finish(first.id)

    joko = await store.users.get(JOKO)
    assert joko is not None and joko.blocked_at is not None
    second = await store.broadcasts.compose(center_id, MANAGER, "Kerja bakti Minggu")
    assert await store.broadcasts.start_sending(second.id, MANAGER, MANAGER, 2) == 2
    assert sorted(await delivery_rows(store, second.id)) == [SITI, ANI]

    listed = await store.broadcasts.recent(center_id)
    assert [(b.text, b.status, tally) for b, tally in listed] == [
        ("Kerja bakti Minggu", BroadcastStatus.SENDING, Tally(pending=2)),
        ("Pasar murah", BroadcastStatus.DONE, Tally(sent=1, blocked=1, failed=1)),
    ]


# --- The sender over a real database, with a recording stand-in for Telegram -------------


class FakeTelegram:
    """Records what reaches each chat; some chats blocked the bot; may hang after N sends.

    A hung send never reaches the chat, like a request cut off by kill -9 before Telegram
    processed it.
    """

    def __init__(
        self,
        blocked: set[int],
        answer_first: int | None = None,
        flood_on: int | None = None,
        unknown: frozenset[int] = frozenset(),
    ) -> None:
        self.blocked = blocked
        self.answer_first = answer_first
        self.flood_on = flood_on  # this chat's first message answers 429, retry after 1 s
        self.unknown = unknown  # chats Telegram does not know ("chat not found")
        self.calls = 0
        self.received: Counter[int] = Counter()
        self.times: list[tuple[float, int]] = []
        self.edits: list[str] = []
        self.hung = asyncio.Event()

    async def send_message(self, chat_id: int, text: str, **_: Any) -> None:
        """Deliver, refuse (blocked, unknown, flood) or hang."""
        self.calls += 1
        self.times.append((asyncio.get_running_loop().time(), chat_id))
        if self.answer_first is not None and self.calls > self.answer_first:
            self.hung.set()
            await asyncio.Event().wait()
        if chat_id == self.flood_on:
            self.flood_on = None
            raise RetryAfter(1)
        if chat_id in self.blocked:
            raise Forbidden("Forbidden: bot was blocked by the user")
        if chat_id in self.unknown:
            raise BadRequest("Chat not found")
        self.received[chat_id] += 1

    async def edit_message_text(self, text: str, **_: Any) -> None:
        """Remember the progress and the report."""
        self.edits.append(text)


async def many_villagers(store: Storage, count: int) -> tuple[int, list[int]]:
    """Leping with `count` villagers."""
    center = await store.centers.add_center("LEPING", "Kios Desa Leping", MANAGER)
    await store.users.seen(MANAGER, "Pak Joko", telegram_language="en")
    villagers = [800001 + i for i in range(count)]
    for user_id in villagers:
        await store.users.seen(user_id, f"Warga {user_id}", telegram_language="id")
        await store.users.join_center(user_id, center.id)
    return center.id, villagers


async def kill(broadcaster: Broadcaster) -> None:
    """Stop every task of the broadcaster at once, as kill -9 would: nothing gets to finish."""
    tasks = [t for t in asyncio.all_tasks() if t.get_name().startswith("broadcast")]
    assert broadcaster._task in tasks
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def wait_until(check: Any, what: str, timeout: float = 10.0) -> None:  # noqa: ASYNC109
    """Poll an async check until it is true."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)


async def test_a_killed_broadcast_resumes_and_nobody_gets_it_twice(
    store: Storage, database_url: str
) -> None:
    center_id, villagers = await many_villagers(store, 30)
    blocked = {villagers[3], villagers[20]}
    draft = await store.broadcasts.compose(center_id, MANAGER, "Pasar murah besok")
    await store.broadcasts.start_sending(draft.id, MANAGER, MANAGER, PROGRESS_MESSAGE)

    first = FakeTelegram(blocked, answer_first=12)
    dying = Broadcaster(first, store, rate_per_s=500)  # type: ignore[arg-type]
    dying.start()
    await asyncio.wait_for(first.hung.wait(), 10)

    async def answered_ones_recorded() -> bool:
        return (await store.broadcasts.tally(draft.id)).settled == 12

    await wait_until(answered_ones_recorded, "the 12 answered sends to be recorded")
    await kill(dying)

    async with open_storage(database_url) as reopened:
        second = FakeTelegram(blocked)
        broadcaster = Broadcaster(second, reopened, rate_per_s=500)  # type: ignore[arg-type]
        broadcaster.start()

        async def done() -> bool:
            found = await reopened.broadcasts.get(draft.id)
            return found is not None and found.status is BroadcastStatus.DONE

        await wait_until(done, "the resumed broadcast to finish")
        await broadcaster.stop()
        tally = await reopened.broadcasts.tally(draft.id)

    received = first.received + second.received
    assert received == Counter({v: 1 for v in villagers if v not in blocked})
    assert tally == Tally(sent=28, blocked=2)
    assert second.edits[-1].startswith("✅")
    assert "<b>28</b>" in second.edits[-1] and "<b>2</b>" in second.edits[-1]


# PTB 22 warns when a RetryAfter is made with int seconds, as Telegram's answer makes it.
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_a_429_holds_every_send_for_retry_after_then_the_same_villager_goes_again(
    store: Storage,
) -> None:
    center_id, villagers = await many_villagers(store, 20)
    flooded, unknown = villagers[5], villagers[9]
    draft = await store.broadcasts.compose(center_id, MANAGER, "Pasar murah besok")
    await store.broadcasts.start_sending(draft.id, MANAGER, MANAGER, PROGRESS_MESSAGE)
    telegram = FakeTelegram(set(), flood_on=flooded, unknown=frozenset({unknown}))
    broadcaster = Broadcaster(telegram, store, rate_per_s=200)  # type: ignore[arg-type]

    [sending] = await store.broadcasts.sending()
    await broadcaster.send_all(sending)

    flood_at = next(at for at, chat in telegram.times if chat == flooded)
    after = [(at, chat) for at, chat in telegram.times if at > flood_at]
    assert after, "nothing was sent after the 429"
    assert after[0][0] - flood_at >= 0.99  # nobody at all during the wait Telegram asked for
    assert [chat for _, chat in telegram.times].count(flooded) == 2
    assert telegram.received == Counter({v: 1 for v in villagers if v != unknown})
    assert broadcaster.rate_limited == 1
    assert await store.broadcasts.tally(draft.id) == Tally(sent=19, failed=1)
    assert (await store.broadcasts.get(draft.id)).status is BroadcastStatus.DONE  # type: ignore[union-attr]
