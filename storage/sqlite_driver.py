"""SQLite through aiosqlite, with each single statement run inline on the event loop.

aiosqlite runs every call on its own thread, and each call is a round trip: a queue put, a
wake-up of the thread, a wake-up of the event loop and the GIL handed back and forth, 0.1 to
0.2 ms of CPU. The statements this bot runs take a few microseconds inside SQLite (rows found
by key or index, WAL mode, commits that do not wait for the disk), so the trip cost them ten
to thirty times their work. Here a single statement, COMMIT and ROLLBACK run inline, on the
connection aiosqlite opened; only a statement for many rows at once (an executemany of
BULK_ROWS or more: a catalog import) goes to aiosqlite's thread, so it does not stall the
loop. BEGIN rides along with the first statement, so a transaction that ran none costs
nothing. A database another process holds locked is waited for as sqlite_busy.py says.

Used through `create_async_engine(..., module=inline_dbapi())` with the stock aiosqlite
dialect; storage.db's Database calls `begin_with_next_statement` when it begins a
transaction. It reaches into aiosqlite for the sqlite3 connection (`Connection._conn`) and
its thread (`_thread`, made a daemon as SQLAlchemy does), pinned with aiosqlite's version in
pyproject.toml.
"""

from __future__ import annotations

import sqlite3
from collections import deque
from collections.abc import Generator, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from typing import Any, Generic, TypeVar

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util.concurrency import await_

from storage.sqlite_busy import is_busy, now_or_when_free, when_free

# What sqlite3 hands back for one statement: description, rows, lastrowid, rowcount, and
# whether a transaction is open after it.
_Outcome = tuple[Any, list[Any], int | None, int, bool]
_T = TypeVar("_T")

# Parameter sets from which an executemany goes to aiosqlite's thread (fewer take microseconds).
BULK_ROWS = 100


