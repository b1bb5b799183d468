"""Quotes through the real store: an acceptance takes the quote it names, never a newer one,
on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa

from bot.domain.bills import BillKind
from bot.domain.entities import Center, User
from bot.domain.money import Money
from bot.domain.pipeline import Action, RequestStatus, TransitionRefused
from bot.services.acting import act
from bot.services.quotes import quote
from bot.services.submissions import submit_bill
from storage import Storage
from storage.schema import requests

MANAGER, SITI = 500, 7001


def idr(major: int) -> Money:
    return Money(major, "IDR")


async def water_bill(store: Storage) -> tuple[Center, User, int]:
    """Siti's water bill at Leping, quoted once by the manager at 150,000 + 2,500."""
    center = await store.centers.add_center("leping", "Desa Leping", MANAGER)
    await store.users.seen(MANAGER, "Pak Manager")
    await store.users.seen(SITI, "Siti", telegram_language="id")
    siti = await store.users.join_center(SITI, center.id)
    bill = await submit_bill(store, siti, center, BillKind.PDAM, "0123456789")
    await quote(store, bill.id, MANAGER, idr(150_000), idr(2_500))
    return center, siti, bill.id


async def test_every_quote_is_a_new_version(store: Storage) -> None:
    _center, _siti, bill = await water_bill(store)
    assert (await store.requests.get(bill)).quote_version == 1
    await quote(store, bill, MANAGER, idr(950_000), idr(2_500))
    assert (await store.requests.get(bill)).quote_version == 2


async def test_an_acceptance_takes_only_the_quote_it_names(store: Storage) -> None:
    _center, _siti, bill = await water_bill(store)
    await quote(store, bill, MANAGER, idr(950_000), idr(2_500))

    for seen in (1, None):  # the first quote's button, and one that names no quote
        with pytest.raises(TransitionRefused) as refused:
            await act(store, bill, Action.ACCEPT, SITI, quote_version=seen)
        assert refused.value.reason == "quote_replaced"
    request = await store.requests.get(bill)
    assert request.status is RequestStatus.QUOTED and request.total == idr(952_500)

    accepted = await act(store, bill, Action.ACCEPT, SITI, quote_version=2)
    assert accepted.request.status is RequestStatus.ACCEPTED
    assert accepted.request.total == idr(952_500)


async def test_a_quote_written_while_the_acceptance_is_on_its_way_refuses_it(
    store: Storage,
) -> None:
    """The re-quote commits after the acceptance read the request and before it writes."""
    _center, _siti, bill = await water_bill(store)
    async with store.db.write() as conn:
        await conn.execute(
            sa.update(requests)
            .where(requests.c.id == bill)
            .values(quote_version=requests.c.quote_version + 1, total_minor=952_500)
        )
        accepting = asyncio.create_task(act(store, bill, Action.ACCEPT, SITI, quote_version=1))
        await asyncio.sleep(0.5)  # it reads version 1, then waits for this transaction
    with pytest.raises(TransitionRefused):
        await accepting
    request = await store.requests.get(bill)
    assert request.status is RequestStatus.QUOTED and request.total == idr(952_500)
