"""Dialogs that interrupt each other: the interrupted one answers again when the other ends."""

from __future__ import annotations

import pytest

from handlers import dialogs
from tests.e2e.conftest import (
    BUDI,
    MANAGER,
    World,
    assert_all_answered,
    join,
    label,
    part_of,
    shown,
    start_manager,
)
from tests.e2e.test_ask import ask

pytestmark = pytest.mark.usefixtures("no_errors_logged")


async def budi_at_the_photo_step(world: World) -> None:
    """Budi is half-way through /sell: name, quantity, unit and price given."""
    emu = world.emu
    emu.send_text(BUDI, "/sell")
    await emu.wait_for(BUDI, contains=part_of("sell.ask_name"))
    emu.send_text(BUDI, "kangkung")
    await emu.wait_for(BUDI, contains=shown("sell.ask_quantity", name="kangkung"))
    emu.send_text(BUDI, "10")
    await emu.wait_for(BUDI, contains=shown("sell.ask_unit"))
    emu.send_text(BUDI, "ikat")
    await emu.wait_for(BUDI, contains=part_of("sell.ask_price", unit="ikat"))
    emu.send_text(BUDI, "3000")
    await emu.wait_for(BUDI, contains=shown("sell.ask_photo"))


async def test_a_reply_in_the_middle_of_sell_hands_back_to_sell(world: World) -> None:
    emu = world.emu
    await start_manager(emu)
    await join(emu, BUDI)
    await ask(emu, BUDI, "Besok buka jam berapa?")
    question = await emu.wait_for(MANAGER, contains="Besok buka jam berapa?")
    emu.press(MANAGER, question.message_id, button_text=label("ask.reply"))
    await emu.wait_for(MANAGER, contains=part_of("ask.reply_prompt"))
    await budi_at_the_photo_step(world)
    emu.send_text(MANAGER, "Jam 7 pagi")
    answer = await emu.wait_for(BUDI, contains="Jam 7 pagi")

    # Budi answers the manager, then carries on with his offer where he left it.
    emu.press(BUDI, answer.message_id, button_text=label("ask.reply"))
    await emu.wait_for(BUDI, contains=part_of("ask.reply_prompt"))
    emu.send_text(BUDI, "Terima kasih")
    await emu.wait_for(BUDI, contains=shown("ask.reply_sent", number=1))
    emu.send_photo(BUDI, b"\xff\xd8 kangkung segar")
    summary = await emu.wait_for(BUDI, contains=part_of("sell.summary"))

    assert "10 ikat" in summary.text and label("sell.with_photo") in summary.text
    await assert_all_answered(emu)


async def test_a_refused_start_leaves_the_open_dialog_answering(world: World) -> None:
    emu = world.emu
    await join(emu, BUDI)
    emu.send_text(BUDI, "/sell")
    await emu.wait_for(BUDI, contains=part_of("sell.ask_name"))
    emu.send_text(BUDI, "/product")  # for managers only
    await emu.wait_for(BUDI, contains=part_of("common.unknown_command", command="/product"))

    emu.send_text(BUDI, "kangkung")

    await emu.wait_for(BUDI, contains=shown("sell.ask_quantity", name="kangkung"))


async def test_a_dialog_whose_time_ran_out_while_the_bot_was_away_is_over(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PTB's timers live in memory; the time a dialog last heard from the user is stored."""
    emu = world.emu
    await start_manager(emu)
    await join(emu, BUDI)
    emu.send_text(BUDI, "/ask")
    await emu.wait_for(BUDI, contains=part_of("ask.prompt"))
    later = dialogs.clock() + 2 * 3600
    monkeypatch.setattr(dialogs, "clock", lambda: later)

    emu.send_text(BUDI, "beras")

    await emu.wait_for(BUDI, contains=shown("shop.results", query="beras"))
    assert not any("beras" in m.text for m in emu.messages(MANAGER))
