"""Benchmark one bot's send budget: a villager's search reply during an announcement.

Starts the Bot API emulator with Telegram's overall limit enforced (30 messages a second, 429
beyond it), runs the real bot as a process, seeds a center with the sample catalog and N
villagers, and has a few of them search over and over: first with nothing else going on,
then while the manager's announcement goes out to all N. Prints the search replies' latency
(update queued at the emulator to the reply arriving there), the 429s the emulator answered,
and the announcement's rate against the rate left to it (the limit minus the other messages
sent meanwhile).

Run: python bench/contention_bench.py [--villagers 600] [--searchers 10] [--rate 30]
[--database URL]
Target: search p95 <= 300 ms during the announcement, zero 429s, every villager reached
once, announcement rate >= 0.85 x the rate left to it.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bot_process import start_bot, stop_bot  # noqa: E402

from bot.devtools.emulator import BotApiEmulator, SentMessage  # noqa: E402
from bot.domain.catalog_csv import parse_catalog_csv  # noqa: E402
from storage import Storage  # noqa: E402
from storage.clock import now  # noqa: E402
from storage.schema import users  # noqa: E402

MANAGER = 900001
FIRST_VILLAGER = 10_000_001
MARKER = "Bench announcement"
SAMPLE_CATALOG = ROOT / "bot" / "data" / "sample_catalog.csv"
SEARCHES = ("minyak", "beras", "endog", "gula", "sabun")
PAUSE_S = 1.5  # a villager reads the results before the next search (one chat: 1 a second)
BASELINE_SEARCHES = 6  # per searcher, with nothing else going on


@dataclass
class Traffic:
    """What reached the emulator, and when: announcements, search replies, everything."""

    announcements: list[float] = field(default_factory=list)
    per_chat: Counter[int] = field(default_factory=Counter)
    other_sends: list[float] = field(default_factory=list)
    replies: dict[int, asyncio.Queue[float]] = field(default_factory=dict)

    def on_message(self, message: SentMessage) -> None:
        """Emulator listener: sort each send or edit into its kind."""
        at = time.monotonic()
        if message.edited == 0 and MARKER in message.text and message.chat_id != MANAGER:
            self.announcements.append(at)
            self.per_chat[message.chat_id] += 1
            return
        self.other_sends.append(at)
        if "Results for" in message.text and message.chat_id in self.replies:
            self.replies[message.chat_id].put_nowait(at)


async def seed(database_url: str, villagers: int) -> None:
    """A center with the sample catalog, its manager, and N villagers who joined it."""
    store = await Storage.open(database_url)
    try:
        center = await store.centers.add_center("BENCH", "Kios Bench", MANAGER, language="en")
        rows = parse_catalog_csv(SAMPLE_CATALOG.read_text(encoding="utf-8"), "IDR")
        await store.catalog.import_rows(center.id, rows)
        members = [
            dict(
                id=FIRST_VILLAGER + n,
                first_name=f"Warga {n}",
                telegram_language="en",
                language="en",
                center_id=center.id,
                muted=False,
                created_at=now(),
            )
            for n in range(villagers)
        ]
        async with store.db.write() as conn:
            await conn.execute(users.insert(), members)
    finally:
        await store.close()


async def searcher(
    emu: BotApiEmulator, traffic: Traffic, user: int, latencies: list[float], until: asyncio.Event
) -> None:
    """Search, wait for the results, read them a moment, again; until `until` is set."""
    replies = traffic.replies[user]
    n = 0
    while not until.is_set():
        queued = time.monotonic()
        emu.send_text(user, SEARCHES[n % len(SEARCHES)])
        latencies.append(await asyncio.wait_for(replies.get(), 120) - queued)
        n += 1
        await asyncio.sleep(PAUSE_S)


async def baseline(emu: BotApiEmulator, traffic: Traffic, searchers: list[int]) -> list[float]:
    """The searchers' latencies with nothing else going on."""
    latencies: list[float] = []

    async def some(user: int) -> None:
        for n in range(BASELINE_SEARCHES):
            queued = time.monotonic()
            emu.send_text(user, SEARCHES[n % len(SEARCHES)])
            latencies.append(await asyncio.wait_for(traffic.replies[user].get(), 60) - queued)
            await asyncio.sleep(PAUSE_S)

    await asyncio.gather(*(some(user) for user in searchers))
    return latencies


