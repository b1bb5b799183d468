"""One draft makes one request: Confirm submitted again with the draft's key returns the first.

A villager whose "Order sent" reply was lost (the bot killed after the order was committed)
presses Confirm again; the submission finds the request made with that draft's key. On SQLite
and PostgreSQL, through the real store.
"""

from __future__ import annotations

import asyncio
import dataclasses

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import Connection

from bot.domain.catalog_csv import CatalogRow
from bot.domain.entities import Center, Checkout, User
from bot.domain.errors import EmptyCart
from bot.domain.money import Money
from bot.domain.phones import parse_mobile
from bot.domain.pipeline import Fulfilment, RequestKind
from bot.services.notifier import audience, notifier_for
from bot.services.submissions import submit_order, submit_topup, submit_travel
from storage import Storage
from storage.db import alembic_config
from storage.request_submissions import submit_service_in
from storage.schema import outbox, request_events, requests
from tests.conftest import open_storage
from tests.db.test_migrations import database_at

MANAGER, SITI, BUDI = 500, 7001, 7002
KEY = "5f0c2a9e81b3d4c7"
TRIP = {
    "ticket": "bus",
    "from": "Leping",
    "to": "Solo",
    "names": ["Siti"],
    "class": "economy",
    "date": "2026-12-20",
}


async def shop(store: Storage) -> tuple[Center, User, int]:
    """A center with oil (5 in stock), Siti in it; returns the oil's product id."""
    center = await store.centers.add_center("leping", "Desa Leping", MANAGER)
    oil = CatalogRow("OIL", "Minyak Goreng", "Sembako", Money(18000, "IDR"), "pcs", 5, ())
    await store.catalog.import_rows(center.id, [oil])
    await store.users.seen(MANAGER, "Pak Manager")
    await store.users.seen(SITI, "Siti", telegram_language="id")
    villager = await store.users.join_center(SITI, center.id)
    items = await store.catalog.search_items(center.id, center.currency)
    return center, villager, items[0].product_id


async def rows_of(store: Storage, table: sa.Table) -> int:
    async with store.db.read() as conn:
        return int((await conn.execute(sa.select(sa.func.count()).select_from(table))).scalar_one())


async def oil_left(store: Storage, center: Center) -> int | None:
    return (await store.catalog.export_rows(center.id, "IDR"))[0].stock


async def test_an_order_confirmed_twice_with_one_key_is_made_once(store: Storage) -> None:
    center, siti, oil = await shop(store)
    await store.carts.add(SITI, oil, center.id, 2)
    checkout = Checkout(Fulfilment.PICKUP, note="sore")

    first = await submit_order(store, siti, center, checkout, KEY)
    events, messages = await rows_of(store, request_events), await rows_of(store, outbox)
    again = await submit_order(store, siti, center, checkout, KEY)

    assert again == first
    assert await store.requests.count_of_villager(SITI) == 1
    assert await oil_left(store, center) == 3
    # Nothing written the second time: no audit row, no second card for the manager.
    assert await rows_of(store, request_events) == events
    assert await rows_of(store, outbox) == messages


async def test_a_new_draft_with_the_cart_taken_is_still_refused_as_empty(store: Storage) -> None:
    center, siti, oil = await shop(store)
    await store.carts.add(SITI, oil, center.id, 1)
    await submit_order(store, siti, center, Checkout(Fulfilment.PICKUP), KEY)

    with pytest.raises(EmptyCart):
        await submit_order(store, siti, center, Checkout(Fulfilment.PICKUP), "another-draft")
    assert await store.requests.count_of_villager(SITI) == 1


async def test_one_key_belongs_to_one_villager(store: Storage) -> None:
    center, siti, oil = await shop(store)
    await store.users.seen(BUDI, "Budi")
    budi = await store.users.join_center(BUDI, center.id)
    await store.carts.add(SITI, oil, center.id, 1)
    await store.carts.add(BUDI, oil, center.id, 1)

    sitis = await submit_order(store, siti, center, Checkout(Fulfilment.PICKUP), KEY)
    budis = await submit_order(store, budi, center, Checkout(Fulfilment.PICKUP), KEY)

    assert sitis.id != budis.id
    assert (sitis.villager_id, budis.villager_id) == (SITI, BUDI)


