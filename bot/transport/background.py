"""What the background senders share: a nap that a wake-up cuts short, a graceful stop, and
a write that a stop does not cut mid-way."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")

# Writes left to finish by a caller that was stopped (kept here: the loop holds tasks weakly).
_finishing: set[asyncio.Task[Any]] = set()

# How long stopping waits for the sends in flight (PTB's own request timeouts are shorter).
STOP_GRACE_S = 15.0


async def nap(wake: asyncio.Event, seconds: float) -> None:
    """Sleep for `seconds`, or until `wake` is set."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(wake.wait(), timeout=seconds)


async def stop_gracefully(task: asyncio.Task[None]) -> None:
    """Wait for a task asked to stop to finish; cancel it only past STOP_GRACE_S.

    Cancelling mid-send could lose the record of a message Telegram already took, and send
    it again after a restart; so the task finishes what is in flight unless that hangs.
    """
    try:
        await asyncio.wait_for(asyncio.shield(task), timeout=STOP_GRACE_S)
    except TimeoutError:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def unbroken(write: Coroutine[Any, Any, T]) -> T:
    """Await a database write that a stop must not cut mid-way.

    Cancelling the caller (a bot stopped while it stores updates) leaves the write to finish
    on its own, and the caller's cancellation goes on at once. Cut mid-way, the connection
    would be thrown away with an ERROR and a traceback in the log for nothing: the write is
    a transaction, kept whole or not at all either way. A failure after the caller left is
    logged as a one-line warning.
    """
    task = asyncio.ensure_future(write)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        _finishing.add(task)
        task.add_done_callback(_finished)
        raise


def _finished(task: asyncio.Task[Any]) -> None:
    """A write whose caller was stopped is over: say so if it failed."""
    _finishing.discard(task)
    if not task.cancelled() and task.exception() is not None:
        error = task.exception()
        log.warning("a write finished after its bot stopped failed: %s", error)
