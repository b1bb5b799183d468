"""The SQLite driver: statements inline, bulk rows on aiosqlite's thread, busy waits async.

What any database does (commit, roll back, writers' turns) is in test_database.py.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
import sqlalchemy as sa

import storage.db
from storage.db import Database
from storage.errors import is_database_busy
from storage.sqlite_driver import BULK_ROWS

notes = sa.table("notes", sa.column("id"), sa.column("text"))


@pytest.fixture
def trips(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every call queued on an aiosqlite thread, by the name of the function it runs."""
    seen: list[str] = []
    queue_call = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(getattr(fn, "__name__", repr(fn)))
        return await queue_call(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    yield seen


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'driver.db'}")
    async with database.write() as conn:
        await conn.exec_driver_sql("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
        await conn.execute(notes.insert().values(id=1, text="beras"))
    yield database
    await database.close()


async def count(db: Database) -> int:
    """How many notes there are."""
    rows = await db.fetch(sa.select(sa.func.count()).select_from(notes))
    return int(rows[0][0])


async def test_statements_and_commits_run_inline_without_a_trip_to_the_thread(
    db: Database, trips: list[str]
) -> None:
    async with db.read() as conn:
        rows = (await conn.execute(sa.select(notes.c.text))).all()
    assert [row.text for row in rows] == ["beras"]
    async with db.write() as conn:
        await conn.execute(sa.select(notes.c.id))
        await conn.execute(notes.update().where(notes.c.id == 1).values(text="gula"))
    assert [row.text for row in await db.fetch(sa.select(notes.c.text))] == ["gula"]
    assert trips == []


async def test_a_transaction_begins_with_its_first_statement_and_only_then(
    db: Database, tmp_path: Path
) -> None:
    other = sqlite3.connect(tmp_path / "driver.db", timeout=0, isolation_level=None)
    try:
        async with db.write():
            other.execute("BEGIN IMMEDIATE")  # free: nothing ran, so no transaction began
            other.execute("ROLLBACK")
        await db.fetch(sa.select(notes.c.text))  # a lone read holds no transaction open after it
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
    finally:
        other.close()


async def test_a_write_holds_the_write_lock_from_its_first_statement(
    db: Database, tmp_path: Path
) -> None:
    other = sqlite3.connect(tmp_path / "driver.db", timeout=0, isolation_level=None)
    try:
        async with db.write() as conn:
            await conn.execute(sa.select(notes.c.id))  # a read, yet BEGIN IMMEDIATE came first
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")  # free again once committed
        other.execute("ROLLBACK")
    finally:
        other.close()


async def test_many_rows_in_one_statement_go_to_the_thread_a_few_stay_inline(
    db: Database, trips: list[str]
) -> None:
    async with db.write() as conn:
        await conn.execute(notes.insert(), [{"id": n, "text": f"item {n}"} for n in (2, 3)])
    assert trips == []
    bulk = [{"id": n, "text": f"item {n}"} for n in range(4, 4 + BULK_ROWS)]
    async with db.write() as conn:
        await conn.execute(notes.insert(), bulk)
    assert trips == ["executemany", "close"]  # a big import does not stall the event loop
    async with db.read() as conn:
        result = await conn.execute(sa.select(notes.c.id).order_by(notes.c.id))
        assert result.fetchone() == (1,)
        assert len(result.fetchmany(10)) == 10
        assert len(result.all()) == BULK_ROWS + 2 - 10


async def _ticks_while(work: Any) -> tuple[Any, int]:
    """Run `work`, counting how often another task got the event loop meanwhile."""
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticker = asyncio.create_task(tick())
    try:
        return await work, ticks
    finally:
        ticker.cancel()


async def test_a_writer_waits_for_the_lock_without_blocking_the_loop(
    db: Database, tmp_path: Path
) -> None:
    other = sqlite3.connect(tmp_path / "driver.db", timeout=0, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process writing for 0.3 s
    asyncio.get_running_loop().call_later(0.3, other.execute, "ROLLBACK")

    async def write() -> float:
        started = time.monotonic()
        async with db.write() as conn:
            await conn.execute(notes.insert().values(id=2, text="telur"))
        return time.monotonic() - started

    try:
        waited, ticks = await _ticks_while(write())
    finally:
        other.close()
    assert waited >= 0.25
    assert ticks >= 10  # the loop went on serving others while the writer waited
    assert await count(db) == 2


async def test_a_lock_held_past_the_wait_fails_as_sqlite_would_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(storage.db, "SQLITE_BUSY_TIMEOUT_MS", 200)
    database = Database(f"sqlite:///{tmp_path / 'busy.db'}")
    async with database.write() as conn:
        await conn.exec_driver_sql("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
    other = sqlite3.connect(tmp_path / "busy.db", timeout=0, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    started = time.monotonic()
    try:
        with pytest.raises(sa.exc.OperationalError) as raised:
            async with database.write() as conn:
                await conn.execute(notes.insert().values(id=1, text="beras"))
        waited = time.monotonic() - started
        other.execute("ROLLBACK")
        assert is_database_busy(raised.value)
        assert 0.2 <= waited < 2.0
        assert await count(database) == 0
    finally:
        other.close()
        await database.close()


async def test_a_commit_waits_for_a_reader_where_the_file_has_no_wal(
    db: Database, tmp_path: Path
) -> None:
    await db.fetch(sa.text("PRAGMA journal_mode = DELETE"))  # as without WAL: readers block commits
    reader = sqlite3.connect(tmp_path / "driver.db", timeout=0, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT * FROM notes").fetchall()  # holds SQLite's shared lock
    asyncio.get_running_loop().call_later(0.3, reader.execute, "COMMIT")

    async def write() -> None:
        async with db.write() as conn:
            await conn.execute(notes.update().where(notes.c.id == 1).values(text="gula"))

    try:
        _, ticks = await _ticks_while(write())
    finally:
        reader.close()
    assert ticks >= 10
    assert [row.text for row in await db.fetch(sa.select(notes.c.text))] == ["gula"]
