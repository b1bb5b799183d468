"""Every date and time a user sees or picks is on the center's clock (Jakarta), not the server's.

The moment chosen is 19:48 UTC on Friday 4 December 2026: already 02:48 on Saturday 5 December
in Jakarta, on the other side of midnight.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from storage import clock
from storage.schema import broadcasts, requests
from tests.e2e.conftest import MANAGER, SITI, World, join, order_in_chat, start_manager

pytestmark = pytest.mark.usefixtures("no_errors_logged")

FRIDAY_EVENING_UTC = datetime(2026, 12, 4, 19, 48, tzinfo=UTC).timestamp()


async def test_the_ticket_day_picker_starts_on_the_centers_today(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(clock, "now", lambda: FRIDAY_EVENING_UTC)
    emu = world.emu
    await join(emu, SITI)
    emu.send_text(SITI, "/ticket")
    kinds = await emu.wait_for(SITI, contains="How do you want to travel")
    emu.press(SITI, kinds.message_id, button_text="🚌 Bus")
    await emu.wait_for(SITI, contains="From where")
    emu.send_text(SITI, "solo")
    await emu.wait_for(SITI, contains="From Solo to where")
    emu.send_text(SITI, "Jogjakarta")
    days = await emu.wait_for(SITI, contains="Which day")
    assert days.buttons[0][0].text == "Sat 5 Dec"  # in Jakarta Friday is over


async def test_the_queue_and_the_broadcast_list_show_the_centers_time(world: World) -> None:
    emu = world.emu
    await start_manager(emu)
    await order_in_chat(emu, SITI)
    async with world.database() as store, store.db.write() as conn:
        await conn.execute(sa.update(requests).values(created_at=FRIDAY_EVENING_UTC))
    emu.send_text(MANAGER, "/queue")
    queue = await emu.wait_for(MANAGER, contains="#1")
    assert "05/12 02:48" in queue.text

    emu.send_text(MANAGER, "/broadcast")
    await emu.wait_for(MANAGER, contains="Write the announcement")
    emu.send_text(MANAGER, "Pasar murah hari Minggu")
    prompt = await emu.wait_for(MANAGER, contains="Recipients:")
    emu.press(MANAGER, prompt.message_id, button_text="📣 Send")
    await emu.wait_for(MANAGER, contains="Announcement sent", timeout=15)
    async with world.database() as store, store.db.write() as conn:
        await conn.execute(sa.update(broadcasts).values(created_at=FRIDAY_EVENING_UTC))
    emu.send_text(MANAGER, "/broadcasts")
    listed = await emu.wait_for(MANAGER, contains="Pasar murah")
    assert "05/12 02:48" in listed.text
