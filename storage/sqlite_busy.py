"""Waiting for a busy SQLite database without blocking the event loop.

SQLite's own busy timeout is 0 (a waiting thread would be the event loop's): a statement that
finds the database locked by another process, when it is the first of its transaction (BEGIN
IMMEDIATE, a first read), is tried again after an asynchronous pause, and so is a COMMIT (a
reader is in the way where the file has no WAL), with the pauses SQLite's own busy handler
uses, until the wait has run out; then SQLite's "database is locked" error is raised, as the
busy timeout would have. This process's own writers never meet here: they take turns in
storage.db before they begin.
"""

from __future__ import annotations

import asyncio
import itertools
import sqlite3
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import TypeVar

from sqlalchemy.util.concurrency import await_

_T = TypeVar("_T")

# Seconds between tries while the database is locked: sqlite3's busy handler's own delays,
# the last one repeated until the wait runs out.
BUSY_PAUSES_S = (0.001, 0.002, 0.005, 0.01, 0.015, 0.02, 0.025, 0.025, 0.025, 0.05, 0.05, 0.1)


def is_busy(error: sqlite3.Error) -> bool:
    """Whether SQLite refused because another connection holds the lock (SQLITE_BUSY)."""
    return (getattr(error, "sqlite_errorcode", 0) & 0xFF) == sqlite3.SQLITE_BUSY


def busy_pauses(wait_s: float) -> Iterator[float]:
    """The pauses to take between tries, until `wait_s` seconds have gone by."""
    deadline = time.monotonic() + wait_s
    for n in itertools.count():
        left = deadline - time.monotonic()
        if left <= 0:
            return
        yield min(BUSY_PAUSES_S[min(n, len(BUSY_PAUSES_S) - 1)], left)


def now_or_when_free(attempt: Callable[[], _T], wait_s: float, *, retry: bool) -> _T:
    """`attempt` at once, inline; only if SQLite answers busy is it tried after pauses.

    Called from SQLAlchemy's synchronous layer (inside its greenlet), as the driver's calls are.
    """
    try:
        return attempt()
    except sqlite3.OperationalError as error:
        if not (retry and is_busy(error)):
            raise
        busy = error

    async def again() -> _T:
        return attempt()

    return await_(when_free(again, wait_s, retry=True, busy=busy))


async def when_free(
    attempt: Callable[[], Awaitable[_T]],
    wait_s: float,
    *,
    retry: bool,
    busy: sqlite3.OperationalError | None = None,
) -> _T:
    """`attempt`, tried again after a pause while SQLite answers busy, for up to `wait_s`.

    `busy` is the answer to a try already made: the first pause comes before the next.
    """
    pauses = busy_pauses(wait_s)
    while True:
        if busy is not None:
            pause = next(pauses, None) if retry and is_busy(busy) else None
            if pause is None:
                raise busy
            await asyncio.sleep(pause)
        try:
            return await attempt()
        except sqlite3.OperationalError as error:
            busy = error
