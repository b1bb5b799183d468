"""The storage contract: reads see one state, a write is one transaction, writers take turns."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import sqlalchemy as sa

import storage.db
from storage.db import Database
from storage.errors import is_database_busy

notes = sa.table("notes", sa.column("id"), sa.column("text"))


async def _notes_database(url: str) -> Database:
    database = Database(url)
    async with database.write() as conn:
        await conn.exec_driver_sql("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
        await conn.execute(notes.insert().values(id=1, text="beras"))
    return database


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    """A database with one table, `notes`, holding one row, on SQLite and on PostgreSQL."""
    database = await _notes_database(database_url)
    yield database
    await database.close()


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[Database]:
    """The same on SQLite only."""
    database = await _notes_database(f"sqlite:///{tmp_path / 'notes.db'}")
    yield database
    await database.close()


async def texts(db: Database) -> list[str]:
    return [row.text for row in await db.fetch(sa.select(notes.c.text).order_by(notes.c.id))]


async def test_a_write_commits_at_its_end_and_a_read_sees_it(db: Database) -> None:
    async with db.write() as conn:
        await conn.execute(notes.insert().values(id=2, text="gula"))
    async with db.read() as conn:
        count = (await conn.execute(sa.select(sa.func.count()).select_from(notes))).scalar()
    assert count == 2
    assert await texts(db) == ["beras", "gula"]


async def test_a_read_sees_one_state_while_a_write_commits_beside_it(db: Database) -> None:
    count = sa.select(sa.func.count()).select_from(notes)
    async with db.read() as conn:
        before = (await conn.execute(count)).scalar()
        async with db.write() as other:
            await other.execute(notes.insert().values(id=2, text="gula"))
        during = (await conn.execute(count)).scalar()
    assert before == during == 1
    assert await texts(db) == ["beras", "gula"]  # the next read sees it


async def test_a_write_that_raises_leaves_nothing_behind(db: Database) -> None:
    with pytest.raises(sa.exc.IntegrityError):
        async with db.write() as conn:
            await conn.execute(notes.update().where(notes.c.id == 1).values(text="gula"))
            await conn.execute(notes.insert().values(id=1, text="again"))  # same key
    assert await texts(db) == ["beras"]
    async with db.write() as conn:  # the connection went back to the pool in good order
        await conn.execute(notes.insert().values(id=2, text="telur"))
    assert await texts(db) == ["beras", "telur"]


async def test_writers_waiting_for_their_turn_hold_no_connection_and_go_in_order(
    sqlite_db: Database,
) -> None:
    first_in = asyncio.Event()
    may_commit = asyncio.Event()
    order: list[int] = []

    async def write(n: int) -> None:
        async with sqlite_db.write() as conn:
            await conn.execute(notes.insert().values(id=10 + n, text=f"item {n}"))
            order.append(n)
            if n == 0:
                first_in.set()
                await may_commit.wait()

    writers = [asyncio.create_task(write(0))]
    await first_in.wait()
    # More writers than the pool holds connections (5 and 10 more): they queue in the loop.
    writers += [asyncio.create_task(write(n)) for n in range(1, 21)]
    await asyncio.sleep(0.1)
    assert sqlite_db.engine.pool.checkedout() == 1  # type: ignore[attr-defined]
    may_commit.set()
    await asyncio.gather(*writers)
    assert order == list(range(21))
    assert len(await texts(sqlite_db)) == 22


async def test_a_turn_that_does_not_come_in_time_fails_as_a_locked_database(
    sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(storage.db, "SQLITE_BUSY_TIMEOUT_MS", 200)
    holding = asyncio.Event()

    async def slow_write() -> None:
        async with sqlite_db.write() as conn:
            await conn.execute(notes.insert().values(id=2, text="gula"))
            holding.set()
            await asyncio.sleep(1.0)

    slow = asyncio.create_task(slow_write())
    await holding.wait()
    started = time.monotonic()
    with pytest.raises(sa.exc.OperationalError) as raised:
        async with sqlite_db.write() as conn:
            await conn.execute(notes.insert().values(id=3, text="telur"))
    assert is_database_busy(raised.value)
    assert 0.2 <= time.monotonic() - started < 0.9
    await slow
    assert await texts(sqlite_db) == ["beras", "gula"]


async def test_postgresql_writers_do_not_wait_for_each_other(postgres_url: str) -> None:
    database = await _notes_database(postgres_url)
    both_in = asyncio.Barrier(2)

    async def write(n: int) -> None:
        async with database.write() as conn:
            await conn.execute(notes.insert().values(id=10 + n, text=f"item {n}"))
            await asyncio.wait_for(both_in.wait(), 5)  # only if both are open at once

    try:
        await asyncio.gather(write(1), write(2))
        assert await texts(database) == ["beras", "item 1", "item 2"]
    finally:
        await database.close()
