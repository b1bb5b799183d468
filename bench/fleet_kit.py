"""The kit of bench/fleet_bench.py: seeding a bot a center, starting processes, the story."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import e2e_bench  # noqa: E402
from bot_process import KIOSDESA, process_cpu_seconds  # noqa: E402
from e2e_bench import UNLIMITED_RATE, Run, Seen, Watcher, step  # noqa: E402

from bot.devtools.emulator import BotApiEmulator, EmulatedBot  # noqa: E402
from bot.domain.catalog_csv import parse_catalog_csv  # noqa: E402
from storage import Storage  # noqa: E402

BOT_BASE = 700000
MANAGER_BASE = 800000
PROBE_BASE = 850000
VILLAGER_BASE = 10_000_000
SAMPLE_CATALOG = ROOT / "bot" / "data" / "sample_catalog.csv"
START_TIMEOUT_S = 300.0
DRAIN_TIMEOUT_S = 120.0


def token(index: int) -> str:
    """Bot number `index`'s token (its id is the number before the colon)."""
    return f"{BOT_BASE + index}:FLEET-TOKEN-{index}"


def code(index: int) -> str:
    """The code of bot `index`'s center."""
    return f"F{index:03d}"


def center_name(index: int) -> str:
    """The name of bot `index`'s center."""
    return f"Kios Fleet {index:03d}"


@asynccontextmanager
async def fleet_database(pg_admin: str) -> AsyncIterator[str]:
    """A new database fleet_<random> on the server, dropped afterwards."""
    name = f"fleet_{uuid.uuid4().hex[:12]}"
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


async def seed(database_url: str, bots: int) -> None:
    """One center a bot, each with the sample catalog and its manager."""
    rows = parse_catalog_csv(SAMPLE_CATALOG.read_text(encoding="utf-8"), "IDR")
    store = await Storage.open(database_url)
    try:
        for index in range(bots):
            bot_id = None
            if index > 0:
                bot_id = BOT_BASE + index
                await store.bots.add(bot_id, f"fleet{index}", token(index), f"fleet_{index}_bot")
            center = await store.centers.add_center(
                code(index), center_name(index), MANAGER_BASE + index, bot_id=bot_id, language="en"
            )
            await store.catalog.import_rows(center.id, rows)
    finally:
        await store.close()


@dataclass
class Fleet:
    """The emulator's bots, the processes serving them and what the villagers did."""

    emu: BotApiEmulator
    bots: list[EmulatedBot]
    database_url: str
    workdir: Path
    env: dict[str, str]
    procs: list[asyncio.subprocess.Process] = field(default_factory=list)
    confirmed: set[int] = field(default_factory=set)
    started_at: dict[int, float] = field(default_factory=dict)
    finished_at: dict[int, float] = field(default_factory=dict)
    done: set[int] = field(default_factory=set)  # villagers whose story ended, either way
    stuck: Counter[str] = field(default_factory=Counter)
    # What a stuck villager saw last (the bot's latest message in the chat), by step.
    last_seen: Counter[tuple[str, str]] = field(default_factory=Counter)
    # Villagers stuck at Confirm who pressed it again and were shown "Order sent".
    sent_on_second_press: set[int] = field(default_factory=set)

    async def start_process(self) -> asyncio.subprocess.Process:
        """One more `kiosdesa run` on the fleet's database."""
        env = {
            **os.environ,
            **self.env,
            "BOT_TOKEN": token(0),
            "DATABASE_URL": self.database_url,
            "TELEGRAM_API_URL": self.emu.url,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        }
        log = self.workdir / f"kiosdesa-{len(self.procs) + 1}.log"
        with log.open("wb") as out:
            proc = await asyncio.create_subprocess_exec(
                sys.executable, *KIOSDESA, cwd=self.workdir, env=env,
                stdin=asyncio.subprocess.DEVNULL, stdout=out, stderr=asyncio.subprocess.STDOUT,
            )  # fmt: skip
        self.procs.append(proc)
        return proc

    async def all_polling(self, since: list[int]) -> float:
        """Seconds until every bot has polled since the counts in `since`."""
        began = time.monotonic()
        while any(
            b.stats.requests["getUpdates"] <= n for b, n in zip(self.bots, since, strict=True)
        ):
            if time.monotonic() - began > START_TIMEOUT_S:
                raise SystemExit("not every bot polls; see the logs in " + str(self.workdir))
            if any(p.returncode is not None for p in self.procs if p.returncode != -9):
                raise SystemExit("a bot process exited; see the logs in " + str(self.workdir))
            await asyncio.sleep(0.05)
        return time.monotonic() - began

    async def holders(self) -> dict[int, int]:
        """Each bot's index, and the operating system's id of the process holding it."""
        store = await Storage.open(self.database_url)
        try:
            held = await store.leases.holders()
            async with store.db.read() as conn:
                rows = (await conn.exec_driver_sql("SELECT id, pid FROM processes")).all()
        finally:
            await store.close()
        pids = {int(row.id): int(row.pid) for row in rows}
        return {bot - BOT_BASE: pids[holder] for bot, holder in held.items()}

    def cpu_seconds(self) -> float:
        """CPU time of the live processes, together."""
        return sum(process_cpu_seconds(p.pid) for p in self.procs if p.returncode is None)

    def peak_rss_mb(self) -> float:
        """The largest peak resident memory (VmHWM) of the live processes, in MB."""
        peaks = [0.0]
        for proc in self.procs:
            try:
                status = Path(f"/proc/{proc.pid}/status").read_text()
            except OSError:
                continue
            for line in status.splitlines():
                if line.startswith("VmHWM:"):
                    peaks.append(int(line.split()[1]) / 1024)
        return max(peaks)

    async def stop(self) -> None:
        """SIGTERM to the live processes, as an operator stops them."""
        for proc in self.procs:
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                await asyncio.wait_for(proc.wait(), 120)
            except TimeoutError:
                proc.kill()
                await proc.wait()


