"""End to end: updates a second and reply latency with N villagers shopping at once.

Starts the Bot API emulator and runs the real bot as a process (`python -m bot.cli run`),
as bench/broadcast_bench.py does. N villagers act at once, each pressing the real buttons:
join (/start BENCH), search ("endog", the local name of eggs), open the first hit, add to
cart, /cart, Checkout, Pickup, No note, Confirm; the manager presses Approve on every card
as it arrives. Then, on the same emulator, a bare python-telegram-bot echo bot
(bench/echo_bot.py, same polling settings) gets the same number of updates from the same
N users (ten texts each, each sent once the previous echo came back). Each size runs
--rounds times (3 by default), the two bots taking turns going first; a size's ratio is the
median of its rounds', as a shared machine's speed moves by a third from minute to minute.

Latency is the time from a user's update being queued in the emulator to the bot's answer
(the message the user waits for) arriving at the emulator. Updates a second is updates
queued over the time from the first to the last answer. The outbox is let go at 1,000
messages a second to one chat (OUTBOX_CHAT_RATE; --chat-rate 1 for Telegram's pace, where
the manager's cards queue up and the run lasts at least N seconds), and the bot's overall
limit of 30 messages a second (its send budget, as Telegram asks) is lifted the same
way (BROADCAST_RATE, which raises it), so that the figures measure the bot and not
Telegram's limits, which the echo bot does not keep either (the emulator enforces none
here; tests/e2e/test_manager_burst.py and tests/e2e/test_broadcast_restart.py test them).
Last, the same Kios Desa run again under cProfile, and the hottest functions are printed
(bench/profiled_bot.py: the profile covers the shopping, not the start-up).

Run: python bench/e2e_bench.py [--villagers 50 500] [--rounds 3] [--no-profile] [--chat-rate R]
[--backend sqlite|postgres] [--pg URL] (each run on a fresh SQLite file, or a fresh database
created on the PostgreSQL server and dropped afterwards)
Target: Kios Desa's updates a second >= 0.5 x the echo bot's.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import pstats
import signal
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bot_process import KIOSDESA, process_cpu_seconds, start_bot, stop_bot  # noqa: E402
from orders_bench import DEFAULT_PG, fresh_database  # noqa: E402

from bot.devtools.emulator import BotApiEmulator, SentMessage  # noqa: E402
from bot.domain.catalog_csv import parse_catalog_csv  # noqa: E402
from storage import Storage  # noqa: E402

MANAGER = 900001
CENTER_CODE, CENTER_NAME = "BENCH", "Kios Bench"
SAMPLE_CATALOG = ROOT / "bot" / "data" / "sample_catalog.csv"
TARGET_RATIO = 0.5
# Messages a second: PTB's overall limit out of the way (Telegram's 30 would cap the run).
UNLIMITED_RATE = 100_000.0
ECHO_TEXTS = 10  # per user: the villager's nine updates plus the manager's approval
STEP_TIMEOUT_S = 300.0
PROFILE_TOP = 20
PROJECT_FILES = f"{ROOT}/(bot|handlers|storage)/"


@dataclass(frozen=True)
class Seen:
    """A bot message as it arrived (or was edited) at the emulator."""

    chat_id: int
    message_id: int
    text: str
    buttons: tuple[str, ...]
    at: float


class Watcher:
    """Emulator listener: each chat's arrivals in a queue, so a waiter costs O(1) a change."""

    def __init__(self) -> None:
        self.queues: defaultdict[int, asyncio.Queue[Seen]] = defaultdict(asyncio.Queue)

    def on_message(self, message: SentMessage) -> None:
        """Record a send or edit with the time it reached the emulator."""
        seen = Seen(
            message.chat_id,
            message.message_id,
            message.text,
            tuple(message.button_texts()),
            time.monotonic(),
        )
        self.queues[message.chat_id].put_nowait(seen)

    def forget(self, chat_id: int) -> None:
        """Drop what arrived before the next action (late extras of the previous step)."""
        queue = self.queues[chat_id]
        while not queue.empty():
            queue.get_nowait()

    async def expect(self, chat_id: int, contains: str) -> Seen:
        """The next arrival in the chat whose text contains `contains`."""
        queue = self.queues[chat_id]
        while True:
            seen = await asyncio.wait_for(queue.get(), STEP_TIMEOUT_S)
            if contains in seen.text:
                return seen


