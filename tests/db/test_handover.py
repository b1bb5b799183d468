"""A center handed to another manager: what was on its way to the old one about the center is
dropped, and the new one gets its open requests and unanswered questions, in one transaction.

Each test runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import Connection

from bot.domain.catalog_csv import CatalogRow
from bot.domain.entities import Center, Checkout, OutboxMessage, ServiceRequest, User
from bot.domain.errors import RecordNotFound
from bot.domain.money import Money
from bot.domain.pipeline import Action, Fulfilment
from bot.domain.questions import Entry, EntryKind
from bot.services import questions
from bot.services.acting import act
from bot.services.handover import hand_over
from bot.services.submissions import submit_order
from bot.views.cards import manager_card_text
from storage import Storage
from storage.db import alembic_config
from storage.outbox import BLOCKED, DROPPED, FAILED, PENDING, SENT
from storage.schema import centers, outbox

OLD, NEW, SITI, BUDI = 501, 502, 7001, 7002
OIL = CatalogRow("OIL", "Minyak Goreng", "Sembako", Money(18000, "IDR"), "pcs", None)


@dataclass(frozen=True)
class Row:
    """An outbox row as the test reads it."""

    chat_id: int
    card: int | None
    status: str
    text: str


async def outbox_rows(store: Storage) -> list[Row]:
    """Every outbox row, oldest first."""
    query = sa.select(outbox).order_by(outbox.c.id)
    async with store.db.read() as conn:
        rows = (await conn.execute(query)).all()
    return [
        Row(row.chat_id, row.card_request_id, row.status, json.loads(row.payload)["text"])
        for row in rows
    ]


async def leping(store: Storage) -> tuple[Center, User, User]:
    """Leping, managed by OLD, with oil on sale; Siti (with her phone) and Budi live there."""
    center = await store.centers.add_center("leping", "Desa Leping", OLD)
    await store.catalog.import_rows(center.id, [OIL])
    await store.users.seen(OLD, "Pak Joko", telegram_language="en")
    await store.users.seen(NEW, "Bayu", telegram_language="id")
    villagers = []
    for user_id, name in ((SITI, "Siti"), (BUDI, "Budi")):
        await store.users.seen(user_id, name, telegram_language="en")
        await store.users.join_center(user_id, center.id)
        villagers.append(await store.users.set_phone(user_id, f"+62812000{user_id}"))
    return center, villagers[0], villagers[1]


async def order(store: Storage, center: Center, villager: User) -> ServiceRequest:
    """One bottle of oil for pickup; its card goes to the center's manager."""
    [item] = await store.catalog.search_items(center.id, center.currency)
    await store.carts.add(villager.id, item.product_id, center.id, 1)
    return await submit_order(store, villager, center, Checkout(Fulfilment.PICKUP))


async def delivered(store: Storage, status: str) -> None:
    """The sender's record of the one message waiting: sent, blocked or failed."""
    [row] = await store.outbox.due()
    if status == SENT:
        await store.outbox.mark_sent(row, message_id=1000 + row.id)
    else:
        await store.outbox.give_up(row, status, "refused")


async def test_the_old_managers_undelivered_cards_are_dropped_and_the_new_one_gets_open_ones(
    store: Storage,
) -> None:
    center, siti, budi = await leping(store)
    sent = await order(store, center, siti)
    await delivered(store, SENT)
    blocked = await order(store, center, budi)
    await delivered(store, BLOCKED)
    failed = await order(store, center, siti)
    await delivered(store, FAILED)
    approved = await order(store, center, budi)  # its cards still wait for OLD
    await act(store, approved.id, Action.APPROVE, OLD)
    rejected = await order(store, center, siti)
    await act(store, rejected.id, Action.REJECT, OLD, reason="Habis")
    cancelled = await order(store, center, budi)  # OLD is told, with a note besides the card
    await act(store, cancelled.id, Action.CANCEL, BUDI)
    jati = await store.centers.add_center("jati", "Desa Jati", OLD)
    await store.catalog.import_rows(jati.id, [OIL])
    other = await order(store, jati, await store.users.join_center(SITI, jati.id))
    before = await outbox_rows(store)

    handover = await hand_over(store, "LEPING", NEW)

    assert handover.after.manager_id == NEW
    assert (await store.centers.by_code("LEPING")).manager_id == NEW
    after = await outbox_rows(store)
    # Nothing is deleted: every row is still there, the old ones undelivered to OLD dropped.
    assert len(after) > len(before)
    kept = {(r.card, r.status) for r in after[: len(before)] if r.chat_id == OLD}
    assert kept == {
        (sent.id, SENT),
        (blocked.id, DROPPED),
        (failed.id, DROPPED),
        (approved.id, DROPPED),
        (rejected.id, DROPPED),
        (cancelled.id, DROPPED),
        (None, DROPPED),  # the note of the cancel
        (other.id, PENDING),  # Jati is still OLD's
    }
    assert [r for r in after[: len(before)] if r.chat_id != OLD] == [
        r for r in before if r.chat_id != OLD
    ]  # the villagers' news is theirs whoever manages
    # NEW gets a card of each open request of Leping, in his language (Indonesian), oldest first.
    fresh = after[len(before) :]
    assert [(r.chat_id, r.card, r.status) for r in fresh] == [
        (NEW, request.id, PENDING) for request in (sent, blocked, failed, approved)
    ]
    for row, villager in zip(fresh, (siti, budi, siti, budi), strict=True):
        request = await store.requests.get(row.card or 0)
        assert row.text == manager_card_text(request, villager, "id")
        assert villager.phone and villager.phone in row.text
    counts = await store.outbox.counts()
    assert sum(counts.values()) == len(after)
    assert counts[DROPPED] == len([r for r in after if r.status == DROPPED])


