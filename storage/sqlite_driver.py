"""SQLite through aiosqlite with one trip to its thread a statement.

aiosqlite runs every call on its own thread, and each call is a round trip: a queue put, a
wake-up of the thread and a wake-up of the event loop, about 0.1 ms of CPU. SQLAlchemy's
aiosqlite adapter makes four of them for a SELECT (open a cursor, execute, fetch, close) and
three for BEGIN, so a one-query transaction cost eight. Here a statement is one trip (its
cursor opened, run, read and closed on the thread) and BEGIN rides along with the first
statement, so that transaction costs two: the query and the commit. A transaction that ran
no statement costs none.

Used through `create_async_engine(..., module=one_trip_dbapi())` with the stock aiosqlite
dialect; `begin_with_next_statement` is what the engine's "begin" event calls instead of
running BEGIN on its own. It reaches one private aiosqlite call, `Connection._execute` (queue a
function on the connection's thread), pinned with aiosqlite's version in pyproject.toml.
"""

from __future__ import annotations

import sqlite3
from collections import deque
from collections.abc import Iterator, Sequence
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util.concurrency import await_

# What sqlite3 hands back for one statement: description, rows, lastrowid, rowcount, and
# whether a transaction is open after it.
_Outcome = tuple[Any, list[Any], int | None, int, bool]


def _run_statement(
    conn: sqlite3.Connection, begin: str | None, operation: str, parameters: Any, many: bool
) -> _Outcome:
    """On the connection's thread: BEGIN if one is pending, then the statement, read whole."""
    if begin is not None:
        conn.execute(begin)
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


class OneTripCursor:
    """A DB-API cursor whose statement and rows come back from the thread in one trip."""

    server_side = False

    def __init__(self, adapt_connection: OneTripConnection) -> None:
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
        """Run one statement for each parameter set, in one trip."""
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
        """Nothing is open on the thread any more; drop the rows."""
        self._rows.clear()

    async def _async_soft_close(self) -> None:
        """SQLAlchemy's asyncio results call this; the rows are already here."""

    def setinputsizes(self, *inputsizes: Any) -> None:
        """Not used by SQLite."""


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    """SQLAlchemy's aiosqlite connection, with one-trip cursors and BEGIN sent with a statement."""

    __slots__ = ("_in_transaction", "_pending_begin")

    _cursor_cls = OneTripCursor  # type: ignore[assignment]

    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        self._pending_begin: str | None = None
        # Whether SQLite holds a transaction open, as of the last trip (True when unsure).
        self._in_transaction = True

    def begin_with_next_statement(self, sql: str) -> None:
        """Open the transaction (`BEGIN` or `BEGIN IMMEDIATE`) with the next statement."""
        self._pending_begin = sql

    def run(self, operation: str, parameters: Any, *, many: bool) -> _Outcome:
        """One trip to the thread: a pending BEGIN, then the statement."""
        begin, self._pending_begin = self._pending_begin, None
        aio: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        self._in_transaction = True
        try:
            outcome: _Outcome = await_(
                aio._execute(  # type: ignore[no-untyped-call]
                    _run_statement, aio._conn, begin, operation, parameters, many
                )
            )
        except Exception as error:
            self._handle_exception(error)
        self._in_transaction = outcome[4]
        return outcome

    def commit(self) -> None:
        """Commit; costs nothing when no transaction is open (none began, or it ended)."""
        self._pending_begin = None
        if self._in_transaction:
            super().commit()
            self._in_transaction = False

    def rollback(self) -> None:
        """Roll back; as commit, nothing to do when no transaction is open.

        The pool rolls back every connection given back to it, after the commit too.
        """
        self._pending_begin = None
        if self._in_transaction:
            super().rollback()
            self._in_transaction = False


class OneTripDbapi(AsyncAdapt_aiosqlite_dbapi):
    """The DB-API module SQLAlchemy's aiosqlite dialect is given: connects OneTripConnections."""

    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        """Open an aiosqlite connection (its thread a daemon, as SQLAlchemy does)."""
        connection = self.aiosqlite.connect(*arg, **kw)
        connection._thread.daemon = True
        return OneTripConnection(self, await_(connection))


def one_trip_dbapi() -> OneTripDbapi:
    """The module argument for create_async_engine."""
    return OneTripDbapi(aiosqlite, sqlite3)
