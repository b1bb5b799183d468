"""Records broadcast outcomes as they happen, many per transaction when they come fast."""

from __future__ import annotations

import asyncio

from storage.broadcasts import Broadcasts, Outcome


class DeliveryLog:
    """Group commit: an outcome is written at once, together with any that arrived meanwhile.

    A transaction costs about a millisecond of CPU on SQLite whatever it holds, so one per
    message would cap a broadcast well below 200 a second. Nothing waits for a timer: the
    first outcome to arrive starts a write, and those that arrive while it runs go into the
    next one, so each is on disk within about two transactions of Telegram's answer.
    """

    def __init__(self, broadcasts: Broadcasts) -> None:
        self.broadcasts = broadcasts
        self._queued: list[tuple[Outcome, asyncio.Future[None]]] = []
        self._writing = asyncio.Lock()

    async def record(self, outcome: Outcome) -> None:
        """Return once `outcome` is committed; raises if its transaction failed."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queued.append((outcome, done))
        async with self._writing:
            if not done.done():  # no earlier writer took it along: write everything queued
                await self._write_queued()
        await done

    async def _write_queued(self) -> None:
        """Write the queued outcomes in one transaction and tell their waiters."""
        batch, self._queued = self._queued, []
        try:
            await self.broadcasts.settle_many([outcome for outcome, _ in batch])
        except Exception as exc:
            for _, done in batch:
                done.set_exception(exc)
            return
        except BaseException:  # cancelled mid-write: nobody may believe it was recorded
            for _, done in batch:
                done.cancel()
            raise
        for _, done in batch:
            done.set_result(None)
