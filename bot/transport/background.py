"""What the background senders share: a nap that a wake-up cuts short, and a graceful stop."""

from __future__ import annotations

import asyncio
import contextlib

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
