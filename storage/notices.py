"""PostgreSQL's notices: a commit that leaves work for a bot wakes the process serving it.

An outbox message or an inbox update written by one process is sent or handled by the holder
of its bot's lease, which may be another process. The writer adds `pg_notify` to the
transaction that writes the row, so PostgreSQL delivers the notice once (and only if) it
commits; every process listens on one connection of its own and wakes the bot's sender or
feed. Notices missed while that connection was down are made up for by waking everything once
it is back, and by the senders' and feeds' own slow polls. SQLite is one process, which wakes
itself: nothing is sent or listened for there.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

import asyncpg
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.database_url import first_line
from storage.db import Database

log = logging.getLogger(__name__)

# The channels: the payload is the bot's id ("" for the default bot's outbox rows).
OUTBOX_CHANNEL = "kiosdesa_outbox"
INBOX_CHANNEL = "kiosdesa_inbox"
# How often the listening connection is checked (a network gone quiet closes nothing).
CHECK_EVERY_S = 10.0
CHECK_TIMEOUT_S = 5.0
# Waits between tries to listen again, doubling up to the last.
RECONNECT_FIRST_S = 0.5
RECONNECT_MAX_S = 15.0
# How the listening connection shows in pg_stat_activity.
APPLICATION_NAME = "kiosdesa notices"
# Options of SQLAlchemy's asyncpg dialect that asyncpg.connect does not take.
_DIALECT_ONLY = ("prepared_statement_cache_size", "prepared_statement_name_func", "async_fallback")

_NOTIFY = sa.select(
    sa.func.pg_notify(
        sa.bindparam("channel", type_=sa.Text()), sa.bindparam("payload", type_=sa.Text())
    )
)


async def announce(conn: AsyncConnection, channel: str, payload: str) -> None:
    """Send a notice with the caller's transaction (delivered at its commit; PostgreSQL only)."""
    if conn.dialect.name == "postgresql":
        await conn.execute(_NOTIFY, {"channel": channel, "payload": payload})


class BotWakeups:
    """Events that wake the tasks waiting for one bot's rows, each task an event of its own."""

    def __init__(self) -> None:
        self._events: list[tuple[int | None, asyncio.Event]] = []

    def listen(self, bot: int | None) -> asyncio.Event:
        """An event set whenever rows of `bot` (or of every bot) are committed."""
        event = asyncio.Event()
        self._events.append((bot, event))
        return event

    def forget(self, event: asyncio.Event) -> None:
        """Stop setting an event (its task stopped)."""
        self._events = [(bot, e) for bot, e in self._events if e is not event]

    def wake(self, bot: int | None) -> None:
        """Wake the tasks of `bot`."""
        for listening, event in self._events:
            if listening == bot:
                event.set()

    def wake_all(self) -> None:
        """Wake every task (rows committed for bots not named, or notices missed)."""
        for _, event in self._events:
            event.set()


Callback = Callable[[str], None]


class NoticeListener:
    """One connection of this process that listens for notices and hands each to its channel's
    callback; reconnects, with a log line, when the connection is lost."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._callbacks: dict[str, Callback] = {}
        self._reconnected: list[Callable[[], None]] = []
        self.listening = asyncio.Event()  # set while notices can arrive

    def on(self, channel: str, callback: Callback) -> None:
        """Call `callback(payload)` for each notice on `channel`."""
        self._callbacks[channel] = callback

    def on_listening(self, callback: Callable[[], None]) -> None:
        """Call `callback()` each time listening (re)starts: notices may have been missed."""
        self._reconnected.append(callback)

    async def run(self, stop: asyncio.Event) -> None:
        """Listen until `stop`, connecting again whenever the connection is lost."""
        pause = RECONNECT_FIRST_S
        while not stop.is_set():
            try:
                connection = await self._connect()
            except Exception as exc:  # the database away: the polls carry on meanwhile
                detail = first_line(exc)
                log.warning("cannot listen for notices, trying again in %g s: %s", pause, detail)
                await _nap(stop, pause)
                pause = min(RECONNECT_MAX_S, pause * 2)
                continue
            pause = RECONNECT_FIRST_S
            try:
                await self._listen(connection, stop)
            except Exception as exc:
                log.warning("stopped listening for notices, listening again: %s", first_line(exc))
            finally:
                self.listening.clear()
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(connection.close(), CHECK_TIMEOUT_S)

    async def _connect(self) -> asyncpg.Connection:
        """A connection of its own, outside the pool (it stays open while the process runs).

        asyncpg's own timeout, not one around it: asyncpg closes a connection that opens just
        as its timeout fires, where a `wait_for` around `connect` could leave it open."""
        engine = self.db.engine
        _, options = engine.dialect.create_connect_args(engine.url)
        for name in _DIALECT_ONLY:
            options.pop(name, None)
        options["server_settings"] = {
            **options.get("server_settings", {}),
            "application_name": APPLICATION_NAME,
        }
        options["timeout"] = CHECK_TIMEOUT_S
        return await asyncpg.connect(**options)

    async def _listen(self, connection: asyncpg.Connection, stop: asyncio.Event) -> None:
        """Listen on every channel until `stop` or the connection is lost (then raise)."""
        lost = asyncio.Event()
        connection.add_termination_listener(lambda _connection: lost.set())
        for channel in self._callbacks:
            await connection.add_listener(channel, self._deliver)
        self.listening.set()
        log.info("listening for notices")
        for callback in self._reconnected:
            callback()
        while not stop.is_set():
            await _nap_until(stop, lost, CHECK_EVERY_S)
            if lost.is_set():
                raise ConnectionError("the connection was closed")
            if not stop.is_set():
                await asyncio.wait_for(connection.fetchval("SELECT 1"), CHECK_TIMEOUT_S)

    def _deliver(self, _connection: Any, _pid: int, channel: str, payload: str) -> None:
        """One notice: its channel's callback (a failure is logged, listening goes on)."""
        try:
            self._callbacks[channel](payload)
        except Exception:
            log.exception("notice on %s (%r) not handled", channel, payload)


async def _nap(stop: asyncio.Event, seconds: float) -> None:
    """Sleep for `seconds`, or until `stop`."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


async def _nap_until(stop: asyncio.Event, lost: asyncio.Event, seconds: float) -> None:
    """Sleep for `seconds`, or until `stop` or `lost` is set."""
    waits = [asyncio.create_task(stop.wait()), asyncio.create_task(lost.wait())]
    try:
        await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for wait in waits:
            wait.cancel()
