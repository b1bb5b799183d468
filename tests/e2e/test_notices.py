"""On PostgreSQL a message written by another process reaches the chat at once: the bot's holder
is woken by the notice committed with the message, not by its next look at the outbox.

The bot runs with an outbox poll of ten minutes, so only a notice explains a card arriving
within the test. The cards are written by a connection of the test's own, as the expiry job,
the admin chat or the command line of another process writes them.
"""

from __future__ import annotations

import pytest

from bot.devtools.emulator import BotApiEmulator
from tests.e2e.conftest import MANAGER, SITI, place_order, world_on

pytestmark = pytest.mark.usefixtures("no_errors_logged")

# Longer than the test: the sender's own looks at the outbox never come.
NEVER_S = 600.0


async def test_cards_written_by_another_process_reach_the_manager_before_the_next_poll(
    emu: BotApiEmulator, postgres_url: str
) -> None:
    slow = {"outbox_poll_seconds": NEVER_S, "quote_check_seconds": NEVER_S}
    async with world_on(emu, postgres_url, **slow) as world, world.database() as other:
        # The first card may go in the sender's first sweep at start; each later one is
        # written after the card before it was sent, while the sender sleeps.
        for _ in range(3):
            order = await place_order(other, SITI)
            await emu.wait_for(MANAGER, contains=f"#{order.id}", after=0, timeout=20)
        assert len(emu.messages(MANAGER)) == 3  # each card once
