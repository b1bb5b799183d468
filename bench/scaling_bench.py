"""The figures behind docs/scaling.md: messages and database writes an item, counted.

Part 1, counted against the Bot API emulator with the real bot as a process on a fresh
PostgreSQL database: a villager joins (once in their life), then one goods order end to end
(search, open, add, /cart, checkout, pickup, no note, confirm; the manager approves, marks it
ready, marks it picked up, records cash) and one phone top-up (/topup, own number, product,
confirm; the manager approves and types the serial). Each story runs in its own start and
stop of the bot, so PostgreSQL's counters (pg_stat_user_tables, pg_stat_database), which a
server process publishes when it exits, hold that story only; an idle start and stop is
measured too and subtracted. Bot API calls are the emulator's counters.

Part 2 (bench/scaling_volume.py): the goods order's life through storage, at volume, timed;
bytes a row of the main tables; pgbench's simple-update TPS on a scratch database.

Run: python bench/scaling_bench.py [--orders 2000] [--submitters 8] [--pgbench-seconds 15]
     [--pg postgresql://postgres@127.0.0.1:5432/test] [--skip-volume] [--skip-pgbench]
Every figure is printed with the load average of the machine beside it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import string
import sys
import tempfile
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bot_process import start_bot, stop_bot  # noqa: E402
from orders_bench import DEFAULT_PG, fresh_database  # noqa: E402
from scaling_volume import load_average, run_pgbench, run_volume, write_counters  # noqa: E402

from bot.devtools.emulator import BotApiEmulator, SentMessage, parse_html  # noqa: E402
from bot.domain.catalog_csv import parse_catalog_csv  # noqa: E402
from bot.views.texts import catalog, plain, t  # noqa: E402
from storage import Storage  # noqa: E402

MANAGER, VILLAGER = 900001, 700001
SAMPLE_CATALOG = ROOT / "bot" / "data" / "sample_catalog.csv"
QUIET_S = 1.5  # no Bot API call for this long: the story's messages are all out
IDLE_S = 5.0
SENDS = {"sendMessage", "sendPhoto", "sendDocument", "sendMediaGroup", "copyMessage"}
EDITS = {"editMessageText", "editMessageReplyMarkup", "editMessageCaption", "editMessageMedia"}
POLLING = {"getUpdates", "getMe"}


def part(key: str) -> str:
    """The longest stretch of an English locale text that no placeholder touches."""
    text = parse_html(t("en", key, **{name: "\ue000" for name in _slots(key)})).text
    return max(text.split("\ue000"), key=len).strip()


def _slots(key: str) -> list[str]:
    """The placeholder names of a locale text."""
    template = catalog("en")[key]
    return [name for _, name, _, _ in string.Formatter().parse(template) if name]


def label(key: str, **values: object) -> str:
    """A button label in English."""
    return plain("en", key, **values)


@dataclass(frozen=True)
class Story:
    """One story's traffic: Bot API calls by method, rows written by table, commits.

    Commits count read transactions too, the bot's timed ones (the outbox's polls...)
    among them, so they grow with the story's length and are not netted out.
    """

    name: str
    calls: Counter[str]
    rows: Counter[str]
    commits: int
    to_chat: Counter[int]  # sends and edits (and deletes) that reached each chat
    updates: int  # what the villager and the manager sent: texts, presses, a contact

    def minus(self, idle: Story) -> Story:
        """The story without what a bare start, idle wait and stop of the bot cost."""
        return Story(self.name, self.calls - idle.calls, self.rows - idle.rows,
                     self.commits, self.to_chat, self.updates)  # fmt: skip

    def line(self, with_commits: bool = True) -> str:
        """One row of the table: messages by kind, then database writes."""
        calls = self.calls
        sends = sum(calls[m] for m in SENDS)
        edits = sum(calls[m] for m in EDITS)
        other = sum(n for m, n in calls.items() if m not in SENDS | EDITS | POLLING)
        other -= calls["answerCallbackQuery"]
        return (
            f"{self.name:<16} {self.updates:>7} {sends:>5} {edits:>5} {sends + edits:>9} "
            f"{calls['answerCallbackQuery']:>8} {other:>5} {sum(self.rows.values()):>11} "
            f"{self.commits if with_commits else '-':>7}"
            f" {self.to_chat[VILLAGER]:>8} {self.to_chat[MANAGER]:>7}"
        )


HEADER = (
    f"{'story':<16} {'updates':>7} {'sends':>5} {'edits':>5} {'messages':>9} {'answers':>8}"
    f" {'other':>5} {'rows written':>11} {'commits':>7} {'villager':>8} {'manager':>7}"
)


def updates_queued(emu: BotApiEmulator) -> int:
    """How many updates the emulator has queued for the bot so far (the next update id)."""
    return emu.state.updates._next_id  # the queue keeps no public count


async def quiet(emu: BotApiEmulator) -> None:
    """Wait until the bot has made no call but polling for QUIET_S."""

    def busy() -> int:
        return sum(n for m, n in emu.stats.requests.items() if m not in POLLING)

    seen = -1
    while seen != busy():
        seen = busy()
        await asyncio.sleep(QUIET_S)


def tap(emu: BotApiEmulator, user: int, message: SentMessage, key: str) -> None:
    """Press the button labelled by locale `key` on `message`."""
    emu.press(user, message.message_id, button_text=label(key))


async def card_with(emu: BotApiEmulator, card: SentMessage, button: str) -> SentMessage:
    """The manager's card `card` once it shows `button`."""
    return await emu.wait_for(
        MANAGER, lambda m: m.message_id == card.message_id and button in m.button_texts(),
        after=0, timeout=30,
    )  # fmt: skip


