"""Many bots, several processes, one PostgreSQL: throughput, CPU, memory, and a kill -9.

Each bot gets one center (the sample catalog, its own manager); villagers are spread over
the centers and all shop at once with e2e_bench's story (join, search, open, add, /cart,
Checkout, Pickup, No note, Confirm), every manager approving each card as it arrives. Bot 0
is the default bot (BOT_TOKEN), the others are rows of the bots table. Every run uses a fresh
database fleet_<random> on the PostgreSQL server, dropped afterwards. Telegram's limits are
lifted (as in e2e_bench) so that the figures measure the bot.

Mode 1 (`--bots 1 10 100 --villagers N`): one `kiosdesa run` per size; per size, updates a
second in all, CPU ms per update, peak RSS (VmHWM) and the time until every bot polls.

Mode 2 (`--processes 3 --bots 30 --villagers 3000 --kill`): three processes on one database
(LEASE_TTL lowered, --lease-ttl, 5 s by default); throughput; once half the orders are
confirmed, kill -9 of the process holding the most bots; for each of its bots, the time
until a probe "/start" is answered; then, from the database and the emulator: confirmed
orders per villager (must be 1), manager cards and approval notices per approved order
(once, or the outbox row marked "may arrive twice"), and the villagers caught mid-dialog by the kill
who completed afterwards. A villager whose Confirm goes unanswered presses it once more (as a
person would): how many were then shown "Order sent", and their orders each (must be 1).

Run: python bench/fleet_bench.py --bots 1 10 --villagers 200
     python bench/fleet_bench.py --processes 3 --bots 6 --villagers 300 --kill
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import e2e_bench  # noqa: E402
from bot_process import process_cpu_seconds as process_cpu  # noqa: E402
from e2e_bench import Run, Watcher  # noqa: E402
from fleet_kit import (  # noqa: E402
    DRAIN_TIMEOUT_S,
    MANAGER_BASE,
    PROBE_BASE,
    Fleet,
    bench_env,
    fleet_database,
    fleet_of,
    load,
    log_errors,
    people,
    seed,
    shoppers,
)
from orders_bench import DEFAULT_PG  # noqa: E402

from bot.devtools.emulator import BotApiEmulator  # noqa: E402
from storage import Storage  # noqa: E402

# A step unanswered this long (the takeover included) counts as a villager stuck.
KILL_STEP_TIMEOUT_S = 90.0


async def one_size(bots: int, villagers: int, pg: str, workdir: Path) -> str:
    """One process serving `bots` bots while `villagers` shop; one row of the table."""
    async with fleet_database(pg) as url, BotApiEmulator() as emu:
        await seed(url, bots)
        spread = people(emu, bots, villagers)
        async with fleet_of(emu, bots, url, workdir, bench_env(None)) as fleet:
            began = [0] * bots
            await fleet.start_process()
            start_s = await fleet.all_polling(began)
            watch = Watcher()
            for bot in fleet.bots:
                bot.on_change(watch.on_message)
            run = Run(f"{bots} bots")
            cpu = fleet.cpu_seconds()
            run.started = time.monotonic()
            await asyncio.gather(*shoppers(fleet, watch, run, spread))
            run.finished = time.monotonic()
            run.cpu_s = fleet.cpu_seconds() - cpu
            rss = fleet.peak_rss_mb()
        lat = sorted(run.latencies)
        return (
            f"{bots:>5} {villagers:>9} {run.updates:>8} {run.rate:>10.1f}"
            f" {run.cpu_s / run.updates * 1000:>11.2f} {statistics.median(lat) * 1000:>8.0f}"
            f" {lat[int(len(lat) * 0.95)] * 1000:>8.0f} {rss:>9.0f} {start_s:>8.1f}"
            f" {len(fleet.confirmed):>9} {sum(fleet.stuck.values()):>6}"
        )


async def sizes(bot_counts: list[int], villagers: int, pg: str) -> None:
    """Mode 1: the table for each number of bots."""
    print(f"one process, PostgreSQL, {villagers} villagers shopping at once; load {load()}")
    print(
        f"{'bots':>5} {'villagers':>9} {'updates':>8} {'updates/s':>10} {'CPU ms/upd':>11}"
        f" {'p50 ms':>8} {'p95 ms':>8} {'VmHWM MB':>9} {'start s':>8} {'confirmed':>9}"
        f" {'stuck':>6}"
    )
    with tempfile.TemporaryDirectory(prefix="kiosdesa-fleet-") as tmp:
        for bots in bot_counts:
            workdir = Path(tmp) / f"bots-{bots}"
            workdir.mkdir()
            print(await one_size(bots, villagers, pg, workdir), flush=True)
            errors = log_errors(workdir)
            if errors:
                print(f"      errors in the log: {errors}")
    print(f"load after: {load()}")


async def probe(fleet: Fleet, watch: Watcher, index: int, killed_at: float) -> float:
    """Seconds from the kill until bot `index` answers a "/start"."""
    user = PROBE_BASE + index
    watch.forget(user)
    fleet.bots[index].send_text(user, "/start")
    seen = await asyncio.wait_for(watch.queues[user].get(), 300)
    return seen.at - killed_at


async def kill_mid_way(
    fleet: Fleet, watch: Watcher, villagers: int, cpu_at_kill: dict[int, float]
) -> tuple[list[float], float]:
    """Once half the orders are confirmed, kill -9 the busiest process (its CPU noted in
    `cpu_at_kill`); its bots' takeover times and the moment of the kill."""
    while len(fleet.confirmed) < villagers // 2:  # noqa: ASYNC110 (a counter, not an event)
        await asyncio.sleep(0.1)
    holders = await fleet.holders()
    victim_pid, _ = Counter(holders.values()).most_common(1)[0]
    orphans = [bot for bot, pid in holders.items() if pid == victim_pid]
    victim = next(p for p in fleet.procs if p.pid == victim_pid)
    cpu_at_kill[victim_pid] = process_cpu(victim_pid)
    os.kill(victim_pid, signal.SIGKILL)
    killed_at = time.monotonic()
    await victim.wait()
    print(
        f"kill -9 of pid {victim_pid} holding {len(orphans)} of {len(fleet.bots)} bots at"
        f" {len(fleet.confirmed)} confirmed orders"
    )
    takeovers = await asyncio.gather(*(probe(fleet, watch, i, killed_at) for i in orphans))
    return list(takeovers), killed_at


