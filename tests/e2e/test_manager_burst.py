"""A burst of new requests for one manager: every card arrives, at the chat's pace, no 429s.

Time is scaled down: the emulator allows 10 messages a second to one chat (Telegram: about
one), and the bot is told the same pace (`outbox_chat_rate_per_s`), so 100 cards take about
10 s instead of 100. The emulator's per-chat bucket allows a burst of 3, as Telegram
allows short bursts; the bot's outbox never counts on one.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

import pytest

from bot.config import Settings
from bot.devtools.emulator import BotApiEmulator
from bot.domain.pipeline import Action
from bot.services.acting import act
from storage import Storage
from tests.e2e.conftest import (
    MANAGER,
    SITI,
    TOKEN,
    World,
    assert_html_always_valid,
    eventually,
    label,
    part_of,
    place_order,
    register_users,
    running_bot,
    seed,
    world_on,
)

pytestmark = pytest.mark.usefixtures("no_errors_logged")

CHAT_RATE = 10.0  # messages a second to one chat, in the emulator and in the bot
# Telegram lets a chat have a short burst (a reply and a new menu at once), then the pace.
CHAT_BURST = 3
BURST = 100
FIRST_VILLAGER = 810_001


@pytest.fixture
async def paced_world(sqlite_url: str) -> AsyncIterator[World]:
    """The bot behind an emulator that answers 429 past CHAT_RATE messages a second a chat."""
    async with BotApiEmulator(per_chat_rate_per_s=CHAT_RATE, rate_burst=CHAT_BURST) as emu:
        register_users(emu)
        await seed(sqlite_url)
        settings = Settings(
            bot_token=TOKEN,
            database_url=sqlite_url,
            telegram_api_url=emu.url,
            outbox_poll_seconds=0.2,
            outbox_chat_rate_per_s=CHAT_RATE,
        )
        async with running_bot(settings):
            yield World(emu, sqlite_url, settings)


def card_numbers(world: World) -> list[int]:
    """Request numbers of the cards in the manager's chat, in the order they arrived."""
    found = (re.match(r"🧾 #(\d+) ·", m.text) for m in world.emu.messages(MANAGER))
    return [int(match.group(1)) for match in found if match]


async def fill_carts(emu: BotApiEmulator, store: Storage, villagers: list[int]) -> None:
    """Each villager has joined the center and put a kilo of eggs in the cart."""
    center = await store.centers.by_code("LEPING")
    eggs = next(
        item.product_id
        for item in await store.catalog.search_items(center.id, center.currency)
        if item.name == "Telur Ayam 1 kg"  # stock not counted: every villager can have some
    )
    for villager in villagers:
        emu.user(villager, f"Warga {villager}", language_code="en")
        await store.users.seen(villager, f"Warga {villager}", telegram_language="en")
        await store.users.join_center(villager, center.id)
        await store.carts.add(villager, eggs, center.id, 1)


async def check_out(emu: BotApiEmulator, villager: int) -> None:
    """The villager checks out the cart for pickup, without a note, and confirms."""
    emu.send_text(villager, "/checkout")
    how = await emu.wait_for(villager, contains=part_of("checkout.how"), timeout=60)
    emu.press(villager, how.message_id, button_text=label("checkout.pickup"))
    note = await emu.wait_for(villager, contains=part_of("checkout.ask_note"), timeout=60)
    emu.press(villager, note.message_id, button_text=label("checkout.skip_note"))
    summary = await emu.wait_for(villager, contains=part_of("checkout.summary"), timeout=60)
    emu.press(villager, summary.message_id, button_text=label("checkout.confirm"))
    await emu.wait_for(villager, contains=part_of("checkout.submitted"), timeout=60)


async def test_hundred_new_requests_reach_the_manager_without_429s(paced_world: World) -> None:
    """100 villagers check out at once: the manager gets 100 cards and not a single 429.

    Meanwhile the manager approves the first order, and its villager hears of it at once,
    between the cards, not after the whole burst.
    """
    emu = paced_world.emu
    villagers = [SITI] + [FIRST_VILLAGER + n for n in range(BURST - 1)]
    async with paced_world.database() as store:
        await fill_carts(emu, store, villagers)
        await asyncio.gather(*(check_out(emu, villager) for villager in villagers))
        first = await emu.wait_for(MANAGER, contains="🧾 #1 ·", after=0, timeout=15)
        first_villager = (await store.requests.get(1)).villager_id
        await act(store, 1, Action.APPROVE, MANAGER)
        await emu.wait_for(first_villager, contains=part_of("notify.approve"), after=0, timeout=15)
        cards_by_then = len(card_numbers(paced_world))
        counts = await eventually(
            lambda: _settled(store), "every card to reach the manager", timeout=60
        )
    assert counts == {"sent": BURST + 2}  # 100 cards, card #1's edit, the villager's news
    assert sorted(card_numbers(paced_world)) == list(range(1, BURST + 1))
    assert cards_by_then < BURST
    approve = label("action.approve")
    waiting = [m for m in emu.messages(MANAGER) if m.message_id != first.message_id]
    assert all(any(approve in text for text in m.button_texts()) for m in waiting)
    assert emu.stats.rate_limited == 0
    assert_html_always_valid(emu)


async def _settled(store: Storage) -> dict[str, int] | None:
    """The outbox's counts once nothing waits in it any more."""
    counts = await store.outbox.counts()
    return counts if counts.get("sent") and set(counts) == {"sent"} else None


async def test_approving_on_the_card_redraws_it_once(sqlite_url: str) -> None:
    """The press redraws the card at once; the outbox does not edit it again to the same.

    The outbox keeps the manager's chat to one message every 4 s here, so its edit of the
    card surely comes after the press's own redraw. Sending it would spend one of the chat's
    messages (precious in a burst) only to hear Telegram's 400 "message is not modified".
    """
    async with BotApiEmulator() as emu, world_on(emu, sqlite_url, chat_rate=0.25) as world:
        register_users(emu)
        async with world.database() as store:
            await place_order(store, SITI)
            card = await emu.wait_for(MANAGER, contains="🧾 #1 ·", after=0)
            emu.press(MANAGER, card.message_id, button_text=label("action.approve"))
            await emu.wait_for(MANAGER, lambda m: m.message_id == card.message_id)
            counts = await eventually(lambda: _settled(store), "the outbox to settle", 30)
        assert counts == {"sent": 3}  # the card, its edit (already shown), Siti's news
        assert card.edited == 1 and label("action.approve") not in card.button_texts()
        assert emu.stats.requests["editMessageText"] == 1
        assert not [e for e in emu.errors if "not modified" in e.description]
