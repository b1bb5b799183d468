"""The lease keeper: which bots this process serves, when several share one PostgreSQL.

Two loops. Renewals, on a task of their own: every third of the lease time a heartbeat and
one statement renewing every lease held, so that starting or stopping bots (seconds under
load) never holds a renewal back and a busy process keeps what it holds. Rebalancing: every
third of the lease time it compares what it holds with its share (the bots spread evenly over
the live processes, rounded up): it takes free or run-out leases up to its share, and gives
back those above it once the same share was seen two rounds running (a heartbeat read a
moment late moves no bot). So a bot changes hands only when a process joins, leaves or dies:
a new process gets its share within about one lease time and a dead one's bots are taken
over once its leases run out. A bot is started when its lease is taken, and stopped when it
is given back or cannot be renewed before it runs out: stopped early, so a bot never has two
holders.
"""

from __future__ import annotations

import asyncio
import contextlib
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
# Renewals this much later than planned (in lease times) are logged: the event loop was busy.
LATE_RENEWAL_TTLS = 0.5


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
        self._starting: set[int] = set()  # bots whose start is under way
        self._stopping: dict[int, asyncio.Task[None]] = {}  # bots whose stop is under way
        self._last_share: int | None = None  # the share of the last rebalancing round

    async def join(self, host: str, pid: int) -> None:
        """Record this process as live."""
        self.process_id = await self.leases.join(host, pid)
        self._whoami = (host, pid)

    async def run(self, stop: asyncio.Event) -> None:
        """Renew and rebalance every third of the lease time until `stop`, then give all back."""
        renewing = asyncio.create_task(self._keep_renewing(stop), name="lease-renewals")
        try:
            while not stop.is_set():
                try:
                    await self.rebalance()
                except Exception:  # the database away: the renewals drop what runs out
                    log.exception("lease round failed")
                await nap(stop, self.ttl_s / 3)
            log.info("stopping")
        finally:
            if not stop.is_set():  # cancelled: a stop lets the renewal at hand finish instead
                renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewing
            await self.give_back_all()

    async def tick(self) -> None:
        """One round of both loops: heartbeat and renew, then come to this process's share."""
        await self.renew()
        await self.rebalance()

    async def _keep_renewing(self, stop: asyncio.Event) -> None:
        """Renew every third of the lease time, whatever the rebalancing is busy with."""
        every = self.ttl_s / 3
        while not stop.is_set():
            await self.renew()
            planned = time.monotonic() + every
            await nap(stop, every)
            late = time.monotonic() - planned
            if late > self.ttl_s * LATE_RENEWAL_TTLS:
                log.warning("lease renewal %.1f s late: the process is busy", late)

    async def renew(self) -> None:
        """Heartbeat and renew every lease; a refused one is stopped at once, and if the
        database cannot be reached those that would run out before the next try."""
        try:
            await self.leases.heartbeat(self.process_id, *self._whoami)
            await self._renew_all()
        except Exception as exc:
            detail = (str(exc).splitlines() or [type(exc).__name__])[0]
            log.warning("could not renew the leases: %s", detail)
            self._drop_running_out()

    async def _renew_all(self) -> None:
        """Renew every lease held in one statement; a bot refused is stopped."""
        asking = dict(self.held)
        asked_at = time.monotonic()
        renewed = await self.leases.renew_all(list(asking.values()), self.ttl_s)
        for bot_id, lease in asking.items():
            if self.held.get(bot_id) != lease:  # given back or lost meanwhile
                continue
            if bot_id not in renewed:
                log.warning("bot %s is no longer this process's: stopping it", bot_id)
                self._lose(bot_id)
                continue
            self.held[bot_id] = renewed[bot_id]
            self._deadlines[bot_id] = asked_at + self.ttl_s

    def _drop_running_out(self) -> None:
        """Stop the bots whose leases run out before the next round could renew them."""
        margin = self.ttl_s / 2
        for bot_id in list(self.held):
            if self._deadlines[bot_id] - time.monotonic() < margin:
                log.warning("the lease of bot %s runs out unrenewed: stopping it", bot_id)
                self._lose(bot_id)

    async def rebalance(self) -> None:
        """Come to this process's share: take free leases up to it at once, give back those
        above it once the share is the same two rounds running."""
        if self.roster is not None:
            await self._follow_roster(await self.roster())
        live = await self.leases.live_processes(self.ttl_s)
        share = fair_share(len(self.bot_ids), live)
        settled, self._last_share = share == self._last_share, share
        if settled:
            surplus = above_share(list(self.held), share)
            await asyncio.gather(*(self._give_back(bot_id) for bot_id in surplus))
        if len(self.held) < share:
            await self._take_up_to(share)
        await self.leases.forget_dead(self.ttl_s * FORGET_AFTER_TTLS)

    async def _follow_roster(self, bot_ids: Sequence[int]) -> None:
        """Share the bots the deployment has now: a removed one held here is given back."""
        self.bot_ids = list(bot_ids)
        removed = [held for held in self.held if held not in self.bot_ids]
        await asyncio.gather(*(self._give_back(bot_id) for bot_id in removed))

    async def _take_up_to(self, share: int) -> None:
        """Take free or run-out leases until this process serves its share, then start
        those bots together (a takeover lasts one start, not one a bot)."""
        taken: list[Lease] = []
        for bot_id in self._claim_order():
            if len(self.held) >= share:
                break
            asked_at = time.monotonic()
            lease = await self.leases.claim(bot_id, self.process_id, self.ttl_s)
            if lease is None:
                continue
            self.held[bot_id] = lease
            self._deadlines[bot_id] = asked_at + self.ttl_s
            self._starting.add(bot_id)
            log.info("took bot %s (lease epoch %s)", bot_id, lease.epoch)
            taken.append(lease)
        await asyncio.gather(*(self._start(lease.bot_id, lease) for lease in taken))

    async def _start(self, bot_id: int, lease: Lease) -> None:
        """Start the bot; give it back if it cannot start, stop it if its lease was lost
        while it started (it is among `_starting` since its claim)."""
        try:
            await self.seats.start(lease)
        except Exception:
            log.exception("bot %s could not start: giving it back", bot_id)
            self._starting.discard(bot_id)
            if bot_id in self.held:
                await self._give_back(bot_id)
            return
        self._starting.discard(bot_id)
        if bot_id not in self.held:  # refused or run out while it started
            await self._stop_seat(bot_id)

    def _claim_order(self) -> list[int]:
        """The bots not held (nor still stopping) here, starting at a place of this
        process's own (fewer clashes)."""
        free = [
            bot_id
            for bot_id in self.bot_ids
            if bot_id not in self.held and bot_id not in self._stopping
        ]
        if not free:
            return []
        start = self.process_id % len(free)
        return free[start:] + free[:start]

    async def _give_back(self, bot_id: int) -> None:
        """Stop the bot, then free its lease for another process (one lost meanwhile is
        being stopped already)."""
        lease = self.held.get(bot_id)
        if lease is None:
            return
        await self._drop(bot_id)
        await self.leases.give_back(lease)
        log.info("gave back bot %s", bot_id)

    def _lose(self, bot_id: int) -> None:
        """Forget the bot's lease at once and stop the bot in the background (a bot still
        starting is stopped by its start, once started)."""
        self.held.pop(bot_id, None)
        self._deadlines.pop(bot_id, None)
        if bot_id not in self._starting and bot_id not in self._stopping:
            self._stopping[bot_id] = asyncio.create_task(
                self._stop_seat(bot_id), name=f"stop-bot-{bot_id}"
            )

    async def _drop(self, bot_id: int) -> None:
        """Forget the bot's lease (first, so a failed stop is not retried) and stop it."""
        self._lose(bot_id)
        stopping = self._stopping.get(bot_id)
        if stopping is not None:
            await asyncio.shield(stopping)

    async def _stop_seat(self, bot_id: int) -> None:
        """Stop serving the bot; a failed stop is logged, not retried."""
        try:
            await self.seats.stop(bot_id)
        except Exception:
            log.exception("bot %s did not stop cleanly", bot_id)
        finally:
            self._stopping.pop(bot_id, None)

    async def give_back_all(self) -> None:
        """A clean stop: stop every bot, then give back the leases and leave."""
        for bot_id in list(self.held):
            await self._drop(bot_id)
        for stopping in list(self._stopping.values()):
            await asyncio.shield(stopping)
        try:
            await self.leases.leave(self.process_id)
        except Exception:  # the leases run out by themselves
            log.warning("could not give back the leases at stop", exc_info=True)
