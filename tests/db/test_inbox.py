"""The inbox on SQLite and PostgreSQL: updates stored once, replayed in order, handled once."""

from __future__ import annotations

import asyncio
import json

import pytest
import sqlalchemy as sa

from storage import Storage
from storage.clock import now
from storage.inbox import ArrivedUpdate
from storage.persistence import DatabasePersistence
from storage.schema import inbox, user_data
from storage.update_claim import (
    ClaimState,
    UpdateClaim,
    UpdateHandledAlready,
    handling,
    stop_handling,
)

BOT, OTHER_BOT = 123456, 654321
SITI, BUDI = 7001, 7002


def arrived(update_id: int, user_id: int | None = SITI, text: str = "minyak") -> ArrivedUpdate:
    """An update as Telegram sends a villager's text."""
    message = {"message_id": update_id, "text": text, "from": {"id": user_id}}
    return ArrivedUpdate(
        update_id, user_id, json.dumps({"update_id": update_id, "message": message})
    )


async def handled_at(store: Storage, bot_id: int, update_id: int) -> float | None:
    """When the inbox says the update was handled (None: not yet)."""
    rows = await store.db.fetch(
        sa.select(inbox.c.handled_at).where(
            inbox.c.bot_id == bot_id, inbox.c.update_id == update_id
        )
    )
    assert len(rows) == 1
    value: float | None = rows[0].handled_at
    return value


async def test_an_update_sent_twice_is_stored_once(store: Storage) -> None:
    await store.inbox.receive(BOT, [arrived(10), arrived(11)])
    await store.inbox.mark_handled(BOT, [10])
    # Telegram sends again what the bot did not confirm, with a new one after it.
    await store.inbox.receive(BOT, [arrived(10), arrived(11), arrived(12)])
    assert await store.inbox.last_update_id(BOT) == 12
    assert await store.inbox.last_update_id(OTHER_BOT) == 0
    assert [u.update_id for u in await store.inbox.unhandled(BOT)] == [11, 12]  # 10 stays handled
    async with store.db.read() as conn:
        count = (await conn.execute(sa.select(sa.func.count()).select_from(inbox))).scalar()
    assert count == 3


async def test_unhandled_updates_come_back_in_order_per_bot(store: Storage) -> None:
    await store.inbox.receive(BOT, [arrived(12, BUDI), arrived(10), arrived(11, None)])
    await store.inbox.receive(OTHER_BOT, [arrived(5)])
    await store.inbox.mark_handled(BOT, [11])
    waiting = await store.inbox.unhandled(BOT)
    assert [(u.update_id, u.user_id) for u in waiting] == [(10, SITI), (12, BUDI)]
    assert json.loads(waiting[0].payload)["message"]["text"] == "minyak"
    assert [u.update_id for u in await store.inbox.unhandled(OTHER_BOT)] == [5]


async def test_an_update_is_marked_handled_once(store: Storage) -> None:
    await store.inbox.receive(BOT, [arrived(10), arrived(11)])
    assert await store.inbox.mark_handled(BOT, [10]) == 1
    first = await handled_at(store, BOT, 10)
    assert first is not None
    assert await store.inbox.mark_handled(BOT, [10, 11]) == 1
    assert await handled_at(store, BOT, 10) == first
    assert await store.inbox.unhandled(BOT) == []


async def test_the_first_write_of_a_handling_marks_its_update(store: Storage) -> None:
    await store.inbox.receive(BOT, [arrived(10)])
    claim = UpdateClaim(BOT, 10)
    token = handling(claim)
    try:
        async with store.db.write() as conn:
            await conn.execute(sa.insert(user_data).values(user_id=SITI, data="{}"))
        assert claim.state is ClaimState.CLAIMED
        async with store.db.write() as conn:  # the step's second write marks nothing again
            await conn.execute(user_data.update().values(data='{"a": 1}'))
    finally:
        stop_handling(token)
    assert await handled_at(store, BOT, 10) is not None
    assert await store.inbox.unhandled(BOT) == []


async def test_a_second_handling_is_refused_and_writes_nothing(store: Storage) -> None:
    await store.inbox.receive(BOT, [arrived(10)])
    await store.inbox.mark_handled(BOT, [10])  # another process handled it
    claim = UpdateClaim(BOT, 10)
    token = handling(claim)
    try:
        with pytest.raises(UpdateHandledAlready):
            async with store.db.write() as conn:
                await conn.execute(sa.insert(user_data).values(user_id=SITI, data="{}"))
        with pytest.raises(UpdateHandledAlready):  # and so is every later write of it
            async with store.db.write() as conn:
                await conn.execute(sa.insert(user_data).values(user_id=SITI, data="{}"))
    finally:
        stop_handling(token)
    assert await store.db.fetch(sa.select(user_data)) == []


async def test_a_failed_write_leaves_its_update_unhandled(store: Storage) -> None:
    await store.inbox.receive(BOT, [arrived(10)])
    claim = UpdateClaim(BOT, 10)
    token = handling(claim)
    try:
        with pytest.raises(RuntimeError):
            async with store.db.write() as conn:
                await conn.execute(sa.insert(user_data).values(user_id=SITI, data="{}"))
                raise RuntimeError("out of stock")
        assert claim.state is ClaimState.PENDING
        assert await handled_at(store, BOT, 10) is None
    finally:
        stop_handling(token)