async def drain(url: str) -> int:
    """Wait until no outbox row is pending; the rows still pending then."""
    store = await Storage.open(url)
    deadline = time.monotonic() + DRAIN_TIMEOUT_S
    try:
        while True:
            async with store.db.read() as conn:
                pending = (
                    await conn.exec_driver_sql("SELECT count(*) FROM outbox WHERE status='pending'")
                ).scalar_one()
            if not pending or time.monotonic() > deadline:
                return int(pending)
            await asyncio.sleep(0.5)
    finally:
        await store.close()


async def database_counts(url: str) -> tuple[Counter[int], int, dict[str, int], set[int]]:
    """Orders per villager, outbox rows marked "may arrive twice", orders by status, and
    the villagers whose order was approved."""
    store = await Storage.open(url)
    try:
        async with store.db.read() as conn:
            rows = (
                await conn.exec_driver_sql(
                    "SELECT villager_id, count(*) FROM requests GROUP BY villager_id"
                )
            ).all()
            uncertain = (
                await conn.exec_driver_sql(
                    "SELECT count(*) FROM outbox WHERE last_error LIKE 'may arrive twice:%'"
                )
            ).scalar_one()
            statuses = (
                await conn.exec_driver_sql("SELECT status, count(*) FROM requests GROUP BY status")
            ).all()
            approved = (
                await conn.exec_driver_sql(
                    "SELECT villager_id FROM requests WHERE status = 'approved'"
                )
            ).all()
    finally:
        await store.close()
    by_status = {str(status): int(n) for status, n in statuses}
    orders = Counter({int(v): int(n) for v, n in rows})
    return orders, int(uncertain), by_status, {int(row[0]) for row in approved}


def delivered(
    fleet: Fleet, spread: list[tuple[int, int]], approved: set[int]
) -> tuple[Counter[int], Counter[int]]:
    """How many times each order's card reached its manager, and each approved order's
    notice its villager: {times: orders} (an order its manager never approved has none to
    get: counted apart)."""
    cards: Counter[int] = Counter()
    for index, bot in enumerate(fleet.bots):
        per_order = Counter(
            m.text.split()[1]
            for m in bot.messages(MANAGER_BASE + index)
            if m.text.startswith("🧾 #")
        )
        cards.update(per_order.values())
    notices: Counter[int] = Counter()
    for user, index in spread:
        if user in approved:
            texts = [m.text for m in fleet.bots[index].messages(user)]
            notices[sum("was approved" in text for text in texts)] += 1
    return cards, notices


def print_checks(
    fleet: Fleet, spread: list[tuple[int, int]], orders: Counter[int], uncertain: int,
    pending: int, killed_at: float, approved: set[int],
) -> None:  # fmt: skip
    """The after-kill checks: orders once, notices once, dialogs carried on."""
    per_confirmed = Counter(orders.get(user, 0) for user in fleet.confirmed)
    unanswered = Counter(orders.get(user, 0) for user, _ in spread if user not in fleet.confirmed)
    print(
        f"confirmed villagers {len(fleet.confirmed)} of {len(spread)}; orders per confirmed"
        f" villager {dict(sorted(per_confirmed.items()))}; villagers with 2+ orders"
        f" {sum(1 for n in orders.values() if n > 1)}; orders in all {sum(orders.values())};"
        f" orders per unconfirmed villager {dict(sorted(unanswered.items()))}"
    )
    cards, notices = delivered(fleet, spread, approved)
    unapproved = len(fleet.confirmed - approved)
    print(
        f"manager cards per order {dict(sorted(cards.items()))}; approval notices per"
        f" approved order {dict(sorted(notices.items()))}; confirmed villagers whose order was"
        f" not approved {unapproved}; outbox rows 'may arrive twice' {uncertain};"
        f" outbox still pending {pending}"
    )
    cut = [u for u, t in fleet.started_at.items() if t < killed_at and
           (u not in fleet.finished_at or fleet.finished_at[u] > killed_at)]  # fmt: skip
    done = sum(1 for u in cut if u in fleet.finished_at)
    again = Counter(orders.get(user, 0) for user in fleet.sent_on_second_press)
    print(
        f"villagers mid-dialog at the kill {len(cut)}, completed after the takeover {done};"
        f" stuck by step {dict(fleet.stuck)}; of those stuck at Confirm, shown 'Order sent'"
        f" on pressing it again {len(fleet.sent_on_second_press)} (orders each"
        f" {dict(sorted(again.items()))})"
    )
    for (where, text), count in fleet.last_seen.most_common(5):
        print(f"  stuck at {where} ({count}), the bot's last message: {text}")


