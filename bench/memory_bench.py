"""Peak memory of the real bot process with a large catalogue and many villagers.

Seeds a fresh database with one center holding P products (the synthetic kios catalogue
of bench/search_bench.py) and V villagers who joined it, starts `python -m bot.cli run`
against the Bot API emulator, has villagers search (the first search builds the
center's search index) and browse, then reads the process's peak resident set size
(VmHWM in /proc/<pid>/status, Linux).

Run: python bench/memory_bench.py [--products 100000] [--villagers 10000] [--searches 200]
     [--database URL]
Target: peak RSS <= 200 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bot_process import start_bot, stop_bot  # noqa: E402
from search_bench import query_mix, synthetic_catalog  # noqa: E402

from bot.devtools.emulator import BotApiEmulator  # noqa: E402
from bot.domain.catalog_csv import CatalogRow  # noqa: E402
from bot.domain.money import Money  # noqa: E402
from storage import Storage  # noqa: E402
from storage.clock import now  # noqa: E402
from storage.schema import users  # noqa: E402

MANAGER = 900001
FIRST_VILLAGER = 30_000_001
TARGET_MB = 200.0
# Villagers searching at once; each waits for its answer before the next search.
SEARCHERS = 8


@dataclass(frozen=True)
class Memory:
    """What the bot process held: at its peak, and at the end of the run."""

    start_mb: float  # peak before the first search: imports, migrations, polling
    peak_mb: float
    final_mb: float
    searches: int
    seconds: float


async def seed(database_url: str, product_count: int, villagers: int) -> None:
    """A center with the synthetic catalogue and villagers who joined it (bulk inserts)."""
    store = await Storage.open(database_url)
    try:
        center = await store.centers.add_center("BENCH", "Kios Bench", MANAGER, language="id")
        items, _ = synthetic_catalog(product_count, seed=7)
        rows = [
            CatalogRow(f"S{item.product_id:06d}", item.name, item.category,
                       Money(1000 + item.product_id % 90_000, "IDR"), "pcs", None, item.aliases)
            for item in items
        ]  # fmt: skip
        await store.catalog.import_rows(center.id, rows)
        people = [
            dict(id=FIRST_VILLAGER + n, first_name=f"Warga {n}", telegram_language="id",
                 center_id=center.id, muted=False, created_at=now())
            for n in range(villagers)
        ]  # fmt: skip
        async with store.db.write() as conn:
            for start in range(0, len(people), 5_000):
                await conn.execute(users.insert(), people[start : start + 5_000])
    finally:
        await store.close()


def memory_mb(pid: int) -> tuple[float, float]:
    """(VmHWM, VmRSS) of a process in MB, from /proc (Linux)."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return int(fields["VmHWM"].split()[0]) / 1024, int(fields["VmRSS"].split()[0]) / 1024


async def search_as_villagers(emu: BotApiEmulator, texts: list[str], villagers: int) -> None:
    """Villagers type the queries, SEARCHERS at a time, each waiting for the bot's answer."""
    rng = random.Random(11)
    queue: asyncio.Queue[str] = asyncio.Queue()
    for text in texts:
        queue.put_nowait(text)

    async def villager(slot: int) -> None:
        while not queue.empty():
            user_id = FIRST_VILLAGER + rng.randrange(villagers)
            emu.user(user_id, f"Warga {user_id - FIRST_VILLAGER}", language_code="id")
            emu.send_text(user_id, queue.get_nowait())
            # The first search builds the index of a large catalogue: allow it time.
            await emu.wait_for(user_id, lambda _: True, timeout=300)

    await asyncio.gather(*(villager(slot) for slot in range(SEARCHERS)))


async def run(products: int, villagers: int, searches: int, database: str | None) -> Memory:
    """Seed, start the bot, search, and read its peak memory."""
    with tempfile.TemporaryDirectory(prefix="kiosdesa-memory-") as tmp:
        workdir = Path(tmp)
        database_url = database or f"sqlite:///{workdir / 'bench.db'}"
        await seed(database_url, products, villagers)
        items, kinds = synthetic_catalog(products, seed=7)
        texts = [query.text for query in query_mix(items, kinds, searches, seed=8)]
        del items, kinds
        async with BotApiEmulator() as emu:
            proc = await start_bot(emu, workdir, {"DATABASE_URL": database_url})
            try:
                start_mb, _ = memory_mb(proc.pid)
                started = time.monotonic()
                await search_as_villagers(emu, texts, villagers)
                seconds = time.monotonic() - started
                peak, final = memory_mb(proc.pid)
            finally:
                await stop_bot(proc)
    return Memory(start_mb, peak, final, searches, seconds)


def main() -> int:
    """Print the bot's peak and final RSS; exit status 1 if over the target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--villagers", type=int, default=10_000)
    parser.add_argument("--searches", type=int, default=200)
    parser.add_argument("--database", help="DATABASE_URL (default: a fresh SQLite file)")
    args = parser.parse_args()
    result = asyncio.run(run(args.products, args.villagers, args.searches, args.database))
    verdict = "PASS" if result.peak_mb <= TARGET_MB else "FAIL"
    print(f"products {args.products:,}, villagers {args.villagers:,}, searches {result.searches}")
    print(f"searches took {result.seconds:.1f} s")
    print(f"peak RSS before the first search {result.start_mb:.1f} MB")
    print(f"peak RSS (VmHWM) {result.peak_mb:.1f} MB, RSS at end {result.final_mb:.1f} MB")
    print(f"target <= {TARGET_MB:g} MB {verdict}")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    raise SystemExit(main())