async def villager_shops(fleet: Fleet, watch: Watcher, run: Run, user: int, index: int) -> None:
    """e2e_bench's story at the villager's center; a step with no answer counts as stuck."""
    fleet.started_at[user] = time.monotonic()
    try:
        await _shop(fleet, watch, run, user, index)
    finally:
        fleet.done.add(user)


async def _shop(fleet: Fleet, watch: Watcher, run: Run, user: int, index: int) -> None:
    """The story itself (villager_shops)."""
    bot = fleet.bots[index]

    def say(text: str) -> partial[object]:
        return partial(bot.send_text, user, text)

    def tap(seen: Seen, label: str) -> partial[object]:
        return partial(bot.press, user, seen.message_id, button_text=label)

    where = "join"
    summary: Seen | None = None
    try:
        await step(bot, watch, run, user, say(f"/start {code(index)}"), center_name(index))
        where = "search"
        hits = await step(bot, watch, run, user, say("endog"), "Results for")
        where = "open"
        card = await step(bot, watch, run, user, tap(hits, hits.buttons[0]), "Choose how many")
        where = "add"
        await step(bot, watch, run, user, tap(card, "Add to cart"), "In your cart: 1")
        where = "cart"
        cart = await step(bot, watch, run, user, say("/cart"), "Your cart")
        where = "checkout"
        how = await step(bot, watch, run, user, tap(cart, "Checkout"), "How do you want")
        where = "pickup"
        note = await step(bot, watch, run, user, tap(how, "Pickup"), "Any note")
        where = "note"
        summary = await step(bot, watch, run, user, tap(note, "No note"), "Please check your")
        where = "confirm"
        await step(bot, watch, run, user, tap(summary, "Confirm"), "Order sent")
    except TimeoutError:
        fleet.stuck[where] += 1
        shown = bot.messages(user)
        presses = [r for r in bot.state.callback_queries.values() if r.user_id == user]
        answer = presses[-1].answer if presses else None
        said = f"{shown[-1].text[:40] if shown else ''!r}; last press answered {answer}"
        fleet.last_seen[(where, said)] += 1
        if summary is not None and where == "confirm":
            await _confirm_again(fleet, bot, watch, run, user, tap(summary, "Confirm"))
        return
    fleet.confirmed.add(user)
    fleet.finished_at[user] = time.monotonic()


async def _confirm_again(
    fleet: Fleet, bot: EmulatedBot, watch: Watcher, run: Run, user: int, press: partial[object]
) -> None:
    """A villager whose Confirm went unanswered presses it again, as a person would: the order
    its draft made answers ("Order sent"), and no second order is made (counted afterwards)."""
    try:
        await step(bot, watch, run, user, press, "Order sent")
    except TimeoutError:
        return
    fleet.sent_on_second_press.add(user)


