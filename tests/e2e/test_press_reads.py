"""What a manager's Approve press reads from the database."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from bot.domain.entities import RequestStatus
from tests.e2e.conftest import label

from .conftest import MANAGER, SITI, World, place_order, start_manager


@pytest.fixture
def selects() -> Iterator[Counter[str]]:
    """SELECTs run by anyone in this process, by the table they read first."""
    seen: Counter[str] = Counter()

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        words = statement.split()
        if words[0] == "SELECT" and "FROM" in words:
            seen[words[words.index("FROM") + 1]] += 1

    event.listen(Engine, "before_cursor_execute", count)
    yield seen
    event.remove(Engine, "before_cursor_execute", count)


async def test_an_approve_press_checks_the_request_once_before_writing(
    world: World, selects: Counter[str]
) -> None:
    emu = world.emu
    await start_manager(emu)
    async with world.database() as store:
        await place_order(store, SITI)
        card = await emu.wait_for(MANAGER, contains="🧾 #1", after=0)
        selects.clear()
        emu.press(MANAGER, card.message_id, button_text=label("action.approve"))
        await emu.wait_for(MANAGER, lambda m: "Approve" not in m.button_texts())
        assert (await store.requests.get(1)).status is RequestStatus.APPROVED
    # requests (each with its items, joined in the same statement since the items stopped
    # taking a statement of their own): the press's check of who may act, the write's check
    # of the current status, the changed request it hands back, and the test's look above.
    # users: who pressed (with their centers), the villager, and the manager's language.
    # centers: the request's center. (Each was read twice more before: 5, 5, 4, 2.)
    reads = {table: selects[table] for table in ("requests", "request_items", "users", "centers")}
    assert reads == {"requests": 4, "request_items": 0, "users": 3, "centers": 1}
