"""Messages that must not move an order: edits of old messages, and anything said in a group."""

from __future__ import annotations

import asyncio

from bot.domain.pipeline import RequestStatus
from tests.e2e.conftest import (
    MANAGER,
    SITI,
    World,
    eventually,
    label,
    order_in_chat,
    shown,
    start_manager,
)


async def test_editing_an_old_message_does_not_answer_the_reject_question(world: World) -> None:
    emu = world.emu
    await start_manager(emu)
    old = emu.send_text(MANAGER, "beras")
    await emu.wait_for(MANAGER, contains=shown("shop.results", query="beras"))
    await order_in_chat(emu, SITI)
    card = await emu.wait_for(MANAGER, contains="#1", after=0)
    emu.press(MANAGER, card.message_id, button_text=label("action.reject"))
    await emu.wait_for(MANAGER, contains=shown("request.ask_reason", number=1))

    emu.edit_text(MANAGER, old["message"]["message_id"], "beras 5kg")
    await emu.wait_idle()
    await asyncio.sleep(0.3)
    async with world.database() as store:
        assert (await store.requests.get(1)).status is RequestStatus.SUBMITTED
        emu.send_text(MANAGER, "Stok habis")
        await emu.wait_for(SITI, contains="Stok habis")
        assert (await store.requests.get(1)).status is RequestStatus.REJECTED


async def test_commands_in_a_group_get_no_answer_and_show_nothing(world: World) -> None:
    emu = world.emu
    await start_manager(emu)
    await order_in_chat(emu, SITI)
    before = len(emu.messages(-100123))
    emu.send_in_group(-100123, MANAGER, "/queue")
    emu.send_in_group(-100123, SITI, "/orders")
    emu.send_in_group(-100123, SITI, "minyak")
    await emu.wait_idle()
    await asyncio.sleep(0.3)
    assert len(emu.messages(-100123)) == before == 0
    tried = [e for e in emu.errors if str(e.params.get("chat_id")) == "-100123"]
    assert tried == []  # the bot did not even try to answer there


async def test_manager_who_had_blocked_the_bot_gets_missed_cards_on_return(world: World) -> None:
    emu = world.emu
    await start_manager(emu)
    emu.block(MANAGER)
    await order_in_chat(emu, SITI)
    async with world.database() as store:

        async def card_blocked() -> bool | None:
            return True if (await store.outbox.counts()).get("blocked") else None

        await eventually(card_blocked, "the manager's card to be recorded as blocked")
        emu.send_text(MANAGER, "/start")  # writing to the bot unblocks it
        card = await emu.wait_for(MANAGER, contains="#1")
        assert card.button_texts() == [label("action.approve"), label("action.reject")]


async def test_cancel_with_nothing_open_is_answered(world: World) -> None:
    emu = world.emu
    emu.send_text(SITI, "/start LEPING")
    await emu.wait_for(SITI, contains="Kios Desa Leping")
    emu.send_text(SITI, "/cancel")
    await emu.wait_for(SITI, contains=shown("common.nothing_to_cancel"))
