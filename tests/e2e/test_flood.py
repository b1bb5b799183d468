"""One villager cannot bury the others: updates a user, questions and requests are bounded."""

from __future__ import annotations

import asyncio

import pytest

from bot.config import DEFAULT_CHAT_RATE
from bot.devtools.emulator import BotApiEmulator
from bot.domain.questions import MAX_OPEN_QUESTIONS, Entry, EntryKind
from bot.services.questions import ask as ask_manager
from bot.services.questions import reply
from bot.views.texts import plain
from tests.e2e.conftest import (
    BUDI,
    MANAGER,
    SITI,
    World,
    assert_all_answered,
    join,
    order_in_chat,
    part_of,
    shown,
    start_manager,
    world_on,
)

pytestmark = pytest.mark.usefixtures("no_errors_logged")

SLOW_DOWN = plain("en", "common.slow_down")
# A villager's messages to the manager already queued when another villager orders.
CHATTER = 20


async def test_a_villager_typing_faster_than_a_person_is_told_once_and_nothing_more_is_handled(
    world: World,
) -> None:
    emu = world.emu
    await start_manager(emu)
    await join(emu, SITI)
    burst = world.settings.flood_burst
    before = len(emu.messages(SITI))
    for n in range(burst + 40):
        emu.send_text(SITI, f"minyak {n}")
    await emu.wait_for(SITI, contains=SLOW_DOWN)
    await asyncio.sleep(1.0)  # anything still coming would arrive by now
    answers = emu.messages(SITI)[before:]
    slow_downs = [m for m in answers if SLOW_DOWN in m.text]
    assert len(slow_downs) == 1
    # What was sent before the bucket ran dry was answered; what came after was not handled.
    assert len(answers) - 1 < burst + 2  # a few tokens come back while the burst is read


async def test_a_press_during_a_flood_is_answered_but_changes_nothing(world: World) -> None:
    emu = world.emu
    await start_manager(emu)
    await join(emu, SITI)
    emu.send_text(SITI, "minyak goreng")
    results = await emu.wait_for(SITI, contains="Results for")
    emu.press(SITI, results.message_id, button_text=results.buttons[0][0].text)
    card = await emu.wait_for(SITI, contains="Choose how many")
    for n in range(world.settings.flood_burst + 5):
        emu.send_text(SITI, f"gula {n}")
    await emu.wait_for(SITI, contains=SLOW_DOWN)
    emu.press(SITI, card.message_id, button_text="Add to cart")
    await assert_all_answered(emu)
    async with world.database() as store:
        center = await store.centers.by_code("LEPING")
        assert await store.carts.lines(SITI, center.id, center.currency) == []


async def test_the_bucket_fills_again_and_the_villager_goes_on(
    emu: BotApiEmulator, sqlite_url: str
) -> None:
    async with world_on(emu, sqlite_url, flood_burst=3, flood_per_minute=600.0):
        await start_manager(emu)
        await join(emu, SITI)
        for n in range(10):
            emu.send_text(SITI, f"beras {n}")
        await emu.wait_for(SITI, contains=SLOW_DOWN)
        await asyncio.sleep(0.5)  # 600 a minute: five tokens are back
        mark = emu.mark(SITI)
        emu.send_text(SITI, "/cart")
        reply = await emu.wait_for(SITI, after=mark)
        assert SLOW_DOWN not in reply.text


async def test_an_order_card_goes_before_a_villagers_queued_chatter(
    emu: BotApiEmulator, sqlite_url: str
) -> None:
    """At Telegram's pace (one message a second to a chat), cards jump the conversation lane."""
    async with world_on(emu, sqlite_url, chat_rate=DEFAULT_CHAT_RATE) as world:
        await start_manager(emu)
        await join(emu, SITI)
        async with world.database() as store:
            siti = await store.users.get(SITI)
            center = await store.centers.by_code("LEPING")
            assert siti is not None
            question = await ask_manager(store, siti, center, Entry(EntryKind.TEXT, "Halo"))
            for n in range(CHATTER):
                await reply(store, question.id, SITI, Entry(EntryKind.TEXT, f"obrolan {n}"))
        await order_in_chat(emu, BUDI)
        card = await emu.wait_for(MANAGER, contains="🧾 #1 ·", after=0, timeout=30)
        chatter = [m for m in emu.messages(MANAGER) if "obrolan" in m.text]
        chatter_before_card = [m for m in chatter if m.message_id < card.message_id]
        # Only what was already on its way when the order came; the rest waits behind the card.
        assert len(chatter_before_card) < CHATTER // 2


async def test_a_fourth_open_question_is_refused_before_it_is_written(world: World) -> None:
    emu = world.emu
    await start_manager(emu)
    await join(emu, SITI)
    for n in range(MAX_OPEN_QUESTIONS):
        emu.send_text(SITI, "/ask")
        await emu.wait_for(SITI, contains=part_of("ask.prompt", center="Kios Desa Leping"))
        emu.send_text(SITI, f"Pertanyaan {n}")
        await emu.wait_for(SITI, contains=part_of("ask.sent", number=n + 1))
    emu.send_text(SITI, "/ask")
    refusal = await emu.wait_for(SITI)
    assert refusal.text == shown(
        "ask.too_many_open", questions=f"{MAX_OPEN_QUESTIONS} questions", center="Kios Desa Leping"
    )
    async with world.database() as store:
        assert len(await store.questions.of_villager(SITI)) == MAX_OPEN_QUESTIONS
