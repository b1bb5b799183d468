"""The database: one engine, on SQLite (statements inline: sqlite_driver.py) or PostgreSQL.

Reads: `async with db.read() as conn` sees one state of the data; `db.fetch(q)` is one query's.
Writes: `async with db.write() as conn` is one transaction, committed at its end or rolled back.

A process's SQLite writers take turns on an asyncio lock before their BEGIN IMMEDIATE, so they
queue in the event loop rather than at SQLite's lock; only another process (a backup, a second
bot) makes a writer wait at SQLite, up to SQLITE_BUSY_TIMEOUT_MS. PostgreSQL's row locks order
its writers, so there is no such lock.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import sqlite3
import weakref
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, closing, contextmanager, suppress
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Executable, Insert, Row, Table, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.util import greenlet_spawn

from storage.database_url import StorageUnavailable as StorageUnavailable
from storage.database_url import async_url, first_line, safe_url
from storage.sqlite_driver import InlineConnection, inline_dbapi
from storage.update_claim import current_claim, mark_claimed

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# How long a SQLite writer waits for its turn, and then for another process's lock, before
# "database is locked".
SQLITE_BUSY_TIMEOUT_MS = 15_000


def _prepare_sqlite(engine: AsyncEngine) -> None:
    """Every new SQLite connection: no implicit transactions, WAL, foreign keys, busy waits.

    Transactions are the Database's to begin (`_begin`); a lone statement runs without one.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: InlineConnection, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        # The driver waits for a busy database itself, without blocking the event loop.
        dbapi_connection.wait_when_busy(SQLITE_BUSY_TIMEOUT_MS / 1000)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout = 0")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()


