"""Leases on PostgreSQL: a bot has one holder at a time, taken over once its lease runs out,
and two processes' keepers share the bots evenly."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa

from bot.domain.leases import Lease
from bot.transport.lease_keeper import LeaseKeeper
from storage import Storage
from storage.schema import bot_leases, processes
from tests.conftest import open_storage

BOTS = [111, 222, 333, 444]
TTL_S = 60.0
# A lease time already over: the claim's lease has run out by the time anyone looks.
RUN_OUT = -1.0


@pytest.fixture
async def pg(postgres_url: str) -> AsyncIterator[Storage]:
    async with open_storage(postgres_url) as store:
        yield store


class Served:
    """The bots a process serves, as its keeper starts and stops them."""

    def __init__(self) -> None:
        self.bots: set[int] = set()
        self.epochs: dict[int, int] = {}

    async def start(self, lease: Lease) -> None:
        self.bots.add(lease.bot_id)
        self.epochs[lease.bot_id] = lease.epoch

    async def stop(self, bot_id: int) -> None:
        self.bots.discard(bot_id)


async def keeper(
    store: Storage, served: Served, pid: int, ttl_s: float = TTL_S, bots: list[int] = BOTS
) -> LeaseKeeper:
    kept = LeaseKeeper(store.leases, bots, served, ttl_s)
    await kept.join("host", pid)
    return kept


async def test_a_held_lease_is_not_taken_and_a_run_out_one_is_with_a_higher_epoch(
    pg: Storage,
) -> None:
    first = await pg.leases.join("a", 1)
    second = await pg.leases.join("b", 2)
    held = await pg.leases.claim(111, first, TTL_S)
    assert held is not None and held.epoch == 1 and held.holder == first
    assert await pg.leases.claim(111, second, TTL_S) is None
    assert await pg.leases.holders() == {111: first}
    run_out = await pg.leases.renew(held, RUN_OUT)  # its holder went silent
    assert run_out is not None
    taken = await pg.leases.claim(111, second, TTL_S)
    assert taken is not None and taken.holder == second and taken.epoch == 2
    assert await pg.leases.holders() == {111: second}


async def test_renewal_by_anyone_but_the_holder_under_its_epoch_is_refused(pg: Storage) -> None:
    first = await pg.leases.join("a", 1)
    second = await pg.leases.join("b", 2)
    old = await pg.leases.claim(222, first, RUN_OUT)
    assert old is not None
    new = await pg.leases.claim(222, second, TTL_S)
    assert new is not None and new.epoch == old.epoch + 1
    assert await pg.leases.renew(old, TTL_S) is None  # the old holder, late
    forged = Lease(222, first, new.epoch, new.expires_at)  # another process, current epoch
    assert await pg.leases.renew(forged, TTL_S) is None
    assert await pg.leases.give_back(old) is False
    assert await pg.leases.holders() == {222: second}
    renewed = await pg.leases.renew(new, TTL_S)
    assert renewed is not None and renewed.epoch == new.epoch


async def test_renewing_all_at_once_renews_only_the_current_holdings(pg: Storage) -> None:
    first = await pg.leases.join("a", 1)
    second = await pg.leases.join("b", 2)
    old = await pg.leases.claim(111, first, RUN_OUT)
    kept = await pg.leases.claim(222, first, TTL_S)
    assert old is not None and kept is not None
    taken = await pg.leases.claim(111, second, TTL_S)  # the run-out one, taken over
    assert taken is not None
    renewed = await pg.leases.renew_all([old, kept], TTL_S)
    assert list(renewed) == [222] and renewed[222].epoch == kept.epoch
    assert await pg.leases.holders() == {111: second, 222: first}
    assert await pg.leases.renew_all([], TTL_S) == {}


async def test_a_lease_given_back_is_taken_at_once_and_epochs_only_grow(pg: Storage) -> None:
    first = await pg.leases.join("a", 1)
    second = await pg.leases.join("b", 2)
    epochs = []
    for holder in (first, second, first):
        lease = await pg.leases.claim(333, holder, TTL_S)
        assert lease is not None
        epochs.append(lease.epoch)
        assert await pg.leases.give_back(lease)
    assert epochs == [1, 2, 3]
    assert await pg.leases.holders() == {}


async def test_two_keepers_share_the_bots_evenly_and_a_new_one_takes_its_share(
    pg: Storage,
) -> None:
    first_served, second_served = Served(), Served()
    first = await keeper(pg, first_served, 1)
    await first.tick()
    assert first_served.bots == set(BOTS)  # alone: every bot
    second = await keeper(pg, second_served, 2)
    await second.tick()  # nothing free yet
    assert second_served.bots == set()
    await first.tick()  # two live processes, seen once: it waits a round before giving back
    assert first_served.bots == set(BOTS)
    await first.tick()  # the same share again: it gives back what is above it
    assert len(first_served.bots) == 2
    await second.tick()
    assert len(second_served.bots) == 2
    assert first_served.bots | second_served.bots == set(BOTS)
    holders = await pg.leases.holders()
    assert sorted(holders.values()) == sorted([first.process_id] * 2 + [second.process_id] * 2)
    for _ in range(2):  # stable: nothing moves once shared
        await first.tick()
        await second.tick()
    assert len(first_served.bots) == len(second_served.bots) == 2


async def fall_silent(store: Storage, process_id: int) -> None:
    """Time passes for a process that stopped answering: its heartbeat and leases run out."""
    async with store.db.write() as conn:
        await conn.execute(
            sa.update(processes)
            .where(processes.c.id == process_id)
            .values(heartbeat_at=processes.c.heartbeat_at - 2 * TTL_S)
        )
        await conn.execute(
            sa.update(bot_leases)
            .where(bot_leases.c.holder == process_id)
            .values(expires_at=bot_leases.c.expires_at - 2 * TTL_S)
        )


async def test_a_silent_keepers_bots_are_taken_over_and_it_stops_them_when_it_wakes(
    pg: Storage,
) -> None:
    silent_served, live_served = Served(), Served()
    silent = await keeper(pg, silent_served, 1)
    await silent.tick()
    live = await keeper(pg, live_served, 2)
    await fall_silent(pg, silent.process_id)
    await live.tick()
    assert live_served.bots == set(BOTS)
    assert all(epoch == 2 for epoch in live_served.epochs.values())
    await silent.tick()  # wakes up: every renewal is refused, every bot stopped
    assert silent_served.bots == set() and silent.held == {}
    assert set((await pg.leases.holders()).values()) == {live.process_id}


async def test_a_clean_stop_gives_every_lease_back(pg: Storage) -> None:
    served = Served()
    first = await keeper(pg, served, 1)
    await first.tick()
    await first.give_back_all()
    assert served.bots == set() and await pg.leases.holders() == {}
    other = Served()
    second = await keeper(pg, other, 2)
    await second.tick()
    assert other.bots == set(BOTS)


async def test_a_process_forgotten_after_a_long_silence_counts_again_once_it_beats(
    pg: Storage,
) -> None:
    first = await keeper(pg, Served(), 1)
    await fall_silent(pg, first.process_id)
    assert await pg.leases.forget_dead(TTL_S) == 1
    assert await pg.leases.live_processes(TTL_S) == 0
    await first.tick()
    assert await pg.leases.live_processes(TTL_S) == 1
    assert set((await pg.leases.holders()).values()) == {first.process_id}


async def epochs(store: Storage) -> dict[int, tuple[int | None, int]]:
    """Each bot's holder and epoch, as the leases table holds them."""
    async with store.db.read() as conn:
        rows = (await conn.execute(sa.select(bot_leases))).all()
    return {int(row.bot_id): (row.holder, int(row.epoch)) for row in rows}


