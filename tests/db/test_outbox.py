"""The outbox hands each chat its messages in the order they were written."""

from __future__ import annotations

import sqlalchemy as sa

from bot.domain.entities import OutboxMessage
from storage import Storage
from storage.outbox import IN_FLIGHT, enqueue
from tests.conftest import open_storage

MANAGER, SITI = 500, 7001


async def test_a_message_backing_off_holds_back_later_ones_to_the_same_chat(store: Storage) -> None:
    async with store.db.write() as conn:
        await enqueue(
            conn,
            [
                OutboxMessage(chat_id=MANAGER, text="first"),
                OutboxMessage(chat_id=MANAGER, text="second"),
                OutboxMessage(chat_id=SITI, text="to Siti"),
            ],
            center_id=None,
        )
    first = (await store.outbox.due())[0]
    await store.outbox.retry_later(first, 60, "network down")

    due = [(row.chat_id, row.text) for row in await store.outbox.due()]

    assert due == [(SITI, "to Siti")]  # "second" waits for "first"


async def test_a_card_is_not_edited_in_another_managers_chat(store: Storage) -> None:
    center = await store.centers.add_center("leping", "Desa Leping", MANAGER)
    await store.users.seen(SITI, "Siti")
    await store.users.join_center(SITI, center.id)
    async with store.db.write() as conn:
        await conn.exec_driver_sql(
            "INSERT INTO requests (center_id, villager_id, kind, status, currency, total_minor,"
            " commission_minor, details, manager_chat_id, manager_message_id, created_at,"
            f" updated_at) VALUES ({center.id}, {SITI}, 'goods', 'submitted', 'IDR', 1, 0, '{{}}',"
            f" {MANAGER}, 51, 0, 0)"
        )
        await enqueue(
            conn,
            [
                OutboxMessage(chat_id=MANAGER, text="card for the old manager", card_request_id=1),
                OutboxMessage(
                    chat_id=MANAGER + 1, text="card for the new manager", card_request_id=1
                ),
            ],
            center_id=None,
        )
    cards = {row.chat_id: row.extra["card_message_id"] for row in await store.outbox.due()}
    assert cards == {MANAGER: 51, MANAGER + 1: None}


async def test_of_two_waiting_edits_of_a_card_only_the_last_is_needed(store: Storage) -> None:
    """The manager's chat waits for its pace while card #1 changes twice, and #2 is new."""
    center = await store.centers.add_center("leping", "Desa Leping", MANAGER)
    await store.users.seen(SITI, "Siti")
    await store.users.join_center(SITI, center.id)
    async with store.db.write() as conn:
        for card_message in (51, "NULL"):  # #1's card is in the chat, #2's not yet
            await conn.exec_driver_sql(
                "INSERT INTO requests (center_id, villager_id, kind, status, currency,"
                " total_minor, commission_minor, details, manager_chat_id, manager_message_id,"
                f" created_at, updated_at) VALUES ({center.id}, {SITI}, 'goods', 'submitted',"
                f" 'IDR', 1, 0, '{{}}', {MANAGER}, {card_message}, 0, 0)"
            )
        await enqueue(
            conn,
            [
                OutboxMessage(chat_id=MANAGER, text="#1 approved", card_request_id=1),
                OutboxMessage(chat_id=MANAGER, text="#2 submitted", card_request_id=2),
                OutboxMessage(chat_id=MANAGER, text="#2 cancelled", card_request_id=2),
                OutboxMessage(chat_id=MANAGER, text="#1 ready", card_request_id=1),
                OutboxMessage(chat_id=MANAGER, text="a note"),
            ],
            center_id=None,
        )
    superseded = []
    while due := await store.outbox.due():
        row = due[0]
        superseded.append((row.text, row.superseded))
        await store.outbox.mark_sent(row, None)
    assert superseded == [
        ("#1 approved", True),  # "#1 ready" replaces it on the same message
        ("#2 submitted", False),  # a new card is sent, then edited
        ("#2 cancelled", False),
        ("#1 ready", False),
        ("a note", False),
    ]


async def test_a_photo_or_voice_message_keeps_its_file_and_caption(store: Storage) -> None:
    async with store.db.write() as conn:
        await enqueue(
            conn,
            [
                OutboxMessage(chat_id=MANAGER, text="a question", media_kind="photo", file_id="P1"),
                OutboxMessage(chat_id=MANAGER, text="", media_kind="voice", file_id="V1"),
                OutboxMessage(chat_id=SITI, text="plain"),
            ],
            center_id=None,
        )
    due = [(row.chat_id, row.text, row.media_kind, row.file_id) for row in await store.outbox.due()]
    assert due == [
        (MANAGER, "a question", "photo", "P1"),
        (SITI, "plain", None, None),
    ]  # the voice waits behind the photo in the manager's chat
    await store.outbox.mark_sent((await store.outbox.due())[0], 10)
    voice = (await store.outbox.due())[0]
    assert (voice.media_kind, voice.file_id, voice.text) == ("voice", "V1", "")


async def test_looking_for_an_older_pending_message_reads_the_index(sqlite_url: str) -> None:
    """The sender's sweep runs after every commit: its per-chat check must not read the table.

    With 1,000 messages pending (a manager's burst, sent at one a second) comparing every
    pending row with every other made a sweep take about a quarter of a second.
    """
    async with open_storage(sqlite_url) as store:
        captured: list[tuple[str, object]] = []

        def capture(
            _conn: object, _cursor: object, statement: str, params: object, *_: object
        ) -> None:
            if "FROM outbox" in statement:
                captured.append((statement, params))

        sa.event.listen(store.db.engine.sync_engine, "before_cursor_execute", capture)
        await store.outbox.due()
        sa.event.remove(store.db.engine.sync_engine, "before_cursor_execute", capture)
        statement, params = captured[0]
        async with store.db.read() as conn:
            plan = await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params)  # type: ignore[arg-type]
            steps = [str(row[-1]) for row in plan.all()]
    assert any("earlier USING INDEX ix_outbox_pending_chat" in step for step in steps), steps


async def test_a_send_a_crash_interrupted_is_marked_as_one_that_may_arrive_twice(
    store: Storage,
) -> None:
    async with store.db.write() as conn:
        await enqueue(
            conn,
            [
                OutboxMessage(chat_id=SITI, text="approved"),
                OutboxMessage(chat_id=MANAGER, text="x"),
            ],
            center_id=None,
        )
    interrupted, clean = await store.outbox.due()
    await store.outbox.begin_send(interrupted)  # ...and the process dies before recording it
    await store.outbox.mark_sent(await store.outbox.begin_send(clean), 11)

    retried = (await store.outbox.due())[0]  # the next process finds it still in flight
    assert retried.last_error == IN_FLIGHT
    await store.outbox.mark_sent(await store.outbox.begin_send(retried), 12)

    assert await store.outbox.possible_duplicates() == [interrupted.id]
    assert await store.outbox.counts() == {"sent": 2}


async def test_a_timed_out_send_stays_marked_through_later_errors(store: Storage) -> None:
    async with store.db.write() as conn:
        await enqueue(conn, [OutboxMessage(chat_id=SITI, text="approved")], center_id=None)
    row = await store.outbox.begin_send((await store.outbox.due())[0])
    await store.outbox.retry_later(row, 0, "Timed out", uncertain=True)
    row = await store.outbox.begin_send((await store.outbox.due())[0])
    await store.outbox.retry_later(row, 0, "Bad Gateway")
    row = await store.outbox.begin_send((await store.outbox.due())[0])
    await store.outbox.mark_sent(row, 13)

    assert await store.outbox.possible_duplicates() == [row.id]
