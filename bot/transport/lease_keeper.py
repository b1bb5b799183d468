"""The lease keeper: which bots this process serves, when several share one PostgreSQL.

Every third of the lease time it gives a heartbeat, renews its leases, and compares what it
holds with its share (the bots spread evenly over the live processes, rounded up): it takes
free or run-out leases up to its share and gives back those above it, so a new process gets
its share within about one lease time and a dead one's bots are taken over once its leases
run out. A bot is started when its lease is taken, and stopped when it is given back or
cannot be renewed before it runs out: stopped early, so a bot never has two holders.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from bot.domain.leases import Lease, above_share, fair_share
from bot.transport.background import nap
from storage.leases import Leases

log = logging.getLogger(__name__)

# A process silent for this many lease times is removed from the table (its row only).
FORGET_AFTER_TTLS = 20


class BotSeats(Protocol):
    """What serving a bot means to the keeper: start it under a lease, stop it."""

    async def start(self, lease: Lease) -> None:
        """Start serving the bot of `lease` (its updates, outbox and broadcasts)."""

    async def stop(self, bot_id: int) -> None:
        """Stop serving `bot_id`: no update handled and nothing sent by it after this."""


class LeaseKeeper:
    """Holds this process's leases and starts and stops its bots to match them."""

    def __init__(
        self,
        leases: Leases,
        bot_ids: Sequence[int],
        seats: BotSeats,
        ttl_s: float,
        roster: Callable[[], Awaitable[Sequence[int]]] | None = None,
    ) -> None:
        self.leases = leases
        self.bot_ids = list(bot_ids)
        # The deployment's bots as they are now, asked every round (bots added or removed).
        self.roster = roster
        self.seats = seats
        self.ttl_s = ttl_s
        self.process_id = 0
        self._whoami = ("", 0)  # host and pid, to rejoin if this process was forgotten
        self.held: dict[int, Lease] = {}
        # When each lease runs out by this process's own clock (taken before it was asked).
        self._deadlines: dict[int, float] = {}

    async def join(self, host: str, pid: int) -> None:
        """Record this process as live."""
        self.process_id = await self.leases.join(host, pid)
        self._whoami = (host, pid)

    async def run(self, stop: asyncio.Event) -> None:
        """Keep the leases every third of the lease time until `stop`, then give all back."""
        try:
            while not stop.is_set():
                try:
                    await self.tick()
                except Exception:  # the database away: leases are dropped as they run out
                    log.exception("lease round failed")
                    await self._drop_running_out()
                await nap(stop, self.ttl_s / 3)
            log.info("stopping")
        finally:
            await self.give_back_all()

    async def tick(self) -> None:
        """One round: heartbeat, renew, then come to this process's share of the bots."""
        await self.leases.heartbeat(self.process_id, *self._whoami)
        await self._renew_all()
        if self.roster is not None:
            await self._follow_roster(await self.roster())
        live = await self.leases.live_processes(self.ttl_s)
        share = fair_share(len(self.bot_ids), live)
        for bot_id in above_share(list(self.held), share):
            await self._give_back(bot_id)
        if len(self.held) < share:
            await self._take_up_to(share)
        await self.leases.forget_dead(self.ttl_s * FORGET_AFTER_TTLS)

    async def _follow_roster(self, bot_ids: Sequence[int]) -> None:
        """Share the bots the deployment has now: a removed one held here is given back."""
        self.bot_ids = list(bot_ids)
        for bot_id in [held for held in self.held if held not in self.bot_ids]:
            await self._give_back(bot_id)

    async def _renew_all(self) -> None:
        """Renew every lease; a refused one is stopped at once, a failed one if it runs out."""
        for bot_id, lease in list(self.held.items()):
            asked_at = time.monotonic()
            try:
                renewed = await self.leases.renew(lease, self.ttl_s)
            except Exception:
                log.warning("could not renew the lease of bot %s", bot_id, exc_info=True)
                await self._drop_running_out()
                continue
            if renewed is None:
                log.warning("bot %s is no longer this process's: stopping it", bot_id)
                await self._drop(bot_id)
                continue
            self.held[bot_id] = renewed
            self._deadlines[bot_id] = asked_at + self.ttl_s

    async def _drop_running_out(self) -> None:
        """Stop the bots whose leases run out before the next round could renew them."""
        margin = self.ttl_s / 2
        for bot_id in list(self.held):
            if self._deadlines[bot_id] - time.monotonic() < margin:
                log.warning("the lease of bot %s runs out unrenewed: stopping it", bot_id)
                await self._drop(bot_id)

    async def _take_up_to(self, share: int) -> None:
        """Take free or run-out leases until this process serves its share."""
        for bot_id in self._claim_order():
            if len(self.held) >= share:
                return
            asked_at = time.monotonic()
            lease = await self.leases.claim(bot_id, self.process_id, self.ttl_s)
            if lease is None:
                continue
            self.held[bot_id] = lease
            self._deadlines[bot_id] = asked_at + self.ttl_s
            log.info("took bot %s (lease epoch %s)", bot_id, lease.epoch)
            try:
                await self.seats.start(lease)
            except Exception:
                log.exception("bot %s could not start: giving it back", bot_id)
                await self._give_back(bot_id)

    def _claim_order(self) -> list[int]:
        """The bots not held here, starting at a place of this process's own (fewer clashes)."""
        free = [bot_id for bot_id in self.bot_ids if bot_id not in self.held]
        if not free:
            return []
        start = self.process_id % len(free)
        return free[start:] + free[:start]

    async def _give_back(self, bot_id: int) -> None:
        """Stop the bot, then free its lease for another process."""
        lease = self.held[bot_id]
        await self._drop(bot_id)
        await self.leases.give_back(lease)
        log.info("gave back bot %s", bot_id)

    async def _drop(self, bot_id: int) -> None:
        """Stop serving the bot and forget its lease (first, so a failed stop is not retried)."""
        self.held.pop(bot_id, None)
        self._deadlines.pop(bot_id, None)
        try:
            await self.seats.stop(bot_id)
        except Exception:
            log.exception("bot %s did not stop cleanly", bot_id)

    async def give_back_all(self) -> None:
        """A clean stop: stop every bot, then give back the leases and leave."""
        for bot_id in list(self.held):
            await self._drop(bot_id)
        try:
            await self.leases.leave(self.process_id)
        except Exception:  # the leases run out by themselves
            log.warning("could not give back the leases at stop", exc_info=True)
