"""Benchmark a broadcast: does the bot reach the configured rate, and never go faster?

Starts the Bot API emulator with a global limit of R messages a second (Telegram's flood
control, answering 429 beyond it), runs the real bot as a process with BROADCAST_RATE=R,
and has the manager broadcast to N villagers.

Run: python bench/broadcast_bench.py [--rate 200] [--villagers 2000] [--database URL]
Target: achieved rate >= 0.9 R, with no 429.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bot_process import process_cpu_seconds, start_bot, stop_bot  # noqa: E402

from bot.devtools.emulator import BotApiEmulator, SentMessage  # noqa: E402
from storage import Storage  # noqa: E402
from storage.clock import now  # noqa: E402
from storage.schema import users  # noqa: E402

MANAGER = 900001
FIRST_VILLAGER = 10_000_001
MARKER = "Bench announcement"
TARGET_RATIO = 0.9


@dataclass
class Arrivals:
    """When each announcement reached a villager's chat, on the emulator's clock."""

    times: list[float] = field(default_factory=list)
    per_chat: Counter[int] = field(default_factory=Counter)
    bot_cpu_s: float = 0.0

    def on_message(self, message: SentMessage) -> None:
        """Emulator listener: count each new announcement in a villager's chat."""
        if message.chat_id != MANAGER and message.edited == 0 and MARKER in message.text:
            self.times.append(time.monotonic())
            self.per_chat[message.chat_id] += 1


async def seed(database_url: str, villagers: int) -> None:
    """A center, its manager, and N villagers who joined it (one bulk insert)."""
    store = await Storage.open(database_url)
    try:
        center = await store.centers.add_center("BENCH", "Kios Bench", MANAGER, language="en")
        rows = [
            dict(
                id=FIRST_VILLAGER + n,
                first_name=f"Warga {n}",
                telegram_language="id",
                center_id=center.id,
                muted=False,
                created_at=now(),
            )
            for n in range(villagers)
        ]
        async with store.db.write() as conn:
            await conn.execute(users.insert(), rows)
    finally:
        await store.close()


async def broadcast(emu: BotApiEmulator, villagers: int) -> tuple[float, SentMessage]:
    """The manager composes and presses Send; returns the press time and the final report."""
    emu.send_text(MANAGER, "/start")
    await emu.wait_for(MANAGER, contains="You manage")
    emu.send_text(MANAGER, "/broadcast")
    await emu.wait_for(MANAGER, contains="Write the announcement")
    emu.send_text(MANAGER, f"{MARKER}: pasar murah besok jam 8 di balai desa.")
    prompt = await emu.wait_for(MANAGER, contains="Recipients:")
    pressed_at = time.monotonic()
    emu.press(MANAGER, prompt.message_id, button_text="📣 Send")
    report = await emu.wait_for(
        MANAGER,
        lambda m: m.message_id == prompt.message_id and "Announcement sent" in m.text,
        timeout=villagers / 10 + 60,
    )
    return pressed_at, report


async def run(rate: float, villagers: int, database: str | None) -> int:
    """Run one broadcast and print the figures; exit status 1 if the target is missed."""
    with tempfile.TemporaryDirectory(prefix="kiosdesa-bench-") as tmp:
        workdir = Path(tmp)
        database_url = database or f"sqlite:///{workdir / 'bench.db'}"
        await seed(database_url, villagers)
        arrivals = Arrivals()
        async with BotApiEmulator(global_rate_per_s=rate) as emu:
            emu.user(MANAGER, "Pak Manager", language_code="en")
            emu.on_change(arrivals.on_message)
            env = {"DATABASE_URL": database_url, "BROADCAST_RATE": str(rate)}
            proc = await start_bot(emu, workdir, env)
            try:
                cpu_before = process_cpu_seconds(proc.pid)
                pressed_at, report = await broadcast(emu, villagers)
                finished_at = time.monotonic()
                arrivals.bot_cpu_s = process_cpu_seconds(proc.pid) - cpu_before
            finally:
                await stop_bot(proc)
            return report_figures(rate, villagers, arrivals, emu, pressed_at, finished_at, report)


def report_figures(
    rate: float,
    villagers: int,
    arrivals: Arrivals,
    emu: BotApiEmulator,
    pressed_at: float,
    finished_at: float,
    report: SentMessage,
) -> int:
    """Print the benchmark's result lines."""
    times = arrivals.times
    span = times[-1] - times[0] if len(times) > 1 else float("nan")
    achieved = (len(times) - 1) / span
    overall = len(times) / (finished_at - pressed_at)
    twice = sum(1 for n in arrivals.per_chat.values() if n > 1)
    busiest = max_in_any_second(times)
    print(f"villagers {villagers}, configured rate R = {rate:g}/s (emulator limit {rate:g}/s)")
    print(f"delivered {len(times)} in {span:.2f} s (first to last message)")
    print(f"achieved rate {achieved:.1f}/s, ratio to R {achieved / rate:.3f}")
    print(f"press to report {finished_at - pressed_at:.2f} s ({overall:.1f}/s overall)")
    print(f"most messages in any 1 s window {busiest}")
    print(f"429 answers {emu.stats.rate_limited}, villagers with a duplicate {twice}")
    cpu = arrivals.bot_cpu_s
    busy = cpu / (finished_at - pressed_at)
    print(f"bot CPU {cpu:.1f} s: {cpu / len(times) * 1000:.2f} ms a message, {busy:.0%} of a core")
    print(f"report: {report.text.splitlines()[1:4]}")
    ok = achieved / rate >= TARGET_RATIO and len(times) == villagers and twice == 0
    print("target met" if ok else "TARGET MISSED")
    return 0 if ok else 1


def max_in_any_second(times: list[float]) -> int:
    """The largest number of arrivals inside any one-second window."""
    best, start = 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] >= 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best


def main() -> None:
    """Parse options and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200.0, help="R, messages a second")
    parser.add_argument("--villagers", type=int, default=2000, help="N")
    parser.add_argument("--database", help="DATABASE_URL (default: a fresh SQLite file)")
    args = parser.parse_args()
    raise SystemExit(asyncio.run(run(args.rate, args.villagers, args.database)))


if __name__ == "__main__":
    main()
