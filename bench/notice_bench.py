"""Cross-process latency on PostgreSQL: a message or an update written by another process, until
the bot's holder has acted on it.

One `kiosdesa run --webhook` (the holder of the one bot) runs against the emulator on a fresh
PostgreSQL database; this script plays "another process" with a connection of its own:

- outbox: it commits a message to a villager (as the expiry job or the command line of another
  process would); measured from the commit until the emulator receives the message;
- inbox: it stores a villager's "/help" in the bot's inbox, as another process's webhook server
  stores a post (with the notice it sends); measured from the commit until the bot's answer
  reaches the emulator.

Before each write it waits a random time of up to --spread seconds, so writes fall anywhere in
the holder's poll cycle (2 s for the outbox, FEED_POLL_S for the inbox). `--code DIR` runs the
bot process from another checkout (e.g. one without notices: /work/main before the merge).

Run: python bench/notice_bench.py [--samples 30] [--code /work/main]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from fleet_kit import MANAGER_BASE, fleet_database, load, seed, token  # noqa: E402
from orders_bench import DEFAULT_PG  # noqa: E402

from bot.devtools.emulator import BotApiEmulator, EmulatedBot  # noqa: E402
from bot.domain.entities import OutboxMessage  # noqa: E402
from bot.transport.inbox_gate import arrival  # noqa: E402
from storage import Storage  # noqa: E402
from storage.outbox import enqueue  # noqa: E402

PUBLIC = "https://kios.example/telegram"
VILLAGER = 10_000_001
FIRST_UPDATE = 50_000_000
TIMEOUT_S = 30.0


def help_update(number: int) -> dict[str, object]:
    """A villager's "/help", as Telegram posts it."""
    user = {"id": VILLAGER, "is_bot": False, "first_name": "Wati", "language_code": "en"}
    return {
        "update_id": FIRST_UPDATE + number,
        "message": {
            "message_id": 1000 + number,
            "date": int(time.time()),
            "chat": {"id": VILLAGER, "type": "private", "first_name": "Wati"},
            "from": user,
            "text": "/help",
            "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
        },
    }


async def arrived(bot: EmulatedBot, count: int) -> float:
    """The moment the villager's chat holds `count` messages."""
    deadline = time.monotonic() + TIMEOUT_S
    while len(bot.messages(VILLAGER)) < count:
        if time.monotonic() > deadline:
            raise SystemExit("no message within the timeout: see the bot's log")
        await asyncio.sleep(0.002)
    return time.monotonic()


async def outbox_latency(store: Storage, bot: EmulatedBot, center_id: int, n: int) -> float:
    """One message committed here, until the emulator has it."""
    before = len(bot.messages(VILLAGER))
    async with store.db.write() as conn:
        await enqueue(conn, [OutboxMessage(VILLAGER, f"notice {n}")], center_id=center_id)
    committed = time.monotonic()
    return await arrived(bot, before + 1) - committed


async def inbox_latency(store: Storage, bot: EmulatedBot, n: int) -> float:
    """One update stored here (with its notice), until the bot's answer reaches the emulator."""
    before = len(bot.messages(VILLAGER))
    await store.inbox.receive(bot.id, [arrival(help_update(n))], announce_to_holder=True)
    committed = time.monotonic()
    return await arrived(bot, before + 1) - committed


def figures(name: str, samples: list[float]) -> str:
    """p50 / p95 / max in ms."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return (
        f"{name}: n={len(samples)} p50 {statistics.median(ordered) * 1000:.0f} ms, "
        f"p95 {p95 * 1000:.0f} ms, max {ordered[-1] * 1000:.0f} ms"
    )


async def start_holder(
    emu: BotApiEmulator, url: str, code: Path, workdir: Path
) -> asyncio.subprocess.Process:
    """`kiosdesa run --webhook` from the checkout `code`; returns once it set its webhook."""
    port = 18000 + random.randrange(1000)
    env = {
        **os.environ,
        "BOT_TOKEN": token(0),
        "DATABASE_URL": url,
        "TELEGRAM_API_URL": emu.url,
        "OUTBOX_CHAT_RATE": "1000",
        "PYTHONPATH": str(code),
    }
    argv = ["-m", "bot.cli", "run", "--webhook", PUBLIC, "--listen", f"127.0.0.1:{port}"]
    with (workdir / "bot.log").open("wb") as log:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, *argv, cwd=workdir, env=env,
            stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
    deadline = time.monotonic() + 120
    while not emu.default_bot.webhook.url:
        if time.monotonic() > deadline or proc.returncode is not None:
            raise SystemExit(f"the bot did not start: see {workdir / 'bot.log'}")
        await asyncio.sleep(0.05)
    await asyncio.sleep(2.0)  # its start-up writes and first sweeps are over
    return proc


async def measure(args: argparse.Namespace) -> None:
    """Both latencies, `args.samples` times each, interleaved."""
    print(f"bot code: {args.code}; load before: {load()}")
    async with BotApiEmulator() as emu, fleet_database(args.pg) as url:
        bot = emu.add_bot(token(0), username="notice_bot", name="Kios Notice")
        emu.user(VILLAGER, "Wati", language_code="en")
        emu.user(MANAGER_BASE, "Pak Manager", language_code="en")
        await seed(url, 1)
        store = await Storage.open(url)
        center = (await store.centers.all_centers())[0]
        with tempfile.TemporaryDirectory() as workdir:
            proc = await start_holder(emu, url, Path(args.code), Path(workdir))
            outbox: list[float] = []
            inbox: list[float] = []
            try:
                for n in range(args.samples):
                    await asyncio.sleep(random.uniform(0, args.spread))
                    outbox.append(await outbox_latency(store, bot, center.id, n))
                    await asyncio.sleep(random.uniform(0, args.spread))
                    inbox.append(await inbox_latency(store, bot, n))
            finally:
                proc.terminate()
                await proc.wait()
                await store.close()
    print(figures("outbox message, commit to Telegram", outbox))
    print(figures("webhook update stored elsewhere, commit to the answer", inbox))
    print(f"load after: {load()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument("--spread", type=float, default=2.0, help="random wait before a write, s")
    parser.add_argument("--code", default=str(ROOT), help="the checkout the bot process runs")
    parser.add_argument("--pg", default=DEFAULT_PG, help="PostgreSQL admin DSN")
    asyncio.run(measure(parser.parse_args()))


if __name__ == "__main__":
    main()