class Database:
    """Owns the engine and hands out transactions: `read()`, `write()`, and `fetch()`."""

    def __init__(self, database_url: str) -> None:
        self.url = async_url(database_url)
        # As the operator wrote it, password masked: messages name it so, not the driver's form.
        self.shown_url = safe_url(database_url)
        self.is_sqlite = self.url.startswith("sqlite")
        if self.is_sqlite:
            self.engine = create_async_engine(self.url, module=inline_dbapi())
            _prepare_sqlite(self.engine)
        else:
            self.engine = create_async_engine(self.url, pool_pre_ping=True)
        # SQLite's writers' turns (one at a time); PostgreSQL needs none.
        self._writers = asyncio.Lock() if self.is_sqlite else None

    @asynccontextmanager
    async def write(self, *, replay_safe: bool = False) -> AsyncIterator[AsyncConnection]:
        """A read-write transaction, committed on success and rolled back on error.

        On SQLite it waits for this process's earlier writers first; a turn that does not come
        within SQLITE_BUSY_TIMEOUT_MS fails as a locked database does (OperationalError).
        The first write of an inbox update's handling also marks it handled, or raises
        UpdateHandledAlready if another process did (storage/update_claim.py); a
        `replay_safe` write (bookkeeping a replay would only repeat) marks nothing.
        """
        if self._writers is None:
            async with self._claiming_transaction(replay_safe) as conn:
                yield conn
            return
        await _take_turn(self._writers, SQLITE_BUSY_TIMEOUT_MS / 1000)
        try:
            async with self._claiming_transaction(replay_safe) as conn:
                yield conn
        finally:
            self._writers.release()

    @asynccontextmanager
    async def _claiming_transaction(self, replay_safe: bool) -> AsyncIterator[AsyncConnection]:
        """A write transaction that, as the first of an inbox update's handling, marks the
        update handled with its changes (storage/update_claim.py)."""
        claim = None if replay_safe else current_claim()
        marking = claim is not None and claim.begin()
        committed = False
        try:
            async with self._transaction(writing=True) as conn:
                if marking:
                    assert claim is not None
                    await mark_claimed(conn, claim)
                yield conn
            committed = True
        finally:
            if marking:
                assert claim is not None
                claim.settle(committed=committed)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A read-only transaction: its statements see one state of the database.

        That state is taken at its first statement (SQLite's WAL snapshot, PostgreSQL's
        REPEATABLE READ); writes committed meanwhile are seen by the next transaction.
        """
        async with self._transaction(writing=False) as conn:
            yield conn

    async def fetch(
        self, statement: Executable, parameters: Mapping[str, Any] | None = None
    ) -> Sequence[Row[Any]]:
        """The rows of one read statement, run on its own (atomic) without a transaction.

        Taking a pooled connection, running the statement and giving the connection back
        happen in one pass through SQLAlchemy's greenlet, where `read()` takes three: each
        pass copies the caller's stack, and under load that was a third of a lone read's CPU.
        On SQLite it also saves the BEGIN and the COMMIT.
        """
        return await greenlet_spawn(self._fetch_now, statement, parameters)

    def _fetch_now(
        self, statement: Executable, parameters: Mapping[str, Any] | None
    ) -> Sequence[Row[Any]]:
        with self.engine.sync_engine.connect() as conn:
            return conn.execute(statement, parameters).all()

    @asynccontextmanager
    async def _transaction(self, *, writing: bool) -> AsyncIterator[AsyncConnection]:
        """A transaction, committed if the block ends and rolled back if it raises.

        Taking the connection and beginning, then ending and giving it back, each take one
        pass through SQLAlchemy's greenlet rather than two (as `fetch` does for a read).
        """
        sync_conn = await greenlet_spawn(self._begin, writing)
        try:
            yield AsyncConnection(self.engine, sync_conn)
        except BaseException:
            await greenlet_spawn(_end, sync_conn, commit=False)
            raise
        await greenlet_spawn(_end, sync_conn, commit=True)

    def _begin(self, writing: bool) -> Connection:
        """A pooled connection with its transaction begun.

        SQLAlchemy's BEGIN is a no-op on SQLite (whose driver would begin implicitly, here
        switched off), so the driver is told which BEGIN to put before the first statement: a
        writer's BEGIN IMMEDIATE (no read-to-write deadlock), a reader's BEGIN.
        A connection used without `_begin` (`fetch()`) runs each statement on its own,
        atomically, with no BEGIN or COMMIT around it. Without an event listener on the
        engine, SQLAlchemy skips its event dispatch on every statement (3% of the bot's CPU).
        """
        sync_conn = self.engine.sync_engine.connect()
        try:
            if self.is_sqlite:
                driver: InlineConnection = sync_conn.connection.dbapi_connection  # type: ignore[assignment]
                driver.begin_with_next_statement("BEGIN IMMEDIATE" if writing else "BEGIN")
            elif not writing:  # on the connection only until it goes back to the pool
                sync_conn.execution_options(isolation_level="REPEATABLE READ")
            sync_conn.begin()
        except BaseException:
            sync_conn.close()
            raise
        return sync_conn

    async def probe(self) -> None:
        """Open the database once, a new SQLite file private to its owner; else StorageUnavailable.

        Nothing is written: the bot checks the database, then Telegram, then migrates.
        """
        with self.unavailable():
            if self.is_sqlite:
                _probe_sqlite_file(self.url)
            else:
                await self._probe_server()

    async def migrate(self) -> None:
        """Apply every pending migration; StorageUnavailable if the database cannot be used."""
        with self.unavailable():
            async with _migration_lock(), self.write() as conn:
                await conn.run_sync(_upgrade_to_head)

    async def _probe_server(self) -> None:
        """Connect once, so an option in the URL the driver does not take is one line.

        asyncpg gets the URL's query options as arguments: `?sslmode=require` (it wants
        `?ssl=require`) is a TypeError, which is no OperationalError.
        """
        try:
            async with self.engine.connect():
                pass
        except (TypeError, ValueError) as exc:
            raise StorageUnavailable(
                f"DATABASE_URL {self.shown_url} has an option the driver does not take: "
                f"{self._detail(exc)}"
            ) from None

    @contextmanager
    def unavailable(self) -> Iterator[None]:
        """The driver's failures to open the database as StorageUnavailable, in one line."""
        try:
            yield
        except (OperationalError, DBAPIError, OSError, sqlite3.Error) as exc:
            raise StorageUnavailable(
                f"cannot open the database {self.shown_url}: {self._detail(exc)}"
            ) from exc

    def _detail(self, exc: BaseException) -> str:
        """The first line of `exc`, with the URL's password masked should the driver quote it."""
        password = make_url(self.url).password
        detail = first_line(exc)
        return detail.replace(password, "***") if password else detail

    def separate(self) -> Database:
        """The same database through connections of its own: for work that must not wait
        for a pooled connection behind everything else (renewing leases under load)."""
        return Database(self.url)

    async def close(self) -> None:
        """Release every connection."""
        await self.engine.dispose()