async def test_a_top_up_confirmed_again_after_a_price_change_is_the_one_made(
    store: Storage,
) -> None:
    center, siti, _ = await shop(store)
    number = parse_mobile("0812 3456 7890", "ID")
    assert number.operator is not None
    product = (await store.services.topups_for(center, number.operator))[0]
    first = await submit_topup(store, siti, center, number, product, product.price, KEY)
    dearer = dataclasses.replace(product, price=product.price + Money(500, "IDR"))

    # The price shown no longer holds, but the request was made already: it is the answer.
    again = await submit_topup(store, siti, center, number, dearer, product.price, KEY)

    assert again == first
    assert again.total == product.price
    assert await store.requests.count_of_villager(SITI) == 1


async def test_two_confirms_of_one_draft_at_once_make_one_request(store: Storage) -> None:
    """The same Confirm handled by two processes at once: the unique index keeps one."""
    center, siti, _ = await shop(store)

    made = await asyncio.gather(
        *(submit_travel(store, siti, center, RequestKind.TICKET, TRIP, KEY) for _ in range(4))
    )

    assert len({request.id for request in made}) == 1
    assert await store.requests.count_of_villager(SITI) == 1


async def test_the_unique_index_refuses_a_second_request_with_one_key(store: Storage) -> None:
    """The last guard, should two submissions both find no request with the key."""
    center, siti, _ = await shop(store)
    first = await submit_travel(store, siti, center, RequestKind.TICKET, TRIP, KEY)
    async with store.db.read() as conn:
        row = (await conn.execute(sa.select(requests).where(requests.c.id == first.id))).one()
    copy = {k: v for k, v in row._mapping.items() if k != "id"}

    with pytest.raises(sa.exc.IntegrityError):
        async with store.db.write() as conn:
            await conn.execute(requests.insert().values(**copy))
    async with store.db.write() as conn:  # without a key, any number of them
        await conn.execute(requests.insert().values(**{**copy, "draft_key": None}))
        await conn.execute(requests.insert().values(**{**copy, "draft_key": None}))
    assert await store.requests.count_of_villager(SITI) == 3


async def test_draft_keys_come_and_go_with_their_migration(database_url: str) -> None:
    """0020 adds the key to a database with requests, and its downgrade takes it away again
    without copying requests (whose items and events point to them)."""
    old = await database_at(database_url, "0019")
    await old.close()
    async with open_storage(database_url) as store:
        center, siti, oil = await shop(store)
        await store.carts.add(SITI, oil, center.id, 1)
        order = await submit_order(store, siti, center, Checkout(Fulfilment.PICKUP), KEY)

        def downgrade(connection: Connection) -> None:
            command.downgrade(alembic_config(connection), "0019")

        async with store.db.write() as conn:
            await conn.run_sync(downgrade)
            columns = await conn.run_sync(
                lambda sync: [c["name"] for c in sa.inspect(sync).get_columns("requests")]
            )
            kept = (await conn.execute(sa.text("SELECT id FROM requests"))).scalars().all()
            items = await conn.execute(sa.text("SELECT request_id, name FROM request_items"))
            if store.db.is_sqlite:
                broken = (await conn.execute(sa.text("PRAGMA foreign_key_check"))).all()
                assert broken == []
        assert "draft_key" not in columns
        assert kept == [order.id]
        assert [tuple(item) for item in items] == [(order.id, "Minyak Goreng")]


async def test_a_confirm_racing_an_uncommitted_one_answers_with_its_request(
    postgres_url: str,
) -> None:
    """PostgreSQL: the second Confirm finds no request yet (the first is not committed), so it
    writes its own; the unique index makes it wait, then refuses it once the first commits, and
    it answers with the first one's request."""
    async with open_storage(postgres_url) as store:
        center, siti, _ = await shop(store)
        notify = notifier_for(await audience(store, center, siti))
        nothing = Money.zero(center.currency)
        async with store.db.write() as conn:
            first = await submit_service_in(
                conn, SITI, center, RequestKind.TICKET, TRIP, nothing, nothing, notify, KEY
            )
            second = asyncio.create_task(
                submit_travel(store, siti, center, RequestKind.TICKET, TRIP, KEY)
            )
            while not await waiting_for_a_lock(store):
                assert not second.done(), second
                await asyncio.sleep(0.05)
        assert (await second).id == first.id
        assert await store.requests.count_of_villager(SITI) == 1


async def waiting_for_a_lock(store: Storage) -> bool:
    """Whether a transaction of this database waits for another's lock."""
    waiting = sa.text(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    async with store.db.read() as conn:
        return bool((await conn.execute(waiting)).scalar_one())