async def announce(emu: BotApiEmulator, villagers: int) -> SentMessage:
    """The manager composes and presses Send; returns the prompt the report replaces."""
    emu.send_text(MANAGER, "/start")
    await emu.wait_for(MANAGER, contains="You manage")
    emu.send_text(MANAGER, "/broadcast")
    await emu.wait_for(MANAGER, contains="Write the announcement")
    emu.send_text(MANAGER, f"{MARKER}: pasar murah besok jam 8 di balai desa.")
    prompt = await emu.wait_for(MANAGER, contains="Recipients:")
    emu.press(MANAGER, prompt.message_id, button_text="📣 Send")
    return prompt


def p95(values: list[float]) -> float:
    """The 95th percentile, in milliseconds."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] * 1000


async def run(villagers: int, searcher_count: int, rate: float, database: str | None) -> int:
    """Run the baseline and the contended phase; print the figures."""
    with tempfile.TemporaryDirectory(prefix="kiosdesa-bench-") as tmp:
        workdir = Path(tmp)
        database_url = database or f"sqlite:///{workdir / 'bench.db'}"
        await seed(database_url, villagers)
        searchers = [FIRST_VILLAGER + n for n in range(searcher_count)]
        traffic = Traffic(replies={user: asyncio.Queue() for user in searchers})
        async with BotApiEmulator(global_rate_per_s=rate) as emu:
            emu.user(MANAGER, "Pak Manager", language_code="en")
            for user in searchers:
                emu.user(user, f"Warga {user}", language_code="en")
            emu.on_change(traffic.on_message)
            env = {"DATABASE_URL": database_url, "FLOOD_BURST": "1000000"}
            proc = await start_bot(emu, workdir, env)
            try:
                quiet = await baseline(emu, traffic, searchers)
                limited_before = emu.stats.rate_limited
                prompt = await announce(emu, villagers)
                started = time.monotonic()
                sent_before = len(traffic.other_sends)
                finished = asyncio.Event()
                busy: list[float] = []
                tasks = [
                    asyncio.create_task(searcher(emu, traffic, user, busy, finished))
                    for user in searchers
                ]
                await emu.wait_for(
                    MANAGER,
                    lambda m: m.message_id == prompt.message_id and "Announcement sent" in m.text,
                    timeout=villagers / 5 + 120,
                )
                finished.set()
                ended = time.monotonic()
                await asyncio.gather(*tasks)
                limited = emu.stats.rate_limited - limited_before
            finally:
                await stop_bot(proc)
        others = [t for t in traffic.other_sends[sent_before:] if started <= t <= ended]
        return report(rate, villagers, traffic, quiet, busy, limited, others, started, ended)


def report(
    rate: float,
    villagers: int,
    traffic: Traffic,
    quiet: list[float],
    busy: list[float],
    limited: int,
    others: list[float],
    started: float,
    ended: float,
) -> int:
    """Print the result table; exit status 1 if a target is missed."""
    times = traffic.announcements
    span = times[-1] - times[0]
    achieved = (len(times) - 1) / span
    left = rate - len(others) / (ended - started)
    twice = sum(1 for n in traffic.per_chat.values() if n > 1)
    print(f"villagers {villagers}, Telegram's limit enforced by the emulator: {rate:g}/s")
    print(f"{'search replies':<34} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for name, values in (("no announcement", quiet), ("during the announcement", busy)):
        print(
            f"{name:<34} {len(values):>5} {statistics.median(values) * 1000:>8.0f}"
            f" {p95(values):>8.0f} {max(values) * 1000:>8.0f}"
        )
    print(f"announcement: {len(times)} villagers reached, {twice} twice, in {span:.1f} s")
    print(
        f"announcement rate {achieved:.1f}/s; other messages meanwhile"
        f" {len(others) / (ended - started):.1f}/s; rate left {left:.1f}/s;"
        f" ratio {achieved / left:.2f}"
    )
    print(f"429 answers during the announcement: {limited}")
    ok = (
        p95(busy) <= 300
        and limited == 0
        and len(times) == villagers
        and twice == 0
        and achieved / left >= 0.85
    )
    print("target met" if ok else "TARGET MISSED")
    return 0 if ok else 1


def main() -> None:
    """Parse options and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--villagers", type=int, default=600, help="N, who get the announcement")
    parser.add_argument("--searchers", type=int, default=10, help="of them, how many search")
    parser.add_argument("--rate", type=float, default=30.0, help="Telegram's overall limit")
    parser.add_argument("--database", help="DATABASE_URL (default: a fresh SQLite file)")
    args = parser.parse_args()
    raise SystemExit(asyncio.run(run(args.villagers, args.searchers, args.rate, args.database)))


if __name__ == "__main__":
    main()
