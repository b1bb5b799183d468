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
holders. A bot given back (above the share, removed, or at a clean stop) keeps its lease
renewed until it has stopped, and only then frees it: a stop can outlast a lease.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from bot.domain.leases import Lease, above_share, fair_share
from bot.transport.background import nap
from storage.database_url import first_line
from storage.leases import Leases

log = logging.getLogger(__name__)

# A process silent for this many lease times is removed from the table (its row only).
FORGET_AFTER_TTLS = 20
# Renewals this much later than planned (in lease times) are logged: the event loop was busy.
LATE_RENEWAL_TTLS = 0.5
# A bot whose lease has less than this left unrenewed (in lease times) is stopped, whatever
# the renewal at hand is waiting for.
UNRENEWED_MARGIN_TTLS = 1 / 3


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
        # Bots being given back: their leases are renewed until they have stopped.
        self._releasing: dict[int, Lease] = {}
        self._stopping: dict[int, asyncio.Task[None]] = {}  # bots whose stop is under way
        self._last_share: int | None = None  # the share of the last rebalancing round

    async def join(self, host: str, pid: int) -> None:
        """Record this process as live."""
        self.process_id = await self.leases.join(host, pid)
        self._whoami = (host, pid)

    async def run(self, stop: asyncio.Event) -> None:
        """Renew and rebalance every third of the lease time until `stop`, then give all back.

        The renewals go on while the bots stop (a bot's stop may outlast its lease: its
        senders finish what is in flight), so none is taken by another process before it has
        stopped; they end before the process leaves, whose heartbeat would count it live again.
        """
        renewals_end = asyncio.Event()
        renewing = [
            asyncio.create_task(self._keep_renewing(renewals_end), name="lease-renewals"),
            asyncio.create_task(self._watch_deadlines(renewals_end), name="lease-deadlines"),
        ]
        try:
            await self._rebalance_until(stop)
        finally:
            try:
                await self._stop_every_bot()
            finally:
                renewals_end.set()  # the renewal at hand finishes rather than cut its write
                await asyncio.gather(*renewing, return_exceptions=True)
            await self._leave()

    async def _rebalance_until(self, stop: asyncio.Event) -> None:
        """Come to this process's share every third of the lease time until `stop`."""
        while not stop.is_set():
            try:
                await self.rebalance()
            except Exception:  # the database away: the renewals drop what runs out
                log.exception("lease round failed")
            await nap(stop, self.ttl_s / 3)
        log.info("stopping")

    async def tick(self) -> None:
        """One round of both loops: heartbeat and renew, then come to this process's share."""
        await self.renew()
        await self.rebalance()

    async def _keep_renewing(self, end: asyncio.Event) -> None:
        """Renew every third of the lease time, whatever the rebalancing is busy with (a round
        starts a third after the last one started: a slow answer does not push the next back,
        so the clock of `_watch_deadlines` stops a bot only after a round failed)."""
        every = self.ttl_s / 3
        while not end.is_set():
            planned = time.monotonic() + every
            await self.renew()
            await nap(end, max(0.0, planned - time.monotonic()))
            late = time.monotonic() - planned
            if late > self.ttl_s * LATE_RENEWAL_TTLS:
                log.warning("lease renewal %.1f s late: the process is busy", late)

    async def _watch_deadlines(self, end: asyncio.Event) -> None:
        """Stop the bots whose leases near their end unrenewed, by this process's clock alone:
        a renewal stuck on a network that swallows packets (even its cancellation may wait
        on the database) never keeps a bot served past its lease."""
        while not end.is_set():
            await nap(end, self.ttl_s / 6)
            self._drop_running_out(margin=self.ttl_s * UNRENEWED_MARGIN_TTLS)

    async def renew(self) -> None:
        """Heartbeat and renew every lease, within a third of the lease time; a refused one is
        stopped at once, and if the database cannot be reached (or does not answer in time)
        those that would run out before the next try."""
        try:
            async with asyncio.timeout(self.ttl_s / 3):
                await self.leases.heartbeat(self.process_id, *self._whoami)
                await self._renew_all()
        except TimeoutError:
            log.warning("could not renew the leases: no answer within %g s", self.ttl_s / 3)
            self._drop_running_out(margin=self.ttl_s / 2)
        except Exception as exc:
            log.warning("could not renew the leases: %s", first_line(exc))
            self._drop_running_out(margin=self.ttl_s / 2)

    async def _renew_all(self) -> None:
        """Renew every lease held or still stopping in one statement; a bot refused is lost."""
        asking = {**self.held, **self._releasing}
        asked_at = time.monotonic()
        renewed = await self.leases.renew_all(list(asking.values()), self.ttl_s)
        for bot_id, lease in asking.items():
            if self._lease_of(bot_id) != lease:  # given back or lost meanwhile
                continue
            if bot_id not in renewed:
                log.warning("bot %s is no longer this process's: stopping it", bot_id)
                self._lose(bot_id)
                continue
            self._renewed(renewed[bot_id], asked_at + self.ttl_s)

    def _lease_of(self, bot_id: int) -> Lease | None:
        """The lease this process has for the bot, served or still stopping."""
        return self.held.get(bot_id) or self._releasing.get(bot_id)

    def _renewed(self, lease: Lease, deadline: float) -> None:
        """Keep the renewed lease where it was: among the bots served or those stopping."""
        kept = self.held if lease.bot_id in self.held else self._releasing
        kept[lease.bot_id] = lease
        self._deadlines[lease.bot_id] = deadline

    def _drop_running_out(self, margin: float) -> None:
        """Stop the bots whose leases run out within `margin` seconds, unrenewed."""
        for bot_id, deadline in list(self._deadlines.items()):
            if deadline - time.monotonic() < margin:
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
        """Start the bot; give it back if it cannot start, and stop it if its lease was lost
        while it started (a loss does not stop a bot among `_starting`: its start does)."""
        try:
            started = await self._started(lease)
        finally:  # cancelled too: off `_starting`, so that a stop reaches the bot
            self._starting.discard(bot_id)
            if bot_id not in self.held:  # lost meanwhile: stop what was started of it
                self._stop_in_background(bot_id)
        if not started:
            await self._give_back(bot_id)
        await self._stopped(bot_id)

    async def _started(self, lease: Lease) -> bool:
        """Start the bot; False (logged) if it could not start."""
        try:
            await self.seats.start(lease)
        except Exception:
            log.exception("bot %s could not start: giving it back", lease.bot_id)
            return False
        return True

    def _claim_order(self) -> list[int]:
        """The bots not held (nor still stopping) here, starting at a place of this
        process's own (fewer clashes)."""
        free = [
            bot_id
            for bot_id in self.bot_ids
            if bot_id not in self.held
            and bot_id not in self._releasing
            and bot_id not in self._stopping
        ]
        if not free:
            return []
        start = self.process_id % len(free)
        return free[start:] + free[:start]

    async def _give_back(self, bot_id: int) -> None:
        """Stop the bot, then free its lease for another process: renewed until the bot has
        stopped (a stop may outlast a lease), so no other process serves it before."""
        lease = self.held.pop(bot_id, None)
        if lease is None:  # lost meanwhile: being stopped already
            return
        self._releasing[bot_id] = lease
        try:
            await self._stop_seat(bot_id)
        finally:
            still_ours = self._releasing.pop(bot_id, None)
            self._deadlines.pop(bot_id, None)
        if still_ours is None:  # lost while it stopped: no longer ours to free
            return
        await self._free(still_ours)

    async def _free(self, lease: Lease) -> None:
        """Free the lease of a stopped bot; one the database does not take runs out by itself."""
        try:
            await self.leases.give_back(lease)
        except Exception as exc:
            log.warning("could not give back bot %s: %s", lease.bot_id, first_line(exc))
            return
        log.info("gave back bot %s", lease.bot_id)

    def _lose(self, bot_id: int) -> None:
        """Forget the bot's lease at once (no longer ours to renew) and stop the bot in the
        background; a bot already stopping stops on, one still starting is stopped by its
        start once started."""
        self._deadlines.pop(bot_id, None)
        if self._releasing.pop(bot_id, None) is not None:
            return
        self.held.pop(bot_id, None)
        if bot_id not in self._starting:
            self._stop_in_background(bot_id)

    def _stop_in_background(self, bot_id: int) -> None:
        """Stop the bot on a task of its own, unless its stop is under way."""
        if bot_id not in self._stopping:
            self._stopping[bot_id] = asyncio.create_task(
                self._stop_seat(bot_id), name=f"stop-bot-{bot_id}"
            )

    async def _stopped(self, bot_id: int) -> None:
        """Wait for the bot's stop in the background, if one is under way."""
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
        """A clean stop: stop every bot, giving back each lease as its bot stops, and leave."""
        await self._stop_every_bot()
        await self._leave()

    async def _stop_every_bot(self) -> None:
        """Stop the bots together (a stop can take seconds a bot), each lease freed once its
        bot has stopped; and wait for the stops under way of the bots lost."""
        await asyncio.gather(*(self._give_back(bot_id) for bot_id in list(self.held)))
        for bot_id in list(self._stopping):
            await self._stopped(bot_id)

    async def _leave(self) -> None:
        """Give back whatever lease is left and remove this process from the live ones."""
        try:
            await self.leases.leave(self.process_id)
        except Exception:  # the leases run out by themselves
            log.warning("could not give back the leases at stop", exc_info=True)
