"""Villagers are answered at once, each in the order they wrote, even while Telegram stalls.

Telegram keeps the bot waiting on one villager's reply (a hang, as in test_telegram_faults):
another villager's search is answered meanwhile, and the stalled villager's next messages
wait their turn and are answered in the order they were sent.
"""

from __future__ import annotations

from bot.devtools.emulator import Fault

from .conftest import BUDI, SITI, World, join, part_of, shown

# Shorter than the bot's 5 s read timeout: Telegram answers late, but it answers.
STALL_S = 3.0


async def test_a_stalled_reply_to_one_villager_does_not_hold_up_another(world: World) -> None:
    emu = world.emu
    await join(emu, SITI)
    await join(emu, BUDI)
    emu.faults.queue("sendmessage", Fault.hang(STALL_S, delivered=True), chat_id=SITI)
    emu.send_text(SITI, "beras")
    await emu.wait_for(
        SITI, contains=shown("shop.results", query="beras")
    )  # delivered; its answer is late
    emu.send_text(BUDI, "telur")
    # Well inside the stall: with one update at a time Budi would wait for Siti's answer.
    results = shown("shop.results", query="telur")
    await emu.wait_for(BUDI, contains=results, timeout=STALL_S / 2)


async def test_one_villagers_messages_are_answered_in_the_order_sent(world: World) -> None:
    emu = world.emu
    await join(emu, SITI)
    emu.faults.queue("sendmessage", Fault.hang(1.0, delivered=True), chat_id=SITI)
    words = ["beras", "telur", "gula", "minyak", "kopi"]
    for word in words:  # all at once, as a villager tapping quickly
        emu.send_text(SITI, word)
    await emu.wait_for(SITI, contains=shown("shop.results", query="kopi"))
    answers = [m.text.lower() for m in emu.messages(SITI) if part_of("shop.results") in m.text]
    assert [next(w for w in words if w in text) for text in answers] == words