async def spread_over(fleet: Fleet, processes: int) -> None:
    """Wait until every bot is held and each process holds its share (the first process
    takes every bot, then hands the others theirs as they join): shopping starts on
    settled holdings, not while bots still change hands."""
    share = -(-len(fleet.bots) // processes)  # rounded up, as the processes count it
    while True:
        held = Counter((await fleet.holders()).values())
        settled = sum(held.values()) == len(fleet.bots) and len(held) == processes
        if settled and max(held.values()) <= share:
            return
        await asyncio.sleep(0.5)


async def killing(args: argparse.Namespace) -> None:
    """Mode 2: several processes, one database, a kill -9 mid-way."""
    e2e_bench.STEP_TIMEOUT_S = KILL_STEP_TIMEOUT_S
    print(
        f"{args.processes} processes, {args.bots} bots, {args.villagers} villagers, PostgreSQL,"
        f" LEASE_TTL={args.lease_ttl:g} s; load {load()}"
    )
    with tempfile.TemporaryDirectory(prefix="kiosdesa-fleet-") as tmp:
        workdir = Path(tmp)
        async with fleet_database(args.pg) as url, BotApiEmulator() as emu:
            await seed(url, args.bots)
            spread = people(emu, args.bots, args.villagers)
            env = bench_env(args.lease_ttl)
            async with fleet_of(emu, args.bots, url, workdir, env) as fleet:
                began = time.monotonic()
                for _ in range(args.processes):
                    await fleet.start_process()
                await fleet.all_polling([0] * args.bots)
                await spread_over(fleet, args.processes)
                spread_s = time.monotonic() - began
                print(
                    f"all bots polling, each of {args.processes} processes holding its share:"
                    f" {spread_s:.1f} s"
                )
                watch = Watcher()
                for bot in fleet.bots:
                    bot.on_change(watch.on_message)
                run = Run("fleet")
                cpu_before = {p.pid: process_cpu(p.pid) for p in fleet.procs}
                run.started = time.monotonic()
                shopping = asyncio.gather(*shoppers(fleet, watch, run, spread))
                cpu_at_kill: dict[int, float] = {}
                takeovers, killed_at = await kill_mid_way(fleet, watch, args.villagers, cpu_at_kill)
                await shopping
                run.finished = time.monotonic()
                cpu_after = {p.pid: process_cpu(p.pid) for p in fleet.procs}
                cpu = sum(
                    cpu_at_kill.get(pid, cpu_after[pid]) - cpu_before[pid] for pid in cpu_before
                )
                pending = await drain(url)
                orders, uncertain, by_status, approved = await database_counts(url)
                print(f"orders by status {by_status}")
                print(
                    f"throughput {run.updates} updates in {run.finished - run.started:.1f} s:"
                    f" {run.rate:.1f} updates/s; CPU {cpu / run.updates * 1000:.2f} ms/update"
                    " (the killed process's CPU counted up to the kill sample)"
                )
                print(
                    f"takeover (kill -9 to a probe's answer) of {len(takeovers)} bots:"
                    f" median {statistics.median(takeovers):.1f} s, max {max(takeovers):.1f} s"
                )
                print_checks(fleet, spread, orders, uncertain, pending, killed_at, approved)
        print(f"errors in the logs {log_errors(workdir)}; load after: {load()}")


def main() -> None:
    """Parse options and run a mode."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bots", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument("--villagers", type=int, default=200)
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--kill", action="store_true", help="kill -9 the busiest process mid-way")
    parser.add_argument("--lease-ttl", type=float, default=5.0, help="LEASE_TTL with --kill")
    parser.add_argument("--pg", default=DEFAULT_PG, help="PostgreSQL to create databases in")
    args = parser.parse_args()
    if args.kill:
        if len(args.bots) != 1 or args.processes < 2:
            parser.error("--kill takes one --bots value and --processes of at least 2")
        args.bots = args.bots[0]
        asyncio.run(killing(args))
    else:
        asyncio.run(sizes(args.bots, args.villagers, args.pg))


if __name__ == "__main__":
    main()
