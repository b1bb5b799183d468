"""Whether a bot is running on a database: a lock each running bot holds while it lives.

A bot holds a shared lock, so several may run; a restore takes the lock alone, so it is refused
while any bot runs and no bot starts while it restores. The operating system or the server
drops the lock with its holder, so a bot killed with kill -9 blocks nothing afterwards:

- SQLite: flock on a file beside the database (`kiosdesa.db.lock`), released by the kernel
  when the process ends however it ends. (Not SQLite's own file: closing any other handle on
  it would drop SQLite's locks.)
- PostgreSQL: a session advisory lock, released by the server when the connection closes.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import IO

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db import Database, StorageUnavailable

try:
    import fcntl
except ImportError:  # Windows: no flock; the SQLite marker is not kept there
    fcntl = None  # type: ignore[assignment]

# The advisory lock's key on PostgreSQL: "kiosdesa" as a 64-bit number.
ADVISORY_KEY = int.from_bytes(b"kiosdesa", "big")


class DatabaseBusy(StorageUnavailable):
    """A bot runs on the database (or a restore holds it); one line for the operator."""


def lock_path(db: Database) -> Path | None:
    """The lock file beside a SQLite database file; None for PostgreSQL or a memory database."""
    if not db.is_sqlite:
        return None
    database = make_url(db.url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(f"{database}.lock")


@asynccontextmanager
async def bot_running(db: Database) -> AsyncIterator[None]:
    """Mark the database as in use by a running bot for the block; DatabaseBusy during a restore."""
    busy = DatabaseBusy("a restore of this database is under way: start the bot when it is done")
    async with _held(db, exclusive=False, busy=busy):
        yield


@asynccontextmanager
async def no_bot_running(db: Database) -> AsyncIterator[None]:
    """Hold the database alone for the block; DatabaseBusy when a bot runs on it."""
    busy = DatabaseBusy("the bot is running on this database: stop it first")
    async with _held(db, exclusive=True, busy=busy):
        yield


@asynccontextmanager
async def _held(db: Database, *, exclusive: bool, busy: DatabaseBusy) -> AsyncIterator[None]:
    """The lock of `db`, taken without waiting; `busy` when another holds it the other way."""
    if not db.is_sqlite:
        async with db.engine.connect() as conn:
            try:
                await _advisory_lock(conn, exclusive, busy)
                yield
            finally:
                # Closed, not given back to the pool: the server drops the session's lock.
                await conn.invalidate()
        return
    path = lock_path(db)
    if path is None or fcntl is None:
        yield
        return
    with _lock_file(path) as handle:
        mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
        try:
            fcntl.flock(handle, mode | fcntl.LOCK_NB)
        except BlockingIOError:
            raise busy from None
        yield


async def _advisory_lock(conn: AsyncConnection, exclusive: bool, busy: DatabaseBusy) -> None:
    """Take the session advisory lock on `conn`, or raise `busy`."""
    function = "pg_try_advisory_lock" if exclusive else "pg_try_advisory_lock_shared"
    taken = await conn.scalar(sa.text(f"SELECT {function}(:key)"), {"key": ADVISORY_KEY})
    await conn.commit()  # a session lock outlives the transaction; the connection stays idle
    if not taken:
        raise busy


@contextmanager
def _lock_file(path: Path) -> Iterator[IO[bytes]]:
    """The lock file, opened (created readable by its owner alone) for the block."""
    handle = os.fdopen(os.open(path, os.O_RDWR | os.O_CREAT, 0o600), "r+b")
    with handle:  # closing its last handle releases the flock
        yield handle