async def test_two_handlings_at_once_one_wins(store: Storage) -> None:
    await store.inbox.receive(BOT, [arrived(10)])

    async def handle(user_id: int) -> bool:
        token = handling(UpdateClaim(BOT, 10))
        try:
            async with store.db.write() as conn:
                await conn.execute(sa.insert(user_data).values(user_id=user_id, data="{}"))
            return True
        except UpdateHandledAlready:
            return False
        finally:
            stop_handling(token)

    assert sorted(await asyncio.gather(handle(SITI), handle(BUDI))) == [False, True]
    assert len(await store.db.fetch(sa.select(user_data))) == 1


async def test_handled_updates_are_forgotten_after_a_while(store: Storage) -> None:
    await store.inbox.receive(BOT, [arrived(10), arrived(11)])
    await store.inbox.mark_handled(BOT, [10])
    assert await store.inbox.forget_handled(before=now() - 60) == 0
    assert await store.inbox.forget_handled(before=now() + 1) == 1
    assert [u.update_id for u in await store.inbox.unhandled(BOT)] == [11]


async def test_a_replay_safe_write_leaves_its_update_unhandled(store: Storage) -> None:
    await store.inbox.receive(BOT, [arrived(10)])
    claim = UpdateClaim(BOT, 10)
    token = handling(claim)
    try:
        async with store.db.write(replay_safe=True) as conn:  # the user's profile, say
            await conn.execute(sa.insert(user_data).values(user_id=SITI, data="{}"))
    finally:
        stop_handling(token)
    assert claim.state is ClaimState.PENDING
    assert await handled_at(store, BOT, 10) is None


async def test_a_dialog_step_is_saved_with_its_update_marked_handled(store: Storage) -> None:
    """The step is queued while its update is handled and flushed by whichever update
    flushes next: the flush marks the update handled in the step's transaction."""
    dialogs = DatabasePersistence(store.db)
    await store.inbox.receive(BOT, [arrived(10, text="3"), arrived(11, BUDI)])
    typed_quantity = UpdateClaim(BOT, 10)
    token = handling(typed_quantity)
    try:
        await dialogs.update_conversation("product", (SITI, SITI), "confirm")
        await dialogs.update_user_data(SITI, {"product": {"quantity": 3}})
    finally:
        stop_handling(token)
    token = handling(UpdateClaim(BOT, 11))  # Budi's update, handled, flushes first
    try:
        await dialogs.flush()
    finally:
        stop_handling(token)
    assert typed_quantity.state is ClaimState.CLAIMED
    assert await store.inbox.unhandled(BOT) == []
    assert (await dialogs.get_conversations("product")) == {(SITI, SITI): "confirm"}


async def test_a_dialog_step_not_saved_leaves_its_update_to_replay(
    store: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    dialogs = DatabasePersistence(store.db)
    await store.inbox.receive(BOT, [arrived(10, text="3")])
    typed_quantity = UpdateClaim(BOT, 10)
    token = handling(typed_quantity)
    try:
        await dialogs.update_conversation("product", (SITI, SITI), "confirm")
    finally:
        stop_handling(token)

    async def disk_full(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(DatabasePersistence, "_write_changes", staticmethod(disk_full))
    with pytest.raises(OSError, match="disk full"):
        await dialogs.flush()
    assert typed_quantity.state is ClaimState.PENDING
    assert [u.update_id for u in await store.inbox.unhandled(BOT)] == [10]
    monkeypatch.undo()
    await dialogs.flush()  # the step and its mark were kept queued: they go together now
    assert await store.inbox.unhandled(BOT) == []
    assert (await dialogs.get_conversations("product")) == {(SITI, SITI): "confirm"}


async def test_what_an_update_said_is_emptied_once_handled(store: Storage) -> None:
    await store.inbox.receive(BOT, [arrived(10, text="NIK 3374014501900001"), arrived(11)])
    await store.inbox.mark_handled(BOT, [10])
    token = handling(claim := UpdateClaim(BOT, 11))
    try:
        async with store.db.write() as conn:
            await conn.execute(sa.insert(user_data).values(user_id=SITI, data="{}"))
    finally:
        stop_handling(token)
    assert claim.state is ClaimState.CLAIMED
    rows = await store.db.fetch(sa.select(inbox.c.update_id, inbox.c.payload))
    assert sorted(rows) == [(10, ""), (11, "")]


async def test_reads_handled_meanwhile_are_marked_with_the_next_updates(store: Storage) -> None:
    await store.inbox.receive(BOT, [arrived(10), arrived(11)])
    await store.inbox.receive(BOT, [arrived(12)], handled=[10, 11])
    assert [u.update_id for u in await store.inbox.unhandled(BOT)] == [12]
    await store.inbox.receive(BOT, [], handled=[12])  # nothing new came: the marks alone
    assert await store.inbox.unhandled(BOT) == []
