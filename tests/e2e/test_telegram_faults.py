"""Telegram misbehaves for a while: 5xx answers, a hang past the bot's timeout, 429 stretches.

Nothing is lost and the bot recovers by itself. Nothing is sent twice, except in the one
window no bot can close: Telegram took a message but its answer never came back (here a hang
past the timeout after the card reached the chat). The bot cannot know, sends again, and marks
that outbox row as one that may have arrived twice (`Outbox.possible_duplicates`).
"""

from __future__ import annotations

from collections import Counter

from bot.devtools.emulator import BotApiEmulator, Fault, FaultKind
from storage import Storage
from tests.e2e.conftest import (
    MANAGER,
    World,
    eventually,
    label,
    part_of,
    place_order,
    start_manager,
)

VILLAGERS = [710001 + n for n in range(8)]
# Longer than PTB's read timeout (5 s), so the bot gives up waiting for the answer.
HANG_PAST_TIMEOUT_S = 6.0
# Longer than PTB's own three retries of a 429 with retry_after 1 s, so the outbox sees one.
FLOOD_S = 4.0
APPROVED = part_of("notify.approve")  # what a villager is told when the order is approved


def cards(emu: BotApiEmulator) -> Counter[int]:
    """How many order cards the manager has, by order number."""
    return Counter(
        int(m.text.split(" ·")[0].removeprefix("🧾 #"))
        for m in emu.messages(MANAGER)
        if m.text.startswith("🧾 #")
    )


def approvals(emu: BotApiEmulator) -> Counter[int]:
    """How many "was approved" messages each villager has."""
    return Counter(v for v in VILLAGERS for m in emu.messages(v) if APPROVED in m.text)


async def all_sent(store: Storage) -> dict[str, int] | None:
    """The outbox counts once nothing is pending."""
    counts = await store.outbox.counts()
    return counts if "pending" not in counts else None


async def test_telegram_failing_for_a_while_loses_nothing_and_repeats_only_the_unanswered(
    world: World, no_errors_logged: None
) -> None:
    emu = world.emu
    for n, villager in enumerate(VILLAGERS):
        emu.user(villager, f"Warga {n}", language_code="en")
    await start_manager(emu)
    # The first card: a 500, then Telegram takes it but hangs past the timeout.
    emu.faults.queue(
        "sendmessage",
        Fault.server_error(),
        Fault.hang(HANG_PAST_TIMEOUT_S, delivered=True),
        chat_id=MANAGER,
    )
    async with world.database() as store:
        orders = [await place_order(store, villager) for villager in VILLAGERS]
        assert await eventually(lambda: all_sent(store), "every card sent", 30) == {
            "sent": len(orders)
        }
        first_card = await store.outbox.possible_duplicates()
        assert cards(emu) == Counter({o.id: 1 for o in orders}) + Counter({orders[0].id: 1})
        assert len(first_card) == 1  # the one that hung is marked, and only it

        # Approvals while Telegram floods every villager chat and answers one with a 502.
        emu.faults.stretch("sendmessage", Fault.flood(1), FLOOD_S)
        emu.faults.queue("sendmessage", Fault.server_error(502), chat_id=VILLAGERS[1])
        for order in orders:
            card_id = (await store.requests.get(order.id)).manager_message_id
            emu.press(MANAGER, card_id, button_text=label("action.approve"))

        async def everyone_told() -> Counter[int] | None:
            told = approvals(emu)
            return told if len(told) == len(VILLAGERS) else None

        await eventually(everyone_told, "every villager to hear of the approval", 30)
        assert await eventually(lambda: all_sent(store), "every message sent", 30) == {
            "sent": 3 * len(orders)
        }
        assert approvals(emu) == Counter({v: 1 for v in VILLAGERS})
        assert await store.outbox.possible_duplicates() == first_card
        for order in orders:
            recorded = (await store.requests.get(order.id)).manager_message_id
            card = next(m for m in emu.messages(MANAGER) if m.message_id == recorded)
            assert label("status.approved") in card.text
    given = emu.faults.counts()
    assert given[FaultKind.SERVER_ERROR] == 2 and given[FaultKind.HANG] == 1
    assert given[FaultKind.FLOOD] >= 4  # PTB's retries, then the outbox's own
