"""Part 2 of bench/scaling_bench.py: the goods order's life at volume, bytes a row, pgbench.

The volume run seeds villagers with a cart of 3 products each (bench/orders_bench.py's seed),
then takes every order through its life with the bot's own services and storage, as the
handlers call them: submitted, approved, ready, picked up, paid cash. Its messages go to the
outbox and stay there (no Telegram here). Timed, with PostgreSQL's counters of rows written
and transactions committed; then each main table's size on disk over its row count.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import time
import uuid
from collections import Counter
from urllib.parse import urlsplit

import asyncpg
from orders_bench import MANAGER, fresh_database, seed

from bot.domain.entities import Checkout, User
from bot.domain.payments import Payment
from bot.domain.pipeline import Action, Fulfilment
from bot.services.acting import act
from bot.services.paying import record_payment
from bot.services.submissions import submit_order
from storage import Storage

MAIN_TABLES = (
    "requests", "request_items", "request_events", "outbox", "payment_events",
    "users", "products",
)  # fmt: skip
LIFE = (Action.APPROVE, Action.MARK_READY, Action.COMPLETE)
PGBENCH_SCALE = 10
PGBENCH_CLIENTS = 8


def load_average() -> str:
    """The machine's load average over 1, 5 and 15 minutes."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def pg_url(database_url: str) -> str:
    """asyncpg's form of a DATABASE_URL (no SQLAlchemy driver name)."""
    return re.sub(r"^postgresql\+\w+://", "postgresql://", database_url)


async def write_counters(pg_admin: str, database_url: str) -> tuple[Counter[str], int]:
    """Rows inserted, updated and deleted so far by table, and transactions committed.

    A server process publishes its counters when it goes idle or exits: read these after
    the connections that did the work are closed.
    """
    conn = await asyncpg.connect(pg_url(database_url))
    try:
        rows = await conn.fetch(
            "SELECT relname, n_tup_ins + n_tup_upd + n_tup_del AS n FROM pg_stat_user_tables"
        )
        commits = await conn.fetchval(
            "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"
        )
    finally:
        await conn.close()
    return Counter({row["relname"]: row["n"] for row in rows if row["n"]}), int(commits)


async def live_order(store: Storage, villager: User, center_id: int) -> None:
    """One order's whole life: submitted, approved, ready, picked up, paid cash."""
    center = await store.centers.get(center_id)
    order = await submit_order(store, villager, center, Checkout(Fulfilment.PICKUP))
    for action in LIFE:
        await act(store, order.id, action, MANAGER)
    await record_payment(store, order.id, Payment.CASH, MANAGER, None)


async def live_all(store: Storage, people: list[User], center_id: int, submitters: int) -> float:
    """Every villager's order through its life, `submitters` at once; seconds taken."""
    queue: asyncio.Queue[User] = asyncio.Queue()
    for person in people:
        queue.put_nowait(person)

    async def submitter() -> None:
        while not queue.empty():
            await live_order(store, queue.get_nowait(), center_id)

    started = time.perf_counter()
    await asyncio.gather(*(submitter() for _ in range(submitters)))
    return time.perf_counter() - started


async def run_volume(pg_admin: str, orders: int, submitters: int) -> None:
    """Seed, live every order, print the rate, the writes an order and the bytes a row."""
    async with fresh_database("postgres", pg_admin) as url:
        store = await Storage.open(url)
        center, people = await seed(store, orders)
        await store.close()
        await asyncio.sleep(1.0)
        rows_before, commits_before = await write_counters(pg_admin, url)
        store = await Storage.open(url)
        try:
            seconds = await live_all(store, people, center.id, submitters)
        finally:
            await store.close()
        await asyncio.sleep(1.0)
        rows_after, commits_after = await write_counters(pg_admin, url)
        rows_after.subtract(rows_before)
        print(f"\n2. {orders} goods orders through their life, {submitters} at once"
              f" (load average {load_average()})")  # fmt: skip
        print(f"{seconds:.1f} s: {orders / seconds:.1f} orders a second, "
              f"{(commits_after - commits_before) / seconds:.0f} commits a second, "
              f"{sum(rows_after.values()) / seconds:.0f} rows written a second")  # fmt: skip
        print(
            f"an order: {sum(rows_after.values()) / orders:.1f} rows written, "
            f"{(commits_after - commits_before) / orders:.1f} commits; by table: "
            + ", ".join(f"{t} {n / orders:.1f}" for t, n in sorted((+rows_after).items()))
        )
        await print_sizes(url)


async def print_sizes(database_url: str) -> None:
    """Each main table's rows and bytes on disk (indexes and TOAST included) a row."""
    conn = await asyncpg.connect(pg_url(database_url))
    try:
        await conn.execute("VACUUM ANALYZE")
        print(f"{'table':<16} {'rows':>8} {'total kB':>9} {'bytes/row':>9} {'heap/row':>9}")
        for table in MAIN_TABLES:
            count = await conn.fetchval(f"SELECT count(*) FROM {table}")
            total, heap = await conn.fetchrow(
                "SELECT pg_total_relation_size($1::regclass), pg_relation_size($1::regclass)",
                table,
            )
            per_row = f"{total / count:>9.0f} {heap / count:>9.0f}" if count else f"{'-':>9}"
            print(f"{table:<16} {count:>8} {total / 1024:>9.0f} {per_row}")
    finally:
        await conn.close()


def run_pgbench(pg_admin: str, seconds: int) -> None:
    """pgbench's simple-update transactions a second on a scratch database, for reference."""
    parts = urlsplit(pg_admin)
    where = ["-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432),
             "-U", parts.username or "postgres"]  # fmt: skip
    name = f"kiosdesa_pgbench_{uuid.uuid4().hex[:8]}"
    psql = ["psql", *where, "-d", parts.path.lstrip("/") or "postgres", "-qc"]
    subprocess.run([*psql, f'CREATE DATABASE "{name}"'], check=True)
    try:
        subprocess.run(["pgbench", *where, "-i", "-q", "-s", str(PGBENCH_SCALE), name],
                       check=True, capture_output=True)  # fmt: skip
        out = subprocess.run(
            ["pgbench", *where, "-N", "-n", "-c", str(PGBENCH_CLIENTS), "-j", "2",
             "-T", str(seconds), name],
            check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
    finally:
        subprocess.run([*psql, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'], check=True)
    tps = re.search(r"tps = ([\d.]+) \(without initial", out)
    print(f"\n3. pgbench -N (simple update), scale {PGBENCH_SCALE}, {PGBENCH_CLIENTS} clients,"
          f" {seconds} s: {tps.group(1) if tps else '?'} transactions a second"
          f" (load average {load_average()})")  # fmt: skip
