"""The outbox sender sweeps again only when a chat has more waiting, at that chat's pace."""

from __future__ import annotations

from typing import Any

import pytest
from telegram import Bot

from bot.emulator import BotApiEmulator
from bot.http_request import AiohttpRequest
from bot.outbox_sender import OutboxSender
from storage import Storage
from storage.models import OutboxMessage, OutboxRow
from storage.outbox import enqueue

from .conftest import MANAGER, SITI, TOKEN

CARDS = 5


async def test_a_burst_written_by_another_process_goes_out_at_the_chats_pace(
    emu: BotApiEmulator, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, other = await Storage.open(sqlite_url), await Storage.open(sqlite_url)
    sweeps: list[list[str]] = []
    due = store.outbox.due

    async def counted(*args: Any, **kwargs: Any) -> list[OutboxRow]:
        rows = await due(*args, **kwargs)
        sweeps.append([row.text for row in rows])
        return rows

    monkeypatch.setattr(store.outbox, "due", counted)
    try:
        # Written on another connection (the CLI, a second counter): nothing wakes the sender.
        async with other.db.write() as conn:
            burst = [OutboxMessage(chat_id=MANAGER, text=f"card {n}") for n in range(CARDS)]
            await enqueue(conn, [*burst, OutboxMessage(chat_id=SITI, text="to Siti")])
        async with Bot(TOKEN, base_url=f"{emu.url}/bot", request=AiohttpRequest()) as bot:
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
    finally:
        await store.close()
        await other.close()