async def join(emu: BotApiEmulator) -> None:
    """The manager says /start; the villager opens the center's link and shares the phone."""
    emu.send_text(MANAGER, "/start")
    await emu.wait_for(MANAGER, contains=part("onboarding.welcome_manager"))
    emu.send_text(VILLAGER, "/start BENCH")
    await emu.wait_for(VILLAGER, contains="Kios Bench")
    emu.send_contact(VILLAGER, "6281234567890")
    await emu.wait_for(VILLAGER, contains="+6281234567890")


async def goods_order(emu: BotApiEmulator) -> None:
    """Search, add, check out for pickup; approved, ready, picked up, paid cash."""
    emu.send_text(VILLAGER, "minyak goreng")
    hits = await emu.wait_for(VILLAGER, contains=part("shop.results"))
    emu.press(VILLAGER, hits.message_id, button_text=hits.buttons[0][0].text)
    card = await emu.wait_for(VILLAGER, contains=part("shop.product"))
    tap(emu, VILLAGER, card, "shop.add_to_cart")
    await emu.wait_for(VILLAGER, contains=part("shop.in_cart"))
    emu.send_text(VILLAGER, "/cart")
    cart = await emu.wait_for(VILLAGER, contains=part("cart.summary"))
    tap(emu, VILLAGER, cart, "cart.checkout")
    how = await emu.wait_for(VILLAGER, contains=part("checkout.how"))
    tap(emu, VILLAGER, how, "checkout.pickup")
    note = await emu.wait_for(VILLAGER, contains=part("checkout.ask_note"))
    tap(emu, VILLAGER, note, "checkout.skip_note")
    summary = await emu.wait_for(VILLAGER, contains=part("checkout.summary"))
    tap(emu, VILLAGER, summary, "checkout.confirm")
    await emu.wait_for(VILLAGER, contains=part("checkout.submitted"))
    desk = await emu.wait_for(MANAGER, lambda m: label("action.approve") in m.button_texts())
    await manager_walks(emu, desk, ["action.approve", "action.mark_ready", "action.complete"])
    desk = await card_with(emu, desk, label("pay.button.cash"))
    tap(emu, MANAGER, desk, "pay.button.cash")
    await emu.wait_for(VILLAGER, contains=part("pay.told.cash"), after=0, timeout=30)


async def manager_walks(emu: BotApiEmulator, card: SentMessage, steps: list[str]) -> None:
    """Press each step's button on the card as soon as the card shows it."""
    for key in steps:
        card = await card_with(emu, card, label(key))
        tap(emu, MANAGER, card, key)


async def topup(emu: BotApiEmulator) -> None:
    """Top up the villager's own number; the manager approves and types the serial."""
    emu.send_text(VILLAGER, "/topup")
    ask = await emu.wait_for(VILLAGER, contains=part("topup.ask_number"))
    emu.press(VILLAGER, ask.message_id, button_text=ask.buttons[0][0].text)
    offer = await emu.wait_for(VILLAGER, lambda m: len(m.button_texts()) > 1)
    emu.press(VILLAGER, offer.message_id, button_text=offer.buttons[0][0].text)
    summary = await emu.wait_for(VILLAGER, contains=part("topup.summary"))
    tap(emu, VILLAGER, summary, "topup.confirm")
    await emu.wait_for(VILLAGER, contains=part("topup.submitted"))
    desk = await emu.wait_for(MANAGER, lambda m: label("action.approve") in m.button_texts())
    tap(emu, MANAGER, desk, "action.approve")
    await emu.wait_for(MANAGER, contains=part("request.ask_reference"))
    emu.send_text(MANAGER, "SN 4411-2233")
    await emu.wait_for(VILLAGER, contains="SN 4411-2233", timeout=30)


async def idle(emu: BotApiEmulator) -> None:
    """Nothing happens: the cost of starting, waiting and stopping."""
    await asyncio.sleep(IDLE_S)


