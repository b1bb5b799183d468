"""The lease keeper stops a bot before its lease runs out when it cannot renew it, and never
starts one it could not claim (with a recording stand-in for the leases table)."""

from __future__ import annotations

import asyncio

from bot.domain.leases import Lease
from bot.transport.lease_keeper import LeaseKeeper

BOT = 111
TTL_S = 3.0


class DatabaseAway(Exception):
    """The database cannot be reached."""


class FlakyLeases:
    """The leases table of one process alone, which can be made unreachable."""

    def __init__(self) -> None:
        self.away = False
        self.epoch = 0

    def _reach(self) -> None:
        if self.away:
            raise DatabaseAway("connection refused")

    async def join(self, host: str, pid: int) -> int:
        return 1

    async def heartbeat(self, process_id: int, host: str, pid: int) -> None:
        self._reach()

    async def live_processes(self, ttl_s: float) -> int:
        self._reach()
        return 1

    async def forget_dead(self, older_than_s: float) -> int:
        return 0

    async def claim(self, bot_id: int, process_id: int, ttl_s: float) -> Lease | None:
        self._reach()
        self.epoch += 1
        return Lease(bot_id, process_id, self.epoch, 0.0)

    async def renew(self, lease: Lease, ttl_s: float) -> Lease | None:
        self._reach()
        return lease

    async def give_back(self, lease: Lease) -> bool:
        self._reach()
        return True

    async def leave(self, process_id: int) -> None:
        self._reach()


class Served:
    """The bots the process serves."""

    def __init__(self) -> None:
        self.bots: set[int] = set()

    async def start(self, lease: Lease) -> None:
        self.bots.add(lease.bot_id)

    async def stop(self, bot_id: int) -> None:
        self.bots.discard(bot_id)


async def test_a_bot_whose_lease_cannot_be_renewed_stops_before_the_lease_runs_out() -> None:
    leases, served = FlakyLeases(), Served()
    keeper = LeaseKeeper(leases, [BOT], served, TTL_S)  # type: ignore[arg-type]
    await keeper.join("host", 1)
    await keeper.tick()
    assert served.bots == {BOT}
    leases.away = True
    stop = asyncio.Event()
    running = asyncio.create_task(keeper.run(stop))
    await asyncio.sleep(TTL_S * 0.4)  # one failed round: the lease has time left, it serves on
    assert served.bots == {BOT}
    await asyncio.sleep(TTL_S * 0.5)  # past half the lease unrenewed: stopped, not yet run out
    assert served.bots == set() and keeper.held == {}
    stop.set()
    await running  # a stop with the database away still ends


async def test_a_bot_that_fails_to_start_is_given_back() -> None:
    class Refusing(Served):
        async def start(self, lease: Lease) -> None:
            raise RuntimeError("getMe refused")

    leases, served = FlakyLeases(), Refusing()
    keeper = LeaseKeeper(leases, [BOT], served, TTL_S)  # type: ignore[arg-type]
    await keeper.join("host", 1)
    await keeper.tick()
    assert keeper.held == {}
