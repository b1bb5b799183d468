"""PostgreSQL notices: a message or an update committed by one process wakes the sender or the
feed of its bot in another, only once committed, and listening survives a lost connection."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import asyncpg
import pytest

from bot.domain.entities import OutboxMessage
from storage import Storage
from storage.inbox import ArrivedUpdate
from storage.notices import APPLICATION_NAME
from storage.outbox import enqueue
from tests.conftest import open_storage

MANAGER, SITI = 500, 7001
KLATEN_BOT = 222333


@contextlib.asynccontextmanager
async def listening(store: Storage) -> AsyncIterator[None]:
    """Run the store's notice listener for the block, once it listens."""
    done = asyncio.Event()
    task = asyncio.create_task(store.notices.run(done))
    try:
        await asyncio.wait_for(store.notices.listening.wait(), 10)
        yield
    finally:
        done.set()
        await task


async def message_for(store: Storage, center_id: int | None, *, commit: bool = True) -> None:
    """Write one outbox message about the center, committed or rolled back."""
    with contextlib.suppress(RuntimeError):
        async with store.db.write() as conn:
            await enqueue(conn, [OutboxMessage(chat_id=SITI, text="hi")], center_id=center_id)
            if not commit:
                raise RuntimeError("rolled back")


async def test_a_committed_message_wakes_its_bots_sender_in_another_process(
    postgres_url: str,
) -> None:
    async with open_storage(postgres_url) as holder, open_storage(postgres_url) as writer:
        await writer.bots.add(KLATEN_BOT, "klaten", f"{KLATEN_BOT}:TOKEN", "kios_klaten_bot")
        klaten = await writer.centers.add_center("KLATEN", "Kios Klaten", MANAGER)
        await writer.centers.set_bot("KLATEN", KLATEN_BOT)
        default_sender = holder.outbox.listen(None)
        klaten_sender = holder.outbox.listen(KLATEN_BOT)
        async with listening(holder):
            default_sender.clear()  # listening began: every sender was woken once
            klaten_sender.clear()
            await message_for(writer, klaten.id, commit=False)
            await message_for(writer, None)  # the default bot's
            await asyncio.wait_for(default_sender.wait(), 10)
            # Notices arrive in commit order: the rolled-back one would have come first.
            assert not klaten_sender.is_set()
            await message_for(writer, klaten.id)
            await asyncio.wait_for(klaten_sender.wait(), 10)


async def test_a_webhook_update_stored_elsewhere_wakes_the_holders_feed(postgres_url: str) -> None:
    async with open_storage(postgres_url) as holder, open_storage(postgres_url) as writer:
        feed = holder.inbox.listen(KLATEN_BOT)
        async with listening(holder):
            feed.clear()
            update = ArrivedUpdate(1, SITI, '{"update_id": 1}')
            await writer.inbox.receive(KLATEN_BOT, [update], announce_to_holder=True)
            await asyncio.wait_for(feed.wait(), 10)
        assert [u.update_id for u in await holder.inbox.unhandled(KLATEN_BOT)] == [1]


async def test_listening_goes_on_after_the_connection_is_killed(
    postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="storage.notices")
    async with open_storage(postgres_url) as holder, open_storage(postgres_url) as writer:
        sender = holder.outbox.listen(None)
        async with listening(holder):
            holder.notices.listening.clear()
            admin = await asyncpg.connect(postgres_url)
            try:
                killed = await admin.fetchval(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE application_name = $1 AND datname = current_database()",
                    APPLICATION_NAME,
                )
            finally:
                await admin.close()
            assert killed == 1
            await asyncio.wait_for(holder.notices.listening.wait(), 30)
            sender.clear()
            await message_for(writer, None)
            await asyncio.wait_for(sender.wait(), 10)
    said = [r.getMessage() for r in caplog.records if r.name == "storage.notices"]
    assert any(line.startswith("stopped listening for notices") for line in said), said