@dataclass
class Run:
    """One bot's figures."""

    name: str
    updates: int = 0
    latencies: list[float] = field(default_factory=list)
    started: float = 0.0
    finished: float = 0.0
    cpu_s: float = 0.0

    @property
    def rate(self) -> float:
        """Updates a second, first update queued to last answer."""
        return self.updates / (self.finished - self.started)

    def line(self) -> str:
        """One row of the result table."""
        lat = sorted(self.latencies)
        p50 = statistics.median(lat) * 1000
        p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000
        per_update = self.cpu_s / self.updates * 1000
        return (
            f"{self.name:<22} {self.updates:>7} {self.finished - self.started:>8.2f}"
            f" {self.rate:>9.1f} {p50:>8.1f} {p99:>8.1f} {per_update:>10.2f}"
        )


HEADER = (
    f"{'bot':<22} {'updates':>7} {'time s':>8} {'updates/s':>9} {'p50 ms':>8} {'p99 ms':>8}"
    f" {'CPU ms/upd':>10}"
)


async def seed(database_url: str) -> None:
    """A center with the sample catalog; villagers join it in the chat."""
    store = await Storage.open(database_url)
    try:
        center = await store.centers.add_center(CENTER_CODE, CENTER_NAME, MANAGER, language="en")
        rows = parse_catalog_csv(SAMPLE_CATALOG.read_text(encoding="utf-8"), "IDR")
        await store.catalog.import_rows(center.id, rows)
    finally:
        await store.close()


async def step(
    emu: BotApiEmulator, watch: Watcher, run: Run, user: int, act: Callable[[], object], want: str
) -> Seen:
    """Queue one update and wait for the answer; records its latency."""
    watch.forget(user)
    queued = time.monotonic()
    act()
    run.updates += 1
    seen = await watch.expect(user, want)
    run.latencies.append(seen.at - queued)
    return seen


async def villager_shops(emu: BotApiEmulator, watch: Watcher, run: Run, user: int) -> None:
    """Join, search, add to cart and check out for pickup, pressing the real buttons."""

    def say(text: str) -> Callable[[], object]:
        return partial(emu.send_text, user, text)

    def tap(seen: Seen, label: str) -> Callable[[], object]:
        return partial(emu.press, user, seen.message_id, button_text=label)

    await step(emu, watch, run, user, say(f"/start {CENTER_CODE}"), CENTER_NAME)
    hits = await step(emu, watch, run, user, say("endog"), "Results for")
    card = await step(emu, watch, run, user, tap(hits, hits.buttons[0]), "Choose how many")
    await step(emu, watch, run, user, tap(card, "Add to cart"), "In your cart: 1")
    cart = await step(emu, watch, run, user, say("/cart"), "Your cart")
    how = await step(emu, watch, run, user, tap(cart, "Checkout"), "How do you want")
    note = await step(emu, watch, run, user, tap(how, "Pickup"), "Any note")
    summary = await step(emu, watch, run, user, tap(note, "No note"), "Please check your")
    await step(emu, watch, run, user, tap(summary, "Confirm"), "Order sent")


async def manager_approves(emu: BotApiEmulator, watch: Watcher, run: Run, orders: int) -> None:
    """Press Approve on every new card; the answer is the card edited without the button."""
    await step(emu, watch, run, MANAGER, lambda: emu.send_text(MANAGER, "/start"), "You manage")
    pressed: dict[int, float] = {}
    approved = 0
    queue = watch.queues[MANAGER]
    while approved < orders:
        seen = await asyncio.wait_for(queue.get(), STEP_TIMEOUT_S)
        if seen.message_id in pressed:
            if "Approve" not in seen.buttons:
                run.latencies.append(seen.at - pressed.pop(seen.message_id))
                approved += 1
        elif seen.text.startswith("🧾 #") and "Approve" in seen.buttons:
            pressed[seen.message_id] = time.monotonic()
            emu.press(MANAGER, seen.message_id, button_text="Approve")
            run.updates += 1


async def user_echoes(emu: BotApiEmulator, watch: Watcher, run: Run, user: int) -> None:
    """Ten texts, each sent when the previous echo came back."""
    for n in range(ECHO_TEXTS):
        text = f"halo {user} {n}"
        await step(emu, watch, run, user, partial(emu.send_text, user, text), text)


@dataclass(frozen=True)
class Options:
    """How the bot runs: its outbox pace, and on which database."""

    chat_rate: float
    backend: str
    pg_admin: str


