"""The outbox sender sweeps again only when a chat has more waiting, at that chat's pace."""

from __future__ import annotations

from typing import Any

import pytest
from telegram.ext import ExtBot

from bot.devtools.emulator import BotApiEmulator
from bot.domain.entities import OutboxMessage, OutboxRow
from bot.transport.http_request import AiohttpRequest
from bot.transport.outbox_sender import OutboxSender
from bot.transport.send_budget import SendBudget
from storage import Storage
from storage.outbox import enqueue
from tests.conftest import open_storage

from .conftest import MANAGER, SITI, TOKEN

CARDS = 5


def telegram(emu: BotApiEmulator, chat_rate: float) -> ExtBot[Any]:
    """The bot's Telegram connection as the app makes it: the send budget paces every chat."""
    budget = SendBudget(1000.0, chat_rate_per_s=chat_rate)
    return ExtBot(TOKEN, base_url=f"{emu.url}/bot", request=AiohttpRequest(), rate_limiter=budget)


async def test_a_burst_written_by_another_process_goes_out_at_the_chats_pace(
    emu: BotApiEmulator, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with open_storage(sqlite_url) as store, open_storage(sqlite_url) as other:
        sweeps: list[list[str]] = []
        due = store.outbox.due

        async def counted(*args: Any, **kwargs: Any) -> list[OutboxRow]:
            rows = await due(*args, **kwargs)
            sweeps.append([row.text for row in rows])
            return rows

        monkeypatch.setattr(store.outbox, "due", counted)
        # Written on another connection (the CLI, a second counter): nothing wakes the sender.
        async with other.db.write() as conn:
            burst = [OutboxMessage(chat_id=MANAGER, text=f"card {n}") for n in range(CARDS)]
            await enqueue(
                conn, [*burst, OutboxMessage(chat_id=SITI, text="to Siti")], center_id=None
            )
        async with telegram(emu, chat_rate=50) as bot:
            # A poll a minute apart: only the sweeps after each send can deliver the burst.
            sender = OutboxSender(bot, store, poll_seconds=60, chat_rate_per_s=50)
            sender.start()
            try:
                await emu.wait_for(MANAGER, contains=f"card {CARDS - 1}", timeout=10)
            finally:
                await sender.stop()
        texts = [m.text for m in emu.messages(MANAGER)]
        assert texts == [f"card {n}" for n in range(CARDS)]
        assert [m.text for m in emu.messages(SITI)] == ["to Siti"]
        # One sweep a card (the first also carried Siti's message), none once nothing waits.
        assert sweeps == [["card 0", "to Siti"]] + [[f"card {n}"] for n in range(1, CARDS)]


async def card_edit_waiting(store: Storage, bot: ExtBot[Any]) -> int:
    """Request #1's card in the manager's chat, and an edit of it waiting in the outbox."""
    center = await store.centers.add_center("leping", "Desa Leping", MANAGER)
    await store.users.seen(SITI, "Siti")
    await store.users.join_center(SITI, center.id)
    card = await bot.send_message(MANAGER, "🧾 #1 submitted")
    async with store.db.write() as conn:
        await conn.exec_driver_sql(
            "INSERT INTO requests (center_id, villager_id, kind, status, currency, total_minor,"
            " commission_minor, details, manager_chat_id, manager_message_id, created_at,"
            f" updated_at) VALUES ({center.id}, {SITI}, 'goods', 'approved', 'IDR', 1, 0, '{{}}',"
            f" {MANAGER}, {card.message_id}, 0, 0)"
        )
        await enqueue(
            conn, [OutboxMessage(MANAGER, "🧾 #1 approved", card_request_id=1)], center_id=None
        )
    return card.message_id


@pytest.mark.parametrize("press_edit_works", [True, False], ids=["press redrew", "press failed"])
async def test_a_card_edit_waits_for_the_press_redrawing_the_same_card(
    emu: BotApiEmulator, sqlite_url: str, press_edit_works: bool
) -> None:
    async with open_storage(sqlite_url) as store:
        async with telegram(emu, chat_rate=1000) as bot:
            card_id = await card_edit_waiting(store, bot)
            sender = OutboxSender(bot, store, chat_rate_per_s=1000)
            with sender.shown_cards.redrawing(MANAGER, card_id):
                assert await sender.drain() == 0  # held while the press's edit is on its way
                assert await store.outbox.counts() == {"pending": 1}
                if press_edit_works:
                    await bot.edit_message_text("🧾 #1 approved", MANAGER, card_id)
                    sender.shown_cards.note(MANAGER, card_id, "🧾 #1 approved", None)
            await sender.drain()
        assert await store.outbox.counts() == {"sent": 1}
        [card] = emu.messages(MANAGER)
        assert card.text == "🧾 #1 approved"
        assert card.edited == 1  # by the press, or by the outbox when the press failed
        assert not [e for e in emu.errors if "not modified" in e.description]