async def seed(database_url: str) -> None:
    """A center with the sample catalog (its service price lists come with it)."""
    store = await Storage.open(database_url)
    try:
        center = await store.centers.add_center("BENCH", "Kios Bench", MANAGER, language="en")
        rows = parse_catalog_csv(SAMPLE_CATALOG.read_text(encoding="utf-8"), "IDR")
        await store.catalog.import_rows(center.id, rows)
    finally:
        await store.close()


async def story(
    emu: BotApiEmulator, workdir: Path, url: str, pg: str, name: str,
    act: Callable[[BotApiEmulator], Awaitable[None]],
) -> Story:  # fmt: skip
    """Start the bot, play the story, let its messages out, stop it; what it cost."""
    rows_before, commits_before = await write_counters(pg, url)
    calls_before = Counter(emu.stats.requests)
    updates_before = updates_queued(emu)
    to_chat: Counter[int] = Counter()
    unsubscribe = emu.on_change(lambda message: to_chat.update([message.chat_id]))
    proc = await start_bot(emu, workdir, {"DATABASE_URL": url, "OUTBOX_CHAT_RATE": "1000"},
                           log_name=f"{name.replace('/', '-')}.log")  # fmt: skip
    try:
        await act(emu)
        await quiet(emu)
    finally:
        await stop_bot(proc)
        unsubscribe()
    await asyncio.sleep(1.0)  # the server processes publish their counters as they exit
    rows_after, commits_after = await write_counters(pg, url)
    calls = Counter(emu.stats.requests)
    calls.subtract(calls_before)
    rows = Counter(rows_after)
    rows.subtract(rows_before)
    return Story(name, +calls, +rows, commits_after - commits_before, to_chat,
                 updates_queued(emu) - updates_before)  # fmt: skip


async def count_stories(pg: str) -> list[Story]:
    """Join, idle, goods order and top-up on one fresh database; the table printed."""
    with tempfile.TemporaryDirectory(prefix="kiosdesa-scaling-") as tmp:
        async with fresh_database("postgres", pg) as url, BotApiEmulator() as emu:
            emu.user(MANAGER, "Pak Manager", language_code="en")
            emu.user(VILLAGER, "Siti", language_code="en")
            emu.opened_before(MANAGER)  # a center at work: its manager's menu can be set
            await seed(url)
            await asyncio.sleep(1.0)  # the seed's server process publishes its counters
            stories = [
                await story(emu, Path(tmp), url, pg, name, act)
                for name, act in STORIES
            ]  # fmt: skip
            if emu.errors:
                print(f"Bot API errors: {[e.description for e in emu.errors][:5]}")
    return stories


# The first top-up of a center writes its price list (once); the second order and top-up
# are what every later item costs.
STORIES: tuple[tuple[str, Callable[[BotApiEmulator], Awaitable[None]]], ...] = (
    ("join", join), ("idle start/stop", idle), ("goods order", goods_order),
    ("goods order 2", goods_order), ("top-up", topup), ("top-up 2", topup),
)  # fmt: skip


def print_stories(stories: list[Story]) -> None:
    """Raw counts, then each story net of the idle start and stop, with rows by table."""
    print(f"\n1. One villager's stories (load average {load_average()})")
    print(HEADER)
    for each in stories:
        print(each.line())
    idle_story = next(s for s in stories if s.name.startswith("idle"))
    print("\nnet of the idle start/stop:")
    print(HEADER)
    for each in stories:
        if each is not idle_story:
            print(each.minus(idle_story).line(with_commits=False))
    for each in stories:
        if each is not idle_story:
            net = each.minus(idle_story)
            by_table = ", ".join(f"{table} {n}" for table, n in sorted(net.rows.items()))
            by_method = ", ".join(f"{m} {n}" for m, n in sorted(net.calls.items()))
            print(f"{each.name}: rows: {by_table}\n{'':>{len(each.name)}}  calls: {by_method}")


def main() -> int:
    """Count the stories, then the volume run and pgbench unless skipped."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=2000, help="orders in the volume run")
    parser.add_argument("--submitters", type=int, default=8, help="orders moving at once")
    parser.add_argument("--pgbench-seconds", type=int, default=15)
    parser.add_argument("--pg", default=DEFAULT_PG, help="PostgreSQL to create databases in")
    parser.add_argument("--skip-volume", action="store_true")
    parser.add_argument("--skip-pgbench", action="store_true")
    args = parser.parse_args()
    print(f"cpus {os.cpu_count()}, load average {load_average()}")
    print_stories(asyncio.run(count_stories(args.pg)))
    if not args.skip_volume:
        asyncio.run(run_volume(args.pg, args.orders, args.submitters))
    if not args.skip_pgbench:
        run_pgbench(args.pg, args.pgbench_seconds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