async def run_kiosdesa(
    emu: BotApiEmulator, villagers: int, workdir: Path, first_user: int, options: Options,
    profile_to: Path | None = None,
) -> Run:  # fmt: skip
    """The villagers shop and the manager approves, on a fresh database; returns the figures."""
    async with fresh_database(options.backend, options.pg_admin) as database_url:
        return await _run_kiosdesa(
            emu, villagers, workdir, first_user, options.chat_rate, database_url, profile_to
        )


async def _run_kiosdesa(
    emu: BotApiEmulator, villagers: int, workdir: Path, first_user: int, chat_rate: float,
    database_url: str, profile_to: Path | None,
) -> Run:  # fmt: skip
    await seed(database_url)
    users = range(first_user, first_user + villagers)
    for user in users:
        emu.user(user, f"Warga {user}", language_code="en")
    argv: list[str] = list(KIOSDESA)
    if profile_to is not None:
        argv = [str(ROOT / "bench" / "profiled_bot.py"), str(profile_to)]
    env = {
        "DATABASE_URL": database_url,
        "OUTBOX_CHAT_RATE": f"{chat_rate:g}",
        "BROADCAST_RATE": f"{UNLIMITED_RATE:g}",
        # The bench's manager approves every card at machine speed, no person's pace.
        "FLOOD_BURST": "1000000",
    }
    name = "Kios Desa" + (" (cProfile)" if profile_to else "")
    watch = Watcher()
    emu.on_change(watch.on_message)
    proc = await start_bot(emu, workdir, env, argv, f"kiosdesa-{first_user}.log")
    run = Run(f"{name}, {villagers}")
    try:
        if profile_to is not None:
            proc.send_signal(signal.SIGUSR1)  # the profile starts now, after start-up
        cpu_before = process_cpu_seconds(proc.pid)
        run.started = time.monotonic()
        await asyncio.gather(
            manager_approves(emu, watch, run, villagers),
            *(villager_shops(emu, watch, run, user) for user in users),
        )
        run.finished = time.monotonic()
        run.cpu_s = process_cpu_seconds(proc.pid) - cpu_before
    finally:
        emu.state.listeners.remove(watch.on_message)
        await stop_bot(proc)
    return run


async def run_echo(emu: BotApiEmulator, users_n: int, workdir: Path, first_user: int) -> Run:
    """The same users, as many updates, to the bare echo bot."""
    users = range(first_user, first_user + users_n)
    for user in users:
        emu.user(user, f"Warga {user}", language_code="en")
    watch = Watcher()
    emu.on_change(watch.on_message)
    argv = [str(ROOT / "bench" / "echo_bot.py")]
    proc = await start_bot(emu, workdir, {}, argv, f"echo-{first_user}.log")
    run = Run(f"PTB echo bot, {users_n}")
    try:
        cpu_before = process_cpu_seconds(proc.pid)
        run.started = time.monotonic()
        await asyncio.gather(*(user_echoes(emu, watch, run, user) for user in users))
        run.finished = time.monotonic()
        run.cpu_s = process_cpu_seconds(proc.pid) - cpu_before
    finally:
        emu.state.listeners.remove(watch.on_message)
        await stop_bot(proc)
    return run


def print_profile(path: Path) -> None:
    """The hottest functions of the profiled run: own time, then the project's cumulative."""
    for sort, title, project_only in (
        ("tottime", "own time (all code)", False),
        ("cumulative", "cumulative time (project code)", True),
    ):
        out = io.StringIO()
        stats = pstats.Stats(str(path), stream=out)
        if project_only:
            stats.sort_stats(sort).print_stats(PROJECT_FILES, PROFILE_TOP)
        else:
            stats.strip_dirs().sort_stats(sort).print_stats(PROFILE_TOP)
        body = out.getvalue()
        start = body.find("   ncalls")
        print(f"\nprofile, top {PROFILE_TOP} by {title}:")
        print(body[start:].rstrip() if start >= 0 else body.rstrip())


def log_errors(workdir: Path) -> int:
    """Lines the bots logged at ERROR level or with a traceback."""
    count = 0
    for log in workdir.glob("*.log"):
        text = log.read_text(errors="replace")
        count += text.count(" ERROR ") + text.count("Traceback (most recent call last)")
    return count