# Alembic keeps the running migration in module globals, so two migrations in one process
# (a second store opened beside a running bot, as tests do) must take turns.
_migration_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
    weakref.WeakKeyDictionary()
)


def _migration_lock() -> asyncio.Lock:
    """This event loop's lock around migrations."""
    return _migration_locks.setdefault(asyncio.get_running_loop(), asyncio.Lock())


async def _take_turn(writers: asyncio.Lock, wait_s: float) -> None:
    """Acquire `writers` within `wait_s` seconds, or fail as SQLite does when it stays locked."""
    try:
        async with asyncio.timeout(wait_s):
            await writers.acquire()
    except TimeoutError:
        locked = sqlite3.OperationalError("database is locked (by this process's other writers)")
        raise OperationalError("BEGIN IMMEDIATE", None, locked) from None


def _probe_sqlite_file(url: str) -> None:
    """Open the SQLite file once synchronously, so a bad path fails here and not in aiosqlite.

    When aiosqlite cannot open a file, its worker thread reports back after asyncio.run has
    closed the loop and prints a thread traceback (omnilib/aiosqlite#389).
    """
    database = make_url(url).database
    if database and database != ":memory:" and not database.startswith("file:"):
        _create_private(database)
        with closing(sqlite3.connect(database)) as connection:
            # Reads the file's header: a file that is no SQLite database fails here.
            connection.execute("PRAGMA schema_version")


def _create_private(path: str) -> None:
    """Create the database file readable by its owner alone: it holds villagers' phones.

    SQLite gives its -wal and -shm files the main file's mode. A file already there keeps
    the mode its operator chose.
    """
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config pointing at our migrations, optionally bound to a live connection."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def _upgrade_to_head(connection: Connection) -> None:
    """Run Alembic's upgrade on a synchronous connection (inside run_sync)."""
    command.upgrade(alembic_config(connection), "head")


def _end(sync_conn: Connection, *, commit: bool) -> None:
    """Commit or roll back the connection's transaction, then return it to the pool."""
    try:
        if commit:
            sync_conn.commit()
        else:
            sync_conn.rollback()
    finally:
        sync_conn.close()


def upsert(conn: AsyncConnection, table: Table) -> Insert:
    """INSERT a row, or UPDATE its other columns if its primary key is already there.

    Execute it with the row as parameters: `await conn.execute(upsert(conn, t), row)`. The
    statement is built once a table and dialect.
    """
    return _upsert(conn.dialect.name == "postgresql", table)


@functools.cache
def _upsert(on_postgresql: bool, table: Table) -> Insert:
    keys = sorted(column.name for column in table.primary_key)
    insert = (postgresql.insert if on_postgresql else sqlite.insert)(table)
    others = {c.name: insert.excluded[c.name] for c in table.columns if c.name not in keys}
    return insert.on_conflict_do_update(index_elements=keys, set_=others)


async def open_database(database_url: str) -> Database:
    """Open the database and bring its schema up to date."""
    database = Database(database_url)
    try:
        await database.probe()
        await database.migrate()
    except BaseException:
        await database.close()
        raise
    return database
