"""Whether a bot is running on a database: a lock each running bot holds while it lives.

A restore takes the lock alone, so it is refused while a bot runs and no bot starts while it
restores. The operating system or the server drops the lock with its holder, so a bot killed
with kill -9 blocks nothing afterwards:

- SQLite: flock on a file beside the database (`kiosdesa.db.lock`), released by the kernel
  when the process ends however it ends. (Not SQLite's own file: closing any other handle on
  it would drop SQLite's locks.) One process alone may run bots on a SQLite file: a second
  `kiosdesa run` would fight the first over Telegram's updates. The holder writes its pid
  into the file, so the one refused can say which process to look at.
- PostgreSQL: a shared session advisory lock, released by the server when the connection
  closes; several processes may hold it.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db import Database, StorageUnavailable

try:
    import fcntl
except ImportError:  # Windows: no flock; the SQLite marker is not kept there
    fcntl = None  # type: ignore[assignment]

# The advisory lock's key on PostgreSQL: "kiosdesa" as a 64-bit number.
ADVISORY_KEY = int.from_bytes(b"kiosdesa", "big")
# What the holder of a SQLite lock file writes into it after its pid.
BOTS, RESTORE = "bots", "restore"


@dataclass
class _Holding:
    """A SQLite lock file this process holds for its bots, and how many bots share it."""

    handle: IO[bytes]
    bots: int = 0


# Several bots of one process share its one lock (flock would set them against each other).
_HELD: dict[Path, _Holding] = {}


class DatabaseBusy(StorageUnavailable):
    """A bot runs on the database (or a restore holds it); one line for the operator."""


def lock_path(db: Database) -> Path | None:
    """The lock file beside a SQLite database file; None for PostgreSQL or a memory database."""
    return _sqlite_lock_path(db.url) if db.is_sqlite else None


def _sqlite_lock_path(url: str) -> Path | None:
    """The lock file of a SQLite URL's file; None for another database or a memory one."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return None  # not a URL at all: the start fails before it creates anything
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    return None if database.startswith("file:") else Path(f"{database}.lock")


@asynccontextmanager
async def bot_running(db: Database) -> AsyncIterator[None]:
    """Mark the database as in use by this process's bots; DatabaseBusy if another holds it."""
    path = lock_path(db)
    if not db.is_sqlite:
        busy = DatabaseBusy(
            "a restore or copy of this database is under way: start the bot when it is done"
        )
        async with _held(db, exclusive=False, busy=busy):
            yield
        return
    if path is None or fcntl is None:  # a memory database, or Windows: nothing to mark
        yield
        return
    holding = _HELD.get(path) or _HELD.setdefault(path, _Holding(_take(path, BOTS)))
    holding.bots += 1
    try:
        yield
    finally:
        holding.bots -= 1
        if not holding.bots:
            del _HELD[path]
            holding.handle.close()  # closing it releases the flock


@asynccontextmanager
async def no_bot_running(db: Database) -> AsyncIterator[None]:
    """Hold the database alone for the block; DatabaseBusy when a bot runs on it."""
    path = lock_path(db)
    if not db.is_sqlite:
        busy = DatabaseBusy("the bot is running on this database: stop it first")
        async with _held(db, exclusive=True, busy=busy):
            yield
        return
    if path is None or fcntl is None:
        yield
        return
    if path in _HELD:
        raise DatabaseBusy(
            f"the bot is running on this database (pid {os.getpid()}): stop it first"
        )
    with _take(path, RESTORE):
        yield


def _take(path: Path, purpose: str) -> IO[bytes]:
    """The lock file opened and locked alone, our pid written in; DatabaseBusy if held."""
    while True:
        handle = os.fdopen(os.open(path, os.O_RDWR | os.O_CREAT, 0o600), "r+b")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = handle.read(100).decode("ascii", errors="replace").split()
            handle.close()
            raise _busy(path, purpose, holder) from None
        if _still_there(path, handle):
            break
        handle.close()  # a failed start removed the file meanwhile: lock the new one
    handle.truncate()
    handle.write(f"{os.getpid()} {purpose}\n".encode())
    handle.flush()
    return handle


def _still_there(path: Path, handle: IO[bytes]) -> bool:
    """Whether `handle` is the file at `path` now, not one removed after it was opened."""
    try:
        return os.stat(path).st_ino == os.fstat(handle.fileno()).st_ino
    except FileNotFoundError:
        return False


def _busy(path: Path, purpose: str, holder: list[str]) -> DatabaseBusy:
    """Who holds the lock file (the pid and purpose its holder wrote), in one line."""
    database = path.name.removesuffix(".lock")
    pid = f" (pid {holder[0]})" if holder and holder[0].isdigit() else ""
    if holder[1:2] == [RESTORE]:
        return DatabaseBusy(
            f"a restore or copy of {database} is under way{pid}: try again when it is done"
        )
    if purpose == RESTORE:
        return DatabaseBusy(f"the bot is running on this database{pid}: stop it first")
    return DatabaseBusy(
        f"another kiosdesa is running on {database}{pid}: stop it first "
        "(one process at a time may run bots on a SQLite file)"
    )


def files_a_start_creates(url: str) -> list[Path]:
    """The SQLite file and its lock file that are not there yet: a start creates them."""
    lock = _sqlite_lock_path(url)
    if lock is None:
        return []
    database = Path(str(lock).removesuffix(".lock"))
    return [p for p in (database, lock) if not p.exists()]


def forget_failed_start(created: list[Path]) -> None:
    """Remove what a start that failed created, unless something was written into it."""
    for path in created:
        if path.suffix != ".lock" and path.exists() and path.stat().st_size:
            return  # the database has tables: it stays, and its lock file with it
    for path in created:
        path.unlink(missing_ok=True)


@asynccontextmanager
async def _held(db: Database, *, exclusive: bool, busy: DatabaseBusy) -> AsyncIterator[None]:
    """PostgreSQL's advisory lock on `db`, taken without waiting; `busy` if held the other way."""
    async with db.engine.connect() as conn:
        try:
            await _advisory_lock(conn, exclusive, busy)
            yield
        finally:
            # Closed, not given back to the pool: the server drops the session's lock.
            await conn.invalidate()


async def _advisory_lock(conn: AsyncConnection, exclusive: bool, busy: DatabaseBusy) -> None:
    """Take the session advisory lock on `conn`, or raise `busy`."""
    function = "pg_try_advisory_lock" if exclusive else "pg_try_advisory_lock_shared"
    taken = await conn.scalar(sa.text(f"SELECT {function}(:key)"), {"key": ADVISORY_KEY})
    await conn.commit()  # a session lock outlives the transaction; the connection stays idle
    if not taken:
        raise busy
