"""Creating a center writes its manager's message in the same transaction (handing it over:
tests/db/test_handover.py)."""

from __future__ import annotations

import time

import pytest

from bot.domain.entities import Center, OutboxMessage
from bot.domain.errors import DuplicateCenter
from bot.domain.money import Money
from storage import Storage


def hello(center: Center) -> list[OutboxMessage]:
    return [OutboxMessage(center.manager_id, f"you manage {center.code}")]


async def test_a_new_center_and_its_managers_messages_are_stored_together(store: Storage) -> None:
    center = await store.centers.add_center("jati", "Desa Jati", 501, notify=hello)
    assert center.code == "JATI" and center.manager_id == 501
    with pytest.raises(DuplicateCenter):
        await store.centers.add_center("JATI", "Another", 502, notify=hello)
    due = await store.outbox.due()
    assert [(m.chat_id, m.text) for m in due] == [(501, "you manage JATI")]


async def test_a_center_with_nothing_yet_has_zero_figures(store: Storage) -> None:
    await store.centers.add_center("jati", "Desa Jati", 501, currency="CNY")
    await store.users.seen(501, "Joko")
    await store.users.seen(601, "Siti")
    center = await store.centers.by_code("JATI")
    await store.users.join_center(501, center.id)  # the manager is not counted as a villager
    await store.users.join_center(601, center.id)
    [figures] = await store.overview.center_figures(time.time() - 7 * 86_400, limit=5)
    assert figures.manager_name == "Joko"
    assert (figures.villagers, figures.open_requests, figures.recent_requests) == (1, 0, 0)
    assert figures.recent_revenue == Money(0, "CNY")
    assert await store.overview.count_centers() == 1
