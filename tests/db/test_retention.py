"""What the database forgets, on SQLite and PostgreSQL: passengers' ID numbers once a request
is closed, and delivered messages after the days they are kept."""

from __future__ import annotations

import json

import sqlalchemy as sa

from bot.domain.entities import OutboxMessage
from bot.domain.errors import RecordNotFound
from bot.domain.pipeline import Action, RequestKind
from bot.services.acting import act
from bot.services.submissions import submit_travel
from storage import Storage
from storage.clock import now
from storage.outbox import enqueue
from storage.schema import outbox, requests

MANAGER, SITI = 500, 7001
DAY = 24 * 3600.0
NIK = "3374014501900001"


async def train_ticket(store: Storage) -> int:
    """Siti's train ticket for one passenger, with their NIK, as the dialog submits it."""
    try:
        center = await store.centers.by_code("leping")
    except RecordNotFound:
        center = await store.centers.add_center("leping", "Desa Leping", MANAGER)
        await store.users.seen(MANAGER, "Pak Manager")
        await store.users.seen(SITI, "Siti")
    siti = await store.users.join_center(SITI, center.id)
    trip = {
        "ticket": "train",
        "from": "Solo",
        "to": "Jakarta",
        "date": "2030-01-02",
        "count": 1,
        "names": ["Siti Aminah"],
        "ids": [NIK],
        "class": "economy",
        "note": "",
    }
    return (await submit_travel(store, siti, center, RequestKind.TICKET, trip)).id


async def stored_details(store: Storage, request_id: int) -> str:
    query = sa.select(requests.c.details).where(requests.c.id == request_id)
    async with store.db.read() as conn:
        return str((await conn.execute(query)).scalar_one())


async def test_cancelling_a_ticket_forgets_its_id_numbers_in_the_same_change(
    store: Storage,
) -> None:
    ticket = await train_ticket(store)
    assert NIK in await stored_details(store, ticket)

    await act(store, ticket, Action.CANCEL, SITI)

    details = json.loads(await stored_details(store, ticket))
    assert "ids" not in details and details["names"] == ["Siti Aminah"]
    assert NIK not in json.dumps(details)


async def test_the_sweep_forgets_id_numbers_of_requests_closed_before_the_rule(
    store: Storage,
) -> None:
    open_ticket = await train_ticket(store)
    closed_ticket = await train_ticket_closed_the_old_way(store, open_ticket)

    assert await store.retention.redact_closed_requests() == 1

    assert NIK not in await stored_details(store, closed_ticket)
    assert NIK in await stored_details(store, open_ticket)  # the manager still books it
    assert await store.retention.redact_closed_requests() == 0


async def train_ticket_closed_the_old_way(store: Storage, like: int) -> int:
    """A completed copy of ticket `like`, its NIK still stored (as before the rule existed)."""
    async with store.db.write() as conn:
        row = (await conn.execute(requests.select().where(requests.c.id == like))).one()
        values = {**row._mapping, "status": "completed"}
        del values["id"]
        result = await conn.execute(requests.insert().values(values).returning(requests.c.id))
        return int(result.scalar_one())


async def outbox_texts(store: Storage) -> list[str]:
    async with store.db.read() as conn:
        payloads = (await conn.execute(sa.select(outbox.c.payload))).scalars()
        return [json.loads(payload)["text"] for payload in payloads]


async def test_sent_copies_of_a_closed_tickets_card_lose_their_id_numbers(store: Storage) -> None:
    closed, still_open = await train_ticket(store), await train_ticket(store)
    await act(store, closed, Action.CANCEL, SITI)
    async with store.db.write() as conn:
        await conn.execute(sa.update(outbox).values(status="sent", sent_at=now()))
    cards_of_the_open_one = [text for text in await outbox_texts(store) if f"#{still_open}" in text]
    assert cards_of_the_open_one and all(NIK in text for text in cards_of_the_open_one)

    emptied = await store.retention.empty_closed_ticket_cards()

    assert emptied == 2  # the card as submitted and as cancelled
    left = await outbox_texts(store)
    assert [text for text in left if NIK in text] == cards_of_the_open_one
    assert await store.retention.empty_closed_ticket_cards() == 0


async def test_delivered_messages_are_pruned_after_the_days_they_are_kept(store: Storage) -> None:
    async with store.db.write() as conn:
        await enqueue(
            conn,
            [
                OutboxMessage(chat_id=MANAGER, text=f"card with {NIK}"),
                OutboxMessage(chat_id=MANAGER, text="sent yesterday"),
                OutboxMessage(chat_id=SITI, text="blocked long ago"),
                OutboxMessage(chat_id=SITI, text="still waiting"),
            ],
            center_id=None,
        )
        month_ago, yesterday = now() - 31 * DAY, now() - DAY
        for text, status, at in (
            (f"card with {NIK}", "sent", month_ago),
            ("sent yesterday", "sent", yesterday),
            ("blocked long ago", "blocked", month_ago),
            ("still waiting", "pending", month_ago),
        ):
            await conn.execute(
                sa.update(outbox)
                .where(outbox.c.payload.contains(text))
                .values(status=status, sent_at=at if status == "sent" else None, created_at=at)
            )

    pruned = await store.retention.prune_outbox(before=now() - 30 * DAY)

    assert pruned == 2
    assert sorted(await outbox_texts(store)) == ["sent yesterday", "still waiting"]
