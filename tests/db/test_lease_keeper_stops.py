"""The lease keeper on PostgreSQL never lets two processes serve one bot while a bot is slow to
stop, while the database stops answering, or while a start fails or is cut short; and a bot
it half-started is stopped. The seats (the boundary between the keeper and the bots) are test
doubles whose start and stop are slow or fail; the leases table is real."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable

import pytest
import sqlalchemy as sa

from bot.domain.leases import Lease
from bot.transport.lease_keeper import LeaseKeeper
from storage import Storage
from storage.db import Database
from storage.leases import Leases
from storage.schema import bot_leases
from tests.conftest import open_storage

TTL_S = 1.5
# Long enough to fail a test that would otherwise hang, never reached when it passes.
PATIENCE_S = 30.0


@pytest.fixture
async def pg(postgres_url: str) -> AsyncIterator[Storage]:
    async with open_storage(postgres_url) as store:
        yield store


class Deployment:
    """Which process serves each bot, as the seats of every process start and stop them;
    `doubly_served` lists every bot that a process started while another still served it."""

    def __init__(self) -> None:
        self.serving: dict[int, set[str]] = {}
        self.doubly_served: list[tuple[int, str, str]] = []

    def started(self, bot_id: int, process: str) -> None:
        others = self.serving.setdefault(bot_id, set())
        self.doubly_served += [(bot_id, other, process) for other in others]
        others.add(process)

    def stopped(self, bot_id: int, process: str) -> None:
        self.serving.get(bot_id, set()).discard(process)

    def bots_of(self, process: str) -> set[int]:
        return {bot for bot, processes in self.serving.items() if process in processes}


class SlowToStop:
    """A process's bots, each taking `stop_s` to stop (an outbox sender finishing its sends),
    counting how many stop at once."""

    def __init__(self, deployment: Deployment, process: str, stop_s: float = 0.0) -> None:
        self.deployment = deployment
        self.process = process
        self.stop_s = stop_s
        self.stops_under_way = 0
        self.most_stops_at_once = 0

    @property
    def bots(self) -> set[int]:
        return self.deployment.bots_of(self.process)

    async def start(self, lease: Lease) -> None:
        self.deployment.started(lease.bot_id, self.process)

    async def stop(self, bot_id: int) -> None:
        self.stops_under_way += 1
        self.most_stops_at_once = max(self.most_stops_at_once, self.stops_under_way)
        try:
            await asyncio.sleep(self.stop_s)
        finally:
            self.stops_under_way -= 1
        self.deployment.stopped(bot_id, self.process)


async def keeper(leases: Leases, seats: SlowToStop, bots: list[int]) -> LeaseKeeper:
    kept = LeaseKeeper(leases, bots, seats, TTL_S)
    await kept.join("host", {"first": 1, "second": 2}.get(seats.process, 3))
    return kept


async def until(condition: Callable[[], bool]) -> None:
    """Wait until `condition()` holds (a test that would hang fails after PATIENCE_S)."""
    deadline = asyncio.get_running_loop().time() + PATIENCE_S
    while True:
        if condition():
            return
        assert asyncio.get_running_loop().time() < deadline, "waited in vain"
        await asyncio.sleep(0.05)


async def test_a_clean_stop_keeps_each_lease_until_its_bot_has_stopped(pg: Storage) -> None:
    bots = [111, 222, 333]
    deployment = Deployment()
    first = SlowToStop(deployment, "first", stop_s=2 * TTL_S)  # each bot outlasts its lease
    second = SlowToStop(deployment, "second")
    first_keeper = await keeper(pg.leases, first, bots)
    first_stop, second_stop = asyncio.Event(), asyncio.Event()
    first_running = asyncio.create_task(first_keeper.run(first_stop))
    await until(lambda: first.bots == set(bots))

    first_stop.set()  # SIGTERM; another process is running and takes what is free
    second_keeper = await keeper(pg.leases, second, bots)
    second_running = asyncio.create_task(second_keeper.run(second_stop))
    await first_running
    await until(lambda: second.bots == set(bots))
    second_stop.set()
    await second_running

    assert deployment.doubly_served == []
    assert first.most_stops_at_once == len(bots)  # stopped together, not one after another
    assert await pg.leases.holders() == {}


async def test_a_bot_given_back_to_a_new_process_keeps_its_lease_until_it_has_stopped(
    pg: Storage,
) -> None:
    bots = [111, 222]
    deployment = Deployment()
    first = SlowToStop(deployment, "first", stop_s=2 * TTL_S)
    second = SlowToStop(deployment, "second")
    first_keeper = await keeper(pg.leases, first, bots)
    stop = asyncio.Event()
    running = [asyncio.create_task(first_keeper.run(stop))]
    await until(lambda: first.bots == set(bots))

    second_keeper = await keeper(pg.leases, second, bots)  # a second process joins
    running.append(asyncio.create_task(second_keeper.run(stop)))
    await until(lambda: len(first.bots) == len(second.bots) == 1)
    stop.set()
    await asyncio.gather(*running)

    assert deployment.doubly_served == []
    assert await pg.leases.holders() == {}


class Blackhole:
    """A TCP relay to PostgreSQL that can be cut like a network that swallows every packet:
    the connections stay open and nothing comes back."""

    def __init__(self) -> None:
        self.cut = False
        self.streams: list[asyncio.StreamWriter] = []
        self.server: asyncio.Server | None = None

    async def open(self, database_url: str) -> str:
        """Listen, and the URL of the database through this relay."""
        self.server = await asyncio.start_server(self._relay, "127.0.0.1", 0)
        port = self.server.sockets[0].getsockname()[1]
        return database_url.replace("127.0.0.1:5432", f"127.0.0.1:{port}")

    async def _relay(self, client: asyncio.StreamReader, to_client: asyncio.StreamWriter) -> None:
        server, to_server = await asyncio.open_connection("127.0.0.1", 5432)
        self.streams += [to_client, to_server]
        with contextlib.suppress(ConnectionError):
            await asyncio.gather(self._pass(client, to_server), self._pass(server, to_client))

    async def _pass(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        while data := await source.read(65536):
            if not self.cut:
                sink.write(data)

    async def close(self) -> None:
        for stream in self.streams:
            stream.close()
        if self.server is not None:
            self.server.close()


class StopChecksTheLease(SlowToStop):
    """Bots whose stop notes who held their lease at that moment (read beside the relay)."""

    def __init__(self, deployment: Deployment, process: str, store: Storage) -> None:
        super().__init__(deployment, process)
        self.store = store
        self.holders_at_stop: dict[int, int] = {}

    async def stop(self, bot_id: int) -> None:
        self.holders_at_stop = await self.store.leases.holders()
        await super().stop(bot_id)


async def test_a_database_that_stops_answering_stops_the_bot_before_its_lease_runs_out(
    pg: Storage, postgres_url: str
) -> None:
    relay = Blackhole()
    lease_db = Database(await relay.open(postgres_url))
    seats = StopChecksTheLease(Deployment(), "first", pg)
    kept = LeaseKeeper(Leases(lease_db), [111], seats, ttl_s=3.0)
    await kept.join("host", 1)
    stop = asyncio.Event()
    running = asyncio.create_task(kept.run(stop))
    try:
        await until(lambda: seats.bots == {111})
        relay.cut = True  # every renewal from now on waits for an answer that never comes
        await until(lambda: seats.bots == set())
        assert seats.holders_at_stop == {111: kept.process_id}  # stopped while still its own
    finally:
        stop.set()
        await relay.close()  # the connections fail: the keeper's stop ends
        with contextlib.suppress(Exception):
            await asyncio.wait_for(running, PATIENCE_S)
        await lease_db.close()


class FailsToStart(SlowToStop):
    """A bot whose start fails half-way (getMe refused after its senders started), once told
    to go on: until then it waits, started in part."""

    def __init__(self, deployment: Deployment, process: str) -> None:
        super().__init__(deployment, process)
        self.half_started = asyncio.Event()
        self.go_on = asyncio.Event()

    async def start(self, lease: Lease) -> None:
        await super().start(lease)
        self.half_started.set()
        await self.go_on.wait()
        raise RuntimeError("getMe refused")


async def run_out(store: Storage, bot_id: int) -> None:
    """Time passes for the bot's holder: its lease runs out."""
    async with store.db.write() as conn:
        await conn.execute(
            sa.update(bot_leases).where(bot_leases.c.bot_id == bot_id).values(expires_at=0.0)
        )


