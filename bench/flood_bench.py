"""Benchmark a flood: how long does an order card take to reach the manager while one villager
floods the bot with questions?

The emulator keeps Telegram's pace (one message a second to a chat, 429 beyond it) and the bot
sends at that pace. Siti sends `/ask` and a question, QUESTIONS times, as fast as the bot takes
them; then Budi orders through the chat. The figure is the time from Budi's "Order sent" to
the order's card in the manager's chat, and how many of Siti's messages reached the manager.

Run: python bench/flood_bench.py [--questions 100] [--lifted]
`--lifted` lifts Telegram's limits (no per-chat pace in the emulator or the outbox).
Any checkout of Kios Desa can be measured with the same script: PYTHONPATH=<checkout> python ...
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import sys
import tempfile
import time
from pathlib import Path

sys.path.append(str(Path(__file__).resolve().parent.parent))  # PYTHONPATH may name another

from bot.config import Settings
from bot.devtools.emulator import BotApiEmulator, SentMessage
from bot.domain.catalog_csv import parse_catalog_csv
from bot.runner import run_bot
from storage import Storage

MANAGER, SITI, BUDI = 900001, 100001, 100002
TOKEN = "123456:BENCH"
CATALOG = Path(__file__).resolve().parent.parent / "bot" / "data" / "sample_catalog.csv"
LIFTED_RATE = 1000.0


@dataclasses.dataclass
class Figures:
    questions_accepted: int
    card_after_s: float
    chatter_before_card: int
    refused_notices: int


async def seed(url: str) -> None:
    store = await Storage.open(url)
    try:
        center = await store.centers.add_center("LEPING", "Kios Desa Leping", MANAGER)
        rows = parse_catalog_csv(CATALOG.read_text(encoding="utf-8"), "IDR")
        await store.catalog.import_rows(center.id, rows)
    finally:
        await store.close()


async def press(emu: BotApiEmulator, user: int, message: SentMessage, label: str) -> None:
    emu.press(user, message.message_id, button_text=label)


async def order(emu: BotApiEmulator) -> None:
    """Budi searches, adds one item and checks out for pickup."""
    emu.send_text(BUDI, "minyak goreng")
    results = await emu.wait_for(BUDI, contains="Results for", timeout=120)
    await press(emu, BUDI, results, results.buttons[0][0].text)
    card = await emu.wait_for(BUDI, contains="Choose how many", timeout=120)
    await press(emu, BUDI, card, "Add to cart")
    await emu.wait_for(BUDI, contains="In your cart: 1", timeout=120)
    emu.send_text(BUDI, "/cart")
    for wait, label in (
        ("Your cart", "Checkout"),
        ("How do you want", "Pickup"),
        ("Any note", "No note"),
        ("Please check your order", "Confirm"),
    ):
        await press(emu, BUDI, await emu.wait_for(BUDI, contains=wait, timeout=120), label)
    await emu.wait_for(BUDI, contains="Order sent", timeout=120)


async def flood(emu: BotApiEmulator, questions: int) -> None:
    """Siti asks QUESTIONS questions, each `/ask` then the text, as fast as the bot answers."""
    for n in range(questions):
        emu.send_text(SITI, "/ask")
        emu.send_text(SITI, f"Pertanyaan banjir {n}")
        await asyncio.sleep(0.07)  # about 100 questions in 7 seconds


async def run(questions: int, lifted: bool) -> Figures:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/flood.db"
        await seed(url)
        per_chat, overall = (None, None) if lifted else (1.0, 30.0)
        async with BotApiEmulator(per_chat_rate_per_s=per_chat, global_rate_per_s=overall) as emu:
            emu.user(MANAGER, "Pak Joko", language_code="en")
            emu.user(SITI, "Siti", language_code="en")
            emu.user(BUDI, "Budi", language_code="en")
            settings = Settings(
                bot_token=TOKEN,
                database_url=url,
                telegram_api_url=emu.url,
                outbox_poll_seconds=0.5,
                outbox_chat_rate_per_s=LIFTED_RATE if lifted else 1.0,
            )
            stop = asyncio.Event()
            bot = asyncio.create_task(run_bot(settings, stop))
            try:
                return await measure(emu, url, questions)
            finally:
                stop.set()
                await bot


async def measure(emu: BotApiEmulator, url: str, questions: int) -> Figures:
    emu.send_text(MANAGER, "/start")
    await emu.wait_for(MANAGER, contains="You manage", timeout=30)
    for villager in (SITI, BUDI):
        emu.send_text(villager, "/start LEPING")
        await emu.wait_for(villager, contains="Kios Desa Leping")
    await flood(emu, questions)
    await order(emu)
    sent_at = time.monotonic()
    card = await emu.wait_for(MANAGER, contains="🧾 #1 ·", after=0, timeout=1800)
    card_after = time.monotonic() - sent_at
    chatter = [m for m in emu.messages(MANAGER) if "banjir" in m.text]
    store = await Storage.open(url)
    try:
        accepted = len(await store.questions.of_villager(SITI))
    finally:
        await store.close()
    notices = [m for m in emu.messages(SITI) if "✋" in m.text]
    return Figures(
        questions_accepted=accepted,
        card_after_s=card_after,
        chatter_before_card=len([m for m in chatter if m.message_id < card.message_id]),
        refused_notices=len(notices),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--lifted", action="store_true", help="lift Telegram's limits")
    args = parser.parse_args()
    figures = asyncio.run(run(args.questions, args.lifted))
    pace = "lifted" if args.lifted else "Telegram's pace (1 message a second to a chat)"
    print(f"flood of {args.questions} questions, {pace}")
    print(f"  questions accepted:               {figures.questions_accepted}")
    print(f"  slow-down notices to the flooder:  {figures.refused_notices}")
    print(f"  flood messages before the card:    {figures.chatter_before_card}")
    print(f"  order card reached the manager in: {figures.card_after_s:.1f} s")


if __name__ == "__main__":
    main()