async def test_a_new_manager_gets_the_unanswered_part_of_each_open_question(
    store: Storage,
) -> None:
    center, siti, budi = await leping(store)
    asked = await questions.ask(store, siti, center, Entry(EntryKind.TEXT, "Ada gas elpiji?"))
    await questions.reply(store, asked.id, OLD, Entry(EntryKind.TEXT, "Ada, Bu."))
    await questions.reply(store, asked.id, SITI, Entry(EntryKind.TEXT, "Harganya berapa?"))
    done = await questions.ask(store, budi, center, Entry(EntryKind.TEXT, "Buka jam berapa?"))
    await questions.close(store, done.id, OLD)
    before = await outbox_rows(store)

    await hand_over(store, "LEPING", NEW)

    after = await outbox_rows(store)
    old_relays = [r for r in after[: len(before)] if r.chat_id == OLD]
    assert {r.status for r in old_relays} == {DROPPED}
    assert len(old_relays) == 3  # two of Siti's, one of Budi's
    fresh = after[len(before) :]
    assert [(r.chat_id, r.status) for r in fresh] == [(NEW, PENDING)]
    assert "Harganya berapa?" in fresh[0].text and "Siti" in fresh[0].text
    assert "Ada gas" not in fresh[0].text  # answered already
    # NEW may answer it now; OLD may not.
    await questions.reply(store, asked.id, NEW, Entry(EntryKind.TEXT, "Rp20.000"))
    with pytest.raises(questions.QuestionRefused):
        await questions.reply(store, asked.id, OLD, Entry(EntryKind.TEXT, "Rp25.000"))


async def test_the_old_and_new_manager_are_told_with_the_cards_in_one_transaction(
    store: Storage,
) -> None:
    center, siti, _ = await leping(store)
    waiting = await order(store, center, siti)

    def notices(before: Center, after: Center) -> list[OutboxMessage]:
        return [
            OutboxMessage(after.manager_id, f"you now manage {after.code}"),
            OutboxMessage(before.manager_id, f"you no longer manage {before.code}"),
        ]

    await hand_over(store, "leping", NEW, notices)

    assert [(r.chat_id, r.card, r.status) for r in await outbox_rows(store)] == [
        (OLD, waiting.id, DROPPED),
        (NEW, None, PENDING),
        (OLD, None, PENDING),
        (NEW, waiting.id, PENDING),
    ]
    told = [r.text for r in await outbox_rows(store) if r.card is None]
    assert told == ["you now manage LEPING", "you no longer manage LEPING"]


async def test_handing_over_to_the_same_manager_or_an_unknown_center_changes_nothing(
    store: Storage,
) -> None:
    center, siti, _ = await leping(store)
    await order(store, center, siti)
    before = await outbox_rows(store)

    await hand_over(store, "LEPING", OLD)
    with pytest.raises(RecordNotFound):
        await hand_over(store, "NOPE", NEW)

    assert await outbox_rows(store) == before
    assert (await store.centers.by_code("LEPING")).manager_id == OLD


async def test_a_former_manager_writing_again_gets_no_missed_cards_of_the_center(
    store: Storage,
) -> None:
    center, siti, budi = await leping(store)
    missed = await order(store, center, siti)
    [card] = await store.outbox.due()
    await store.outbox.record_blocked(card, "Forbidden: bot was blocked by the user")
    # The center changed hands the way a release before this one did: the card stayed blocked.
    async with store.db.write() as conn:
        query = sa.update(centers).where(centers.c.id == center.id)
        await conn.execute(query.values(manager_id=NEW))
    later = await order(store, await store.centers.by_code("LEPING"), budi)
    [new_card] = await store.outbox.due()
    await store.outbox.record_blocked(new_card, "Forbidden: bot was blocked by the user")

    await store.users.seen(OLD, "Pak Joko", telegram_language="en")  # OLD writes again
    await store.users.seen(NEW, "Bayu", telegram_language="id")  # and so does NEW

    assert [(m.chat_id, m.card_request_id) for m in await store.outbox.due()] == [(NEW, later.id)]
    statuses = {(r.chat_id, r.card): r.status for r in await outbox_rows(store)}
    assert statuses[(OLD, missed.id)] == BLOCKED


async def test_cards_waiting_when_the_release_is_upgraded_are_dropped_on_a_handover(
    store: Storage,
) -> None:
    center, siti, budi = await leping(store)
    sent = await order(store, center, siti)
    await delivered(store, SENT)
    waiting = await order(store, center, budi)

    def back_and_up(connection: Connection) -> None:  # as the release before 0012 wrote them
        command.downgrade(alembic_config(connection), "0011")
        command.upgrade(alembic_config(connection), "head")

    async with store.db.write() as conn:
        await conn.run_sync(back_and_up)
    await hand_over(store, "LEPING", NEW)

    assert [(r.chat_id, r.card, r.status) for r in await outbox_rows(store)] == [
        (OLD, sent.id, SENT),
        (OLD, waiting.id, DROPPED),
        (NEW, sent.id, PENDING),
        (NEW, waiting.id, PENDING),
    ]