async def test_a_bot_that_fails_to_start_after_its_lease_was_lost_is_stopped(
    pg: Storage,
) -> None:
    seats = FailsToStart(Deployment(), "first")
    kept = await keeper(pg.leases, seats, [111])
    taking = asyncio.create_task(kept.tick())
    await asyncio.wait_for(seats.half_started.wait(), PATIENCE_S)
    await run_out(pg, 111)
    rival = await pg.leases.join("rival", 9)
    assert await pg.leases.claim(111, rival, 60.0) is not None  # another process took it
    await kept.renew()  # refused: the bot is lost while it starts
    seats.go_on.set()
    await taking
    assert seats.bots == set()  # the half-started bot was stopped
    assert kept.held == {}
    assert await pg.leases.holders() == {111: rival}


class NeverDoneStarting(SlowToStop):
    """A bot whose start hangs half-way (a Telegram that does not answer)."""

    def __init__(self, deployment: Deployment, process: str) -> None:
        super().__init__(deployment, process)
        self.half_started = asyncio.Event()

    async def start(self, lease: Lease) -> None:
        await super().start(lease)
        self.half_started.set()
        await asyncio.Event().wait()


async def test_a_bot_whose_start_is_cut_short_by_a_stop_is_stopped_and_given_back(
    pg: Storage,
) -> None:
    seats = NeverDoneStarting(Deployment(), "first")
    kept = await keeper(pg.leases, seats, [111])
    running = asyncio.create_task(kept.run(asyncio.Event()))
    await asyncio.wait_for(seats.half_started.wait(), PATIENCE_S)
    running.cancel()  # the process is told to stop hard while the bot starts
    with contextlib.suppress(asyncio.CancelledError):
        await running
    assert seats.bots == set()
    assert await pg.leases.holders() == {}
