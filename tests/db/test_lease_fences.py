"""Only the holder of a bot's lease sends: outbox rows and announcement deliveries are claimed
under the lease (a fence), and a row another process is claiming is skipped (PostgreSQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa

from bot.domain.entities import OutboxMessage
from bot.domain.leases import Lease
from storage import Storage
from storage.outbox import IN_FLIGHT, enqueue
from storage.schema import outbox
from tests.conftest import open_storage
from tests.db.test_broadcasts import ANI, JOKO, MANAGER, PROGRESS_MESSAGE, SITI, a_village

DEFAULT_BOT = 123456
TTL_S = 60.0


@pytest.fixture
async def pg(postgres_url: str) -> AsyncIterator[Storage]:
    async with open_storage(postgres_url) as store:
        yield store


async def old_and_new_holders(store: Storage) -> tuple[Lease, Lease]:
    """The default bot's lease: held by one process until it ran out, then taken by another."""
    first = await store.leases.join("a", 1)
    second = await store.leases.join("b", 2)
    old = await store.leases.claim(DEFAULT_BOT, first, -1.0)
    new = await store.leases.claim(DEFAULT_BOT, second, TTL_S)
    assert old is not None and new is not None
    return old, new


async def test_an_outbox_row_is_claimed_by_the_current_holder_alone_and_once(pg: Storage) -> None:
    old, new = await old_and_new_holders(pg)
    async with pg.db.write() as conn:
        await enqueue(conn, [OutboxMessage(chat_id=SITI, text="approved")], center_id=None)
    (row,) = await pg.outbox.due()
    assert await pg.outbox.claim(row, old) is None  # the old holder, late: nothing to send
    claimed = await pg.outbox.claim(row, new)
    assert claimed is not None and claimed.last_error == IN_FLIGHT
    await pg.outbox.mark_sent(claimed, 11)
    assert await pg.outbox.claim(row, new) is None  # sent: never claimed again
    assert await pg.outbox.counts() == {"sent": 1}


async def test_an_outbox_row_another_process_is_claiming_is_skipped(pg: Storage) -> None:
    _, new = await old_and_new_holders(pg)
    async with pg.db.write() as conn:
        await enqueue(conn, [OutboxMessage(chat_id=SITI, text="approved")], center_id=None)
    (row,) = await pg.outbox.due()
    async with pg.db.write() as other:  # another process's claim, not yet committed
        await other.execute(sa.select(outbox.c.id).where(outbox.c.id == row.id).with_for_update())
        assert await pg.outbox.claim(row, new) is None
    claimed = await pg.outbox.claim(row, new)
    assert claimed is not None and claimed.last_error == IN_FLIGHT


async def test_announcement_deliveries_go_to_the_current_holder_alone(pg: Storage) -> None:
    old, new = await old_and_new_holders(pg)
    center_id = await a_village(pg)
    draft = await pg.broadcasts.compose(center_id, MANAGER, "Pasar murah besok jam 8")
    await pg.broadcasts.start_sending(draft.id, MANAGER, MANAGER, PROGRESS_MESSAGE)
    assert await pg.broadcasts.pending(draft.id, fence=old) == []
    waiting = await pg.broadcasts.pending(draft.id, fence=new)
    assert [r.user_id for r in waiting] == [SITI, JOKO, ANI]
