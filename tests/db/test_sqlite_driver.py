"""The SQLite driver: one trip to aiosqlite's thread a statement, transactions as before."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
import sqlalchemy as sa

from storage.db import Database

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


async def test_a_query_costs_one_trip_and_the_commit_another(
    db: Database, trips: list[str]
) -> None:
    async with db.read() as conn:
        rows = (await conn.execute(sa.select(notes.c.text))).all()
    assert [row.text for row in rows] == ["beras"]
    assert trips == ["_run_statement", "commit"]

    trips.clear()
    async with db.write() as conn:
        await conn.execute(sa.select(notes.c.id))
        await conn.execute(notes.update().where(notes.c.id == 1).values(text="gula"))
    assert trips == ["_run_statement", "_run_statement", "commit"]

    trips.clear()
    async with db.write():
        pass
    assert trips == []  # nothing ran, so no transaction began


async def test_a_lone_query_needs_no_transaction_so_one_trip(
    db: Database, trips: list[str]
) -> None:
    async with db.query() as conn:
        assert (await conn.execute(sa.select(notes.c.text))).scalar_one() == "beras"
    assert trips == ["_run_statement"]
    trips.clear()
    async with db.write() as conn:  # a write after it still opens its transaction
        await conn.execute(notes.update().values(text="gula"))
    assert trips == ["_run_statement", "commit"]
    async with db.query() as conn:
        assert (await conn.execute(sa.select(notes.c.text))).scalar_one() == "gula"


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


async def test_a_failed_statement_rolls_back_the_whole_transaction(db: Database) -> None:
    with pytest.raises(sa.exc.IntegrityError):
        async with db.write() as conn:
            await conn.execute(notes.update().where(notes.c.id == 1).values(text="gula"))
            await conn.execute(notes.insert().values(id=1, text="again"))  # same key
    async with db.read() as conn:
        assert (await conn.execute(sa.select(notes.c.text))).scalars().all() == ["beras"]
    async with db.write() as conn:  # the connection went back to the pool in good order
        await conn.execute(notes.insert().values(id=2, text="telur"))
    async with db.read() as conn:
        assert (await conn.execute(sa.select(sa.func.count()).select_from(notes))).scalar() == 2


async def test_many_rows_in_one_statement(db: Database, trips: list[str]) -> None:
    async with db.write() as conn:
        await conn.execute(notes.insert(), [{"id": n, "text": f"item {n}"} for n in range(2, 52)])
    assert trips == ["_run_statement", "commit"]
    async with db.read() as conn:
        result = await conn.execute(sa.select(notes.c.id).order_by(notes.c.id))
        assert result.fetchone() == (1,)
        assert len(result.fetchmany(10)) == 10
        assert len(result.all()) == 40