def _run_statement(
    conn: sqlite3.Connection, operation: str, parameters: Any, many: bool
) -> _Outcome:
    """The statement (for one parameter set, or for each of many), its rows read whole."""
    cursor = conn.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        else:
            cursor.execute(operation, () if parameters is None else parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, rows, cursor.lastrowid, cursor.rowcount, conn.in_transaction
    finally:
        cursor.close()


class _Ready(Generic[_T]):
    """An awaitable that is already done: what a statement that ran inline gives `await_`.

    SQLAlchemy's AsyncConnection.execute insists that its driver awaited something (a check
    for sync drivers slipped under asyncio); this satisfies it for the price of a generator
    step rather than a coroutine run by the event loop's task.
    """

    __slots__ = ("_value",)

    def __init__(self, value: _T) -> None:
        self._value = value

    def __await__(self) -> Generator[Any, None, _T]:
        return self._value
        yield  # a generator: awaiting it returns at once


class InlineCursor:
    """A DB-API cursor whose statement has run, and whose rows are read, when it executes."""

    server_side = False

    def __init__(self, adapt_connection: InlineConnection) -> None:
        self._adapt_connection = adapt_connection
        self._rows: deque[Any] = deque()
        self.description: Any = None
        self.lastrowid: int | None = None
        self.rowcount = -1
        self.arraysize = 1

    def execute(self, operation: str, parameters: Any = None) -> None:
        """Run one statement; its rows are held here until fetched."""
        self._store(self._adapt_connection.run(operation, parameters, many=False))

    def executemany(self, operation: str, seq_of_parameters: Sequence[Any]) -> None:
        """Run one statement for each parameter set (many of them on aiosqlite's thread)."""
        self._store(self._adapt_connection.run(operation, seq_of_parameters, many=True))

    def _store(self, outcome: _Outcome) -> None:
        self.description, rows, self.lastrowid, self.rowcount, _ = outcome
        self._rows = deque(rows)

    def fetchone(self) -> Any:
        """The next row, or None."""
        return self._rows.popleft() if self._rows else None

    def fetchmany(self, size: int | None = None) -> list[Any]:
        """Up to `size` rows (arraysize by default)."""
        count = min(self.arraysize if size is None else size, len(self._rows))
        return [self._rows.popleft() for _ in range(count)]

    def fetchall(self) -> list[Any]:
        """Every row left."""
        rows = list(self._rows)
        self._rows.clear()
        return rows

    def __iter__(self) -> Iterator[Any]:
        while self._rows:
            yield self._rows.popleft()

    def close(self) -> None:
        """Nothing is open in SQLite any more; drop the rows."""
        self._rows.clear()

    async def _async_soft_close(self) -> None:
        """SQLAlchemy's asyncio results call this; the rows are already here."""

    def setinputsizes(self, *inputsizes: Any) -> None:
        """Not used by SQLite."""


class InlineConnection(AsyncAdapt_aiosqlite_connection):
    """SQLAlchemy's aiosqlite connection, running statements inline, BEGIN with the first."""

    __slots__ = ("_busy_wait_s", "_in_transaction", "_pending_begin")

    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        self._pending_begin: str | None = None
        # Whether SQLite holds a transaction open, as of the last statement (True when unsure).
        self._in_transaction = True
        self._busy_wait_s = 0.0

    def cursor(self, server_side: bool = False) -> InlineCursor:  # type: ignore[override]
        """A cursor that runs its statements inline (there are no server-side cursors)."""
        return InlineCursor(self)

    def wait_when_busy(self, seconds: float) -> None:
        """How long a statement that finds the database locked keeps trying."""
        self._busy_wait_s = seconds

    def begin_with_next_statement(self, sql: str) -> None:
        """Open the transaction (`BEGIN` or `BEGIN IMMEDIATE`) with the next statement."""
        self._pending_begin = sql

    @property
    def _aiosqlite(self) -> aiosqlite.Connection:
        return self._connection  # type: ignore[return-value]

    @property
    def _sqlite(self) -> sqlite3.Connection:
        try:
            return self._aiosqlite._conn
        except ValueError as closed:  # aiosqlite's "no active connection"
            raise sqlite3.OperationalError(str(closed)) from closed

    def run(self, operation: str, parameters: Any, *, many: bool) -> _Outcome:
        """A pending BEGIN, then the statement; SQLAlchemy's sync layer calls this."""
        begin, self._pending_begin = self._pending_begin, None
        self._in_transaction = True
        # Only a statement that opens its transaction (or runs alone) can be tried again:
        # nothing of it has happened when SQLite answers busy.
        retry = not self._sqlite.in_transaction and (begin is not None or not many)
        if many and len(parameters) >= BULK_ROWS:
            bulk = partial(self._bulk, begin, operation, parameters)
            outcome = await_(when_free(bulk, self._busy_wait_s, retry=retry))
        else:
            inline = partial(self._inline, begin, operation, parameters, many)
            outcome = await_(_Ready(now_or_when_free(inline, self._busy_wait_s, retry=retry)))
        self._in_transaction = outcome[4]
        return outcome

    def _inline(self, begin: str | None, operation: str, parameters: Any, many: bool) -> _Outcome:
        with self._opening(begin):
            return _run_statement(self._sqlite, operation, parameters, many)

    async def _bulk(self, begin: str | None, operation: str, parameters: Any) -> _Outcome:
        with self._opening(begin):
            cursor = await self._aiosqlite.executemany(operation, parameters)
            try:
                return (
                    cursor.description,
                    [],  # an executemany returns no rows
                    cursor.lastrowid,
                    cursor.rowcount,
                    self._sqlite.in_transaction,
                )
            finally:
                await cursor.close()

    @contextmanager
    def _opening(self, begin: str | None) -> Iterator[None]:
        """Run `begin` first unless a transaction is open; undo it if SQLite answers busy."""
        conn = self._sqlite
        opened = False
        if begin is not None and not conn.in_transaction:
            conn.execute(begin)
            opened = True
        try:
            yield
        except sqlite3.OperationalError as error:
            if opened and is_busy(error):
                conn.rollback()  # only this statement's BEGIN had run
            raise

    def commit(self) -> None:
        """Commit; costs nothing when no transaction is open (none began, or it ended)."""
        self._pending_begin = None
        if self._in_transaction:
            # A reader can be in the way (no WAL).
            now_or_when_free(self._sqlite.commit, self._busy_wait_s, retry=True)
            self._in_transaction = False

    def rollback(self) -> None:
        """Roll back; as commit, nothing to do when no transaction is open.

        The pool rolls back every connection given back to it, after the commit too.
        """
        self._pending_begin = None
        if self._in_transaction:
            try:
                conn = self._sqlite
            except sqlite3.OperationalError:  # closed: nothing is open any more
                conn = None
            if conn is not None:
                conn.rollback()
        self._in_transaction = False


class InlineDbapi(AsyncAdapt_aiosqlite_dbapi):
    """The DB-API module SQLAlchemy's aiosqlite dialect is given: connects InlineConnections."""

    def connect(self, *arg: Any, **kw: Any) -> InlineConnection:
        """Open an aiosqlite connection (its thread a daemon, as SQLAlchemy does)."""
        connection = self.aiosqlite.connect(*arg, **kw)
        connection._thread.daemon = True
        return InlineConnection(self, await_(connection))


def inline_dbapi() -> InlineDbapi:
    """The module argument for create_async_engine."""
    return InlineDbapi(aiosqlite, sqlite3)
