"""Another program holds the SQLite file's write lock for a while (a backup, a second bot).

Shorter than the bot's busy timeout, villagers just wait a little; longer, their updates
cannot be stored in the inbox, so they stay at Telegram (the bot asks for them again) and
nothing is half-written; once the lock goes, each is handled once. A
message Telegram took while the lock was held is recorded afterwards, not sent again.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy.engine import make_url

import storage.db
from bot.devtools.emulator import BotApiEmulator, server
from bot.devtools.emulator.params import Call
from bot.devtools.emulator.state import EmulatorState
from storage import Storage
from tests.e2e.conftest import (
    BUDI,
    MANAGER,
    SITI,
    World,
    eventually,
    label,
    part_of,
    shown,
    start_manager,
    to_summary,
    world_on,
)

# The bot's wait for the lock in the "longer" tests (the product's is storage.db's 15 s).
SHORT_BUSY_TIMEOUT_MS = 1000


class WriteLock:
    """A second connection to the bot's SQLite file holding BEGIN IMMEDIATE."""

    def __init__(self, database_url: str) -> None:
        path = make_url(database_url).database
        assert path is not None
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)

    def take(self) -> None:
        """Hold the write lock (waiting for the bot's writer to finish, if it is writing)."""
        self.conn.execute("BEGIN IMMEDIATE")

    def release(self) -> None:
        """Let the bot write again."""
        self.conn.execute("ROLLBACK")

    async def hold_for(self, seconds: float) -> None:
        """Take the lock now and release it `seconds` later, in the background."""
        await asyncio.to_thread(self.take)
        asyncio.get_running_loop().call_later(seconds, self.release)


@contextmanager
def write_lock(database_url: str) -> Iterator[WriteLock]:
    """A WriteLock, closed at the end."""
    lock = WriteLock(database_url)
    try:
        yield lock
    finally:
        lock.conn.close()


@pytest.fixture
async def impatient_world(
    emu: BotApiEmulator, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[World]:
    """The bot waiting only SHORT_BUSY_TIMEOUT_MS for a lock, so a test can outlast it."""
    monkeypatch.setattr(storage.db, "SQLITE_BUSY_TIMEOUT_MS", SHORT_BUSY_TIMEOUT_MS)
    async with world_on(emu, sqlite_url) as running:
        yield running


async def orders_and_carts(store: Storage, user_id: int) -> tuple[int, int]:
    """How many orders the villager has, and how many lines their cart holds."""
    center = await store.centers.by_code("LEPING")
    orders = await store.requests.count_of_villager(user_id)
    lines = await store.carts.lines(user_id, center.id, center.currency)
    return orders, len(lines)


async def test_a_lock_shorter_than_the_busy_timeout_only_delays_the_order(
    world: World, no_errors_logged: None
) -> None:
    emu = world.emu
    await start_manager(emu)
    summary = await to_summary(emu, SITI)
    with write_lock(world.database_url) as lock:
        await lock.hold_for(2.0)  # well inside storage.db's 15 s
        emu.press(SITI, summary.message_id, button_text=label("checkout.confirm"))
        done = await emu.wait_for(SITI, contains=part_of("checkout.submitted"), timeout=15)
    assert "#1" in done.text
    await emu.wait_for(MANAGER, contains="🧾 #1 ·", after=0)
    async with world.database() as store:
        assert await orders_and_carts(store, SITI) == (1, 0)


async def test_a_lock_longer_than_the_busy_timeout_keeps_updates_at_telegram_until_it_goes(
    impatient_world: World, no_errors_logged: None
) -> None:
    """Updates are stored before Telegram is told they arrived: while they cannot be, the bot
    asks Telegram for them again, and nothing is half-written; then each is handled once."""
    emu = impatient_world.emu
    emu.user(BUDI, "Budi", language_code="id")
    await start_manager(emu)
    summary = await to_summary(emu, SITI)
    with write_lock(impatient_world.database_url) as lock:
        await asyncio.to_thread(lock.take)
        polls = emu.stats.requests["getUpdates"]
        query = emu.press(SITI, summary.message_id, button_text=label("checkout.confirm"))
        emu.send_text(BUDI, "/start LEPING")  # a newcomer: joining writes

        async def asked_again() -> bool | None:
            return True if emu.stats.requests["getUpdates"] >= polls + 2 else None

        await eventually(asked_again, "the bot to ask for the same updates again", 15)
        assert len(emu.state.updates) == 2  # neither confirmed: still Telegram's to send
        # Read on the lock's own connection (opening a store would migrate, which writes).
        assert lock.conn.execute("SELECT count(*) FROM requests").fetchone() == (0,)
        assert lock.conn.execute("SELECT id FROM users WHERE id = ?", (BUDI,)).fetchall() == []
        lock.release()
    # The lock is gone: the press sends the order, once, and Budi is welcomed.
    done = await emu.wait_for(SITI, contains=part_of("checkout.submitted"), timeout=15)
    assert "#1" in done.text
    answer = await emu.wait_callback_answered(query, timeout=10)
    assert answer.get("text") != label("common.busy")
    await emu.wait_for(BUDI, contains="Kios Desa Leping", timeout=15)
    async with impatient_world.database() as store:
        assert await orders_and_carts(store, SITI) == (1, 0)
    await emu.wait_for(MANAGER, contains="🧾 #1 ·", after=0)
    assert not [m for m in emu.messages(SITI) if shown("common.busy", "id") in m.text]


async def test_a_card_delivered_while_the_database_is_locked_is_recorded_not_resent(
    impatient_world: World, monkeypatch: pytest.MonkeyPatch, no_errors_logged: None
) -> None:
    emu = impatient_world.emu
    await start_manager(emu)
    summary = await to_summary(emu, SITI)
    original = server.METHODS["sendmessage"]
    # Opened before the lock: opening a store takes the write lock for its migrations.
    async with impatient_world.database() as store:
        with write_lock(impatient_world.database_url) as lock:

            async def card_then_lock(state: EmulatorState, call: Call) -> Any:
                """Deliver; before answering a manager's card, lock the database for 3 s."""
                result = await original(state, call)
                if str(call.raw("chat_id")) == str(MANAGER) and not lock.conn.in_transaction:
                    await lock.hold_for(3 * SHORT_BUSY_TIMEOUT_MS / 1000)
                return result

            monkeypatch.setitem(server.METHODS, "sendmessage", card_then_lock)
            emu.press(SITI, summary.message_id, button_text=label("checkout.confirm"))
            await emu.wait_for(SITI, contains=part_of("checkout.submitted"))

            async def settled() -> dict[str, int] | None:
                counts = await store.outbox.counts()
                return counts if "pending" not in counts else None

            assert await eventually(settled, "the card's delivery to be recorded") == {"sent": 1}
            await asyncio.sleep(1.0)  # two more outbox sweeps: nothing goes out again
            assert await store.outbox.possible_duplicates() == []
    cards = [m for m in emu.messages(MANAGER) if m.text.startswith("🧾 #1 ·")]
    assert len(cards) == 1
