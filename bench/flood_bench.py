"""Benchmark a flood: how long does an order card take to reach the manager after one villager
flooded the bot with questions?

Siti sends `/ask` and a question, QUESTIONS times, each as soon as the bot answers the last
(or after a second without an answer: the flood gate may be ignoring her), as a script would.
Then Budi orders through the chat. The figure is the time from Budi's "Order sent" to the
order's card in the manager's chat, and how many of Siti's questions reached the manager first.

The outbox sends to one chat at Telegram's pace (OUTBOX_CHAT_RATE, 1 a second); the emulator
answers the flooder's own chat without a limit, so the flood is as fast as the bot takes it
(the worst case). `--outbox-rate 10` is the pace the issue that asked for this first measured.

Run: python bench/flood_bench.py [--questions 100] [--outbox-rate 1]
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
# Steps without an answer after which the flooder gives up (the bot is ignoring her).
IGNORED_STEPS = 6


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
    """Siti asks QUESTIONS questions as fast as the bot answers; stops when it stops answering."""
    ignored = 0
    for n in range(questions):
        for text in ("/ask", f"Pertanyaan banjir {n}"):
            emu.send_text(SITI, text)
            try:
                await emu.wait_for(SITI, timeout=1.0)
                ignored = 0
            except AssertionError:
                ignored += 1
        if ignored >= IGNORED_STEPS:  # the bot stopped taking her messages: the flood is over
            return


async def run(questions: int, outbox_rate: float) -> Figures:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/flood.db"
        await seed(url)
        async with BotApiEmulator() as emu:
            emu.user(MANAGER, "Pak Joko", language_code="en")
            emu.user(SITI, "Siti", language_code="en")
            emu.user(BUDI, "Budi", language_code="en")
            settings = Settings(
                bot_token=TOKEN,
                database_url=url,
                telegram_api_url=emu.url,
                outbox_poll_seconds=0.5,
                outbox_chat_rate_per_s=outbox_rate,
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
    card = await emu.wait_for(MANAGER, lambda m: "🧾 #" in m.text, after=0, timeout=1800)
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
    parser.add_argument("--outbox-rate", type=float, default=1.0, help="messages a second a chat")
    args = parser.parse_args()
    figures = asyncio.run(run(args.questions, args.outbox_rate))
    print(f"flood of {args.questions} questions, outbox at {args.outbox_rate:g} a second a chat")
    print(f"  questions accepted:               {figures.questions_accepted}")
    print(f"  slow-down notices to the flooder:  {figures.refused_notices}")
    print(f"  flood messages before the card:    {figures.chatter_before_card}")
    print(f"  order card reached the manager in: {figures.card_after_s:.1f} s")


if __name__ == "__main__":
    main()
