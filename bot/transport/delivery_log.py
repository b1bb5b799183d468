"""Records broadcast outcomes as they happen, many per transaction when they come fast."""

from __future__ import annotations

import asyncio

from bot.domain.broadcasts import Outcome
from storage.broadcasts import Broadcasts


class DeliveryLog:
    """Group commit: outcomes are written by one task, all those queued in one transaction.

    A transaction costs about a millisecond of CPU on SQLite whatever it holds, so one per
    message would cap a broadcast well below 200 a second. Nothing waits for a timer: the
    writer starts as soon as an outcome arrives, and those that arrive while it writes go
    into its next transaction, so each is on disk within about two transactions of
    Telegram's answer (the window in which a kill -9 can cause a resend).
    """

    def __init__(self, broadcasts: Broadcasts) -> None:
        self.broadcasts = broadcasts
        self._queued: list[tuple[Outcome, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def record(self, outcome: Outcome) -> None:
        """Return once `outcome` is committed; raises if its transaction failed."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queued.append((outcome, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_all(), name="broadcast-log")
        await done

    async def _write_all(self) -> None:
        """Write batches until nothing is queued."""
        while self._queued:
            await self._write_queued()

    async def _write_queued(self) -> None:
        """Write the queued outcomes in one transaction and tell their waiters."""
        batch, self._queued = self._queued, []
        try:
            await self.broadcasts.settle_many([outcome for outcome, _ in batch])
        except Exception as exc:
            for _, done in batch:
                if not done.done():
                    done.set_exception(exc)
            return
        except BaseException:  # cancelled mid-write: nobody may believe it was recorded
            for _, done in batch:
                done.cancel()
            raise
        for _, done in batch:
            if not done.done():  # its waiter may have been cancelled meanwhile
                done.set_result(None)