async def run(sizes: Sequence[int], rounds: int, profile: bool, options: Options) -> int:
    """Every size, `rounds` times Kios Desa and the echo bot, on one emulator; print the table.

    The two take turns going first, so a drift in the machine's speed weighs on both alike.
    """
    with tempfile.TemporaryDirectory(prefix="kiosdesa-e2e-") as tmp:
        workdir = Path(tmp)
        rows: list[list[tuple[Run, Run]]] = []
        async with BotApiEmulator() as emu:
            emu.user(MANAGER, "Pak Manager", language_code="en")
            emu.opened_before(MANAGER)  # a center at work: its manager's menu can be set
            for index, villagers in enumerate(sizes):
                pairs: list[tuple[Run, Run]] = []
                for round_ in range(rounds):
                    first = 10_000_000 * (index + 1) + 100_000 * round_
                    if round_ % 2 == 0:
                        kios = await run_kiosdesa(emu, villagers, workdir, first, options)
                        echo = await run_echo(emu, villagers, workdir, first + 50_000)
                    else:
                        echo = await run_echo(emu, villagers, workdir, first + 50_000)
                        kios = await run_kiosdesa(emu, villagers, workdir, first, options)
                    pairs.append((kios, echo))
                rows.append(pairs)
            profiled = None
            if profile:
                path = workdir / "kiosdesa.prof"
                profiled = await run_kiosdesa(emu, sizes[-1], workdir, 90_000_000, options, path)
            api_errors = len(emu.errors)
            for error in emu.errors[:5]:
                chat = error.params.get("chat_id")
                print(f"Bot API error: {error.method} chat {chat}: {error.description[:60]}")
        return report(rows, profiled, workdir if profile else None, api_errors, log_errors(workdir))


def report(
    rows: list[list[tuple[Run, Run]]],
    profiled: Run | None,
    workdir: Path | None,
    api_errors: int,
    bot_errors: int,
) -> int:
    """Print the table, the ratios and the profile; exit status 1 if a target is missed.

    A size's ratio is the median of its rounds' (each round: Kios Desa's updates a second
    over the echo bot's in that round), as is its CPU ratio.
    """
    print(HEADER)
    for pairs in rows:
        for kios, echo in pairs:
            print(kios.line())
            print(echo.line())
    if profiled is not None:
        print(profiled.line())
    print()
    ok = api_errors == 0 and bot_errors == 0
    for pairs in rows:
        ratios = [kios.rate / echo.rate for kios, echo in pairs]
        cpu_ratios = [
            (echo.cpu_s / echo.updates) / (kios.cpu_s / kios.updates) for kios, echo in pairs
        ]
        ratio = statistics.median(ratios)
        met = ratio >= TARGET_RATIO
        ok = ok and met
        each = " ".join(f"{r:.2f}" for r in ratios)
        print(
            f"{pairs[0][0].name.split(', ')[1]} villagers: throughput ratio {ratio:.2f}"
            f" (target >= {TARGET_RATIO}) {'met' if met else 'MISSED'};"
            f" CPU a update ratio {statistics.median(cpu_ratios):.2f}"
            f" (median of {len(pairs)} rounds: {each})"
        )
    print(f"Bot API errors (4xx) {api_errors}, errors in the bots' logs {bot_errors}")
    if workdir is not None:
        print_profile(workdir / "kiosdesa.prof")
    print("\ntarget met" if ok else "\nTARGET MISSED")
    return 0 if ok else 1


def main() -> None:
    """Parse options and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--villagers", type=int, nargs="+", default=[50, 500], help="N values")
    parser.add_argument(
        "--rounds", type=int, default=3, help="runs of each bot a size (the median counts)"
    )
    parser.add_argument("--no-profile", action="store_true", help="skip the cProfile run")
    parser.add_argument(
        "--chat-rate",
        type=float,
        default=1000.0,
        help="OUTBOX_CHAT_RATE for the bot (1 = Telegram's pace: the manager's cards queue up)",
    )
    parser.add_argument(
        "--backend", choices=["sqlite", "postgres"], default="sqlite", help="the bot's database"
    )
    parser.add_argument("--pg", default=DEFAULT_PG, help="PostgreSQL to create a database in")
    args = parser.parse_args()
    options = Options(args.chat_rate, args.backend, args.pg)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    raise SystemExit(asyncio.run(run(args.villagers, args.rounds, not args.no_profile, options)))


if __name__ == "__main__":
    main()