async def manager_approves(
    fleet: Fleet, watch: Watcher, run: Run, index: int, villagers: set[int]
) -> int:
    """Approve each order's card once (a card shown twice is pressed once) until the bot's
    villagers are all done, every confirmed one's card is approved, and no press waits for
    its answer; or, once they are done, until the chat stays quiet for a step's timeout.
    Returns approvals.

    Not "until quiet for a step's timeout" alone: with thousands of villagers the first card
    comes after more than that, and a villager slowed by a takeover may confirm after the
    manager's chat was quiet that long; the orders left unapproved were counted as approval
    notices lost.
    """
    bot, manager = fleet.bots[index], MANAGER_BASE + index
    queue = watch.queues[manager]
    pressed: dict[int, float] = {}
    numbers: set[str] = set()
    approved = 0
    quiet_since = time.monotonic()
    while True:
        try:
            seen = await asyncio.wait_for(queue.get(), 1.0)
        except TimeoutError:
            if any(user not in fleet.done for user in villagers):  # a card may come yet
                quiet_since = time.monotonic()
                continue
            confirmed = sum(1 for user in villagers if user in fleet.confirmed)
            if not pressed and approved >= confirmed:
                return approved
            if time.monotonic() - quiet_since > e2e_bench.STEP_TIMEOUT_S:
                return approved
            continue
        quiet_since = time.monotonic()
        if seen.message_id in pressed:
            if "Approve" not in seen.buttons:
                run.latencies.append(seen.at - pressed.pop(seen.message_id))
                approved += 1
        elif seen.text.startswith("🧾 #") and "Approve" in seen.buttons:
            number = seen.text.split()[1]
            if number in numbers:
                continue
            numbers.add(number)
            pressed[seen.message_id] = time.monotonic()
            bot.press(manager, seen.message_id, button_text="Approve")
            run.updates += 1


def people(emu: BotApiEmulator, bots: int, villagers: int) -> list[tuple[int, int]]:
    """Managers, probes and villagers known to the emulator; (villager, bot index) pairs."""
    for index in range(bots):
        emu.user(MANAGER_BASE + index, f"Manager {index}", language_code="en")
        emu.user(PROBE_BASE + index, f"Probe {index}", language_code="en")
    spread = [(VILLAGER_BASE + n, n % bots) for n in range(villagers)]
    for user, _ in spread:
        emu.user(user, f"Warga {user}", language_code="en")
    return spread


@asynccontextmanager
async def fleet_of(
    emu: BotApiEmulator, bots: int, database_url: str, workdir: Path, env: dict[str, str]
) -> AsyncIterator[Fleet]:
    """The bots added to the emulator (managers' chats opened), their processes stopped after."""
    emulated = [
        emu.add_bot(token(i), username=f"fleet_{i}_bot", name=center_name(i)) for i in range(bots)
    ]
    for index, bot in enumerate(emulated):
        bot.opened_before(MANAGER_BASE + index)
    fleet = Fleet(emu, emulated, database_url, workdir, env)
    try:
        yield fleet
    finally:
        await fleet.stop()


def bench_env(lease_ttl: float | None) -> dict[str, str]:
    """The bots' settings: Telegram's limits lifted, as in e2e_bench."""
    env = {
        "OUTBOX_CHAT_RATE": "1000",
        "BROADCAST_RATE": f"{UNLIMITED_RATE:g}",
        "FLOOD_BURST": "1000000",
        "PYTHONUNBUFFERED": "1",
    }
    if lease_ttl is not None:
        env["LEASE_TTL"] = f"{lease_ttl:g}"
    return env


def shoppers(fleet: Fleet, watch: Watcher, run: Run, spread: list[tuple[int, int]]) -> list:
    """Every villager's story and every manager's approvals, as coroutines."""
    per_bot: dict[int, set[int]] = {i: set() for i in range(len(fleet.bots))}
    for user, index in spread:
        per_bot[index].add(user)
    return [
        *(manager_approves(fleet, watch, run, i, per_bot[i]) for i in range(len(fleet.bots))),
        *(villager_shops(fleet, watch, run, user, index) for user, index in spread),
    ]


def log_errors(workdir: Path) -> int:
    """Tracebacks and ERROR lines in the processes' logs; the first few are printed."""
    count = 0
    for log in sorted(workdir.glob("*.log")):
        lines = log.read_text(errors="replace").splitlines()
        errors = [line for line in lines if " ERROR " in line or line.startswith("Traceback")]
        for line in errors[:3]:
            print(f"  {log.name}: {line[:160]}")
        count += len(errors)
    return count


def load() -> str:
    """The machine's load average (1, 5, 15 minutes)."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())