async def test_three_keepers_hold_two_bots_each_and_keep_them_round_after_round(
    pg: Storage,
) -> None:
    bots = [101, 102, 103, 104, 105, 106]
    served = [Served(), Served(), Served()]
    keepers = [await keeper(pg, served[n], n + 1, bots=bots) for n in range(3)]
    for _ in range(3):  # joined one after another: the first takes all, then shares
        for kept in keepers:
            await kept.tick()
    assert [len(s.bots) for s in served] == [2, 2, 2]
    shared = await epochs(pg)
    for order in (keepers, keepers[::-1], keepers[1:] + keepers[:1], keepers):
        for kept in order:
            await kept.tick()
    assert await epochs(pg) == shared  # no bot changed hands, none was taken again
    assert [len(s.bots) for s in served] == [2, 2, 2]


class SlowToStart(Served):
    """Bots that take longer than a lease time to start (a busy process), but the first."""

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds = seconds
        self.started = asyncio.Event()

    async def start(self, lease: Lease) -> None:
        if self.bots:
            await asyncio.sleep(self.seconds)
        await super().start(lease)
        if len(self.bots) == 2:
            self.started.set()


async def test_a_process_busy_starting_a_bot_keeps_renewing_the_leases_it_holds(
    pg: Storage,
) -> None:
    ttl_s = 1.5
    served = SlowToStart(seconds=2 * ttl_s)  # unrenewed, a lease would run out meanwhile
    kept = await keeper(pg, served, 1, ttl_s=ttl_s, bots=[111, 222])
    stop = asyncio.Event()
    running = asyncio.create_task(kept.run(stop))
    await asyncio.wait_for(served.started.wait(), 30)
    holders = await pg.leases.holders()
    assert holders == {111: kept.process_id, 222: kept.process_id}
    assert {bot: epoch for bot, (_, epoch) in (await epochs(pg)).items()} == {111: 1, 222: 1}
    assert served.bots == {111, 222}
    stop.set()
    await running
    assert await pg.leases.holders() == {}
