"""Request submission throughput: goods orders submitted through storage, per second.

Each villager's cart holds 3 products (one with tracked stock, so submitting reserves it);
`bot.services.submissions.submit_order` turns it into a submitted order with its manager card in the
outbox, as the bot does at checkout. Submitters run as concurrent tasks in one process
sharing one Storage, as the bot's updates do. Every measurement gets a fresh database
(a SQLite file, or a PostgreSQL database created and dropped), so runs do not interfere.

Run: python bench/orders_bench.py [--orders 400] [--concurrency 1 8 32]
     [--backends sqlite postgres] [--pg postgresql://postgres@127.0.0.1:5432/test]
The issue sets no target; the numbers are reported as measured.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402

from bot.domain.catalog_csv import CatalogRow  # noqa: E402
from bot.domain.entities import Center, Checkout, User  # noqa: E402
from bot.domain.money import Money  # noqa: E402
from bot.domain.pipeline import Fulfilment  # noqa: E402
from bot.services.submissions import submit_order  # noqa: E402
from storage import Storage  # noqa: E402

MANAGER = 900001
FIRST_VILLAGER = 20_000_001
PRODUCTS = 60
LINES_PER_CART = 3
DEFAULT_PG = os.environ.get("KIOSDESA_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


@dataclass(frozen=True)
class Throughput:
    """One measurement: how many orders, how many submitters, how long."""

    backend: str
    concurrency: int
    orders: int
    seconds: float

    @property
    def per_second(self) -> float:
        """Orders submitted per second."""
        return self.orders / self.seconds


@asynccontextmanager
async def fresh_database(backend: str, pg_admin: str) -> AsyncIterator[str]:
    """A DATABASE_URL of a new, empty database, removed afterwards."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="kiosdesa-orders-") as workdir:
            yield f"sqlite:///{workdir}/bench.db"
        return
    name = f"kiosdesa_bench_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(pg_admin)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield f"{pg_admin.rsplit('/', 1)[0]}/{name}"
    finally:
        admin = await asyncpg.connect(pg_admin)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


def catalog_rows() -> list[CatalogRow]:
    """A small kios catalogue; every third product has tracked (ample) stock."""
    return [
        CatalogRow(
            sku=f"P{n:03d}",
            name=f"Barang Bench {n}",
            category="Sembako",
            price=Money(1000 + 250 * n, "IDR"),
            unit="pcs",
            stock=1_000_000 if n % 3 == 0 else None,
        )
        for n in range(PRODUCTS)
    ]


async def seed(store: Storage, villagers: int) -> tuple[Center, list[User]]:
    """A center with its catalogue, and villagers each with a filled cart."""
    center = await store.centers.add_center("BENCH", "Kios Bench", MANAGER, language="id")
    await store.users.seen(MANAGER, "Pak Manager")
    await store.catalog.import_rows(center.id, catalog_rows())
    product_ids = sorted(
        item.product_id for item in await store.catalog.search_items(center.id, "IDR")
    )
    people = []
    for n in range(villagers):
        user_id = FIRST_VILLAGER + n
        await store.users.seen(user_id, f"Warga {n}", telegram_language="id")
        people.append(await store.users.join_center(user_id, center.id))
        for line in range(LINES_PER_CART):
            product = product_ids[(n + line * 7) % len(product_ids)]
            await store.carts.add(user_id, product, center.id, 1 + line)
    return center, people


async def submit_all(store: Storage, center: Center, people: list[User], concurrency: int) -> float:
    """Submit every villager's cart with `concurrency` submitters; seconds taken."""
    queue: asyncio.Queue[User] = asyncio.Queue()
    for person in people:
        queue.put_nowait(person)

    async def submitter() -> None:
        while not queue.empty():
            await submit_order(store, queue.get_nowait(), center, Checkout(Fulfilment.PICKUP))

    started = time.perf_counter()
    await asyncio.gather(*(submitter() for _ in range(concurrency)))
    return time.perf_counter() - started


async def measure(backend: str, concurrency: int, orders: int, pg_admin: str) -> Throughput:
    """Seed a fresh database, time the submissions, and check every order was stored."""
    async with fresh_database(backend, pg_admin) as url:
        store = await Storage.open(url)
        try:
            center, people = await seed(store, orders)
            seconds = await submit_all(store, center, people, concurrency)
            pending = (await store.outbox.counts()).get("pending", 0)
            if pending != orders:
                raise SystemExit(f"{backend}: {pending} manager cards for {orders} orders")
        finally:
            await store.close()
    return Throughput(backend, concurrency, orders, seconds)


async def run(
    backends: list[str], levels: list[int], orders: int, pg_admin: str
) -> list[Throughput]:
    """Every backend at every concurrency level, printed as it goes."""
    results = []
    print(f"{'backend':>8} {'submitters':>10} {'orders':>7} {'seconds':>8} {'orders/s':>9}")
    for backend in backends:
        for concurrency in levels:
            result = await measure(backend, concurrency, orders, pg_admin)
            results.append(result)
            print(
                f"{backend:>8} {concurrency:>10} {orders:>7} {result.seconds:>8.2f} "
                f"{result.per_second:>9.1f}",
                flush=True,
            )
    return results


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=400, help="orders per measurement")
    parser.add_argument("--concurrency", type=int, nargs="*", default=[1, 8, 32])
    parser.add_argument("--backends", nargs="*", default=["sqlite", "postgres"])
    parser.add_argument("--pg", default=DEFAULT_PG, help="PostgreSQL admin DSN")
    return parser.parse_args(argv)


def main() -> int:
    """Print orders per second for each backend and number of submitters."""
    args = parse_args()
    print(f"cpus={os.cpu_count()} load average={os.getloadavg()[0]:.2f}")
    asyncio.run(run(args.backends, args.concurrency, args.orders, args.pg))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
