"""The manager's announcements, end to end: compose, preview, Send, delivery, report, list."""

from __future__ import annotations

from collections import Counter

import pytest

from bot.devtools.emulator import BotApiEmulator, SentMessage
from bot.domain.broadcasts import BroadcastStatus
from bot.domain.entities import Center
from bot.views.announcement import room_for_body
from storage import Storage
from tests.e2e.conftest import (
    MANAGER,
    SITI,
    World,
    eventually,
    join,
    label,
    part_of,
    shown,
    start_manager,
)

pytestmark = pytest.mark.usefixtures("no_errors_logged")

VILLAGERS = [800001 + i for i in range(40)]
BLOCKED = set(VILLAGERS[5:8])  # blocked the bot since they last wrote; the bot does not know
MUTED = VILLAGERS[10]
ANNOUNCEMENT = "Besok pasar murah di balai desa, jam 8 <pagi> & gratis teh!"
SEND = label("broadcast.send")


def report_of(sent: int, blocked: int, failed: int = 0) -> str:
    """The report the manager's prompt turns into once the announcement went out."""
    return shown("broadcast.report", sent=sent, blocked=blocked, failed=failed)


async def villagers_of_leping(world: World) -> None:
    """Forty villagers who joined Leping earlier; three blocked the bot, one muted."""
    async with world.database() as store:
        center = await store.centers.by_code("LEPING")
        for n, user_id in enumerate(VILLAGERS):
            language = "id" if n % 2 else "en"
            await store.users.seen(user_id, f"Warga {n}", telegram_language=language)
            await store.users.join_center(user_id, center.id)
        await store.users.set_muted(MUTED, True)
    for user_id in BLOCKED:
        world.emu.block(user_id)


def received(emu: BotApiEmulator, text: str) -> Counter[int]:
    """How many messages containing `text` each villager got."""
    return Counter(
        user_id for user_id in VILLAGERS for m in emu.messages(user_id) if text in m.text
    )


def refusals(emu: BotApiEmulator) -> Counter[int]:
    """How many 403s each chat answered."""
    return Counter(int(e.params["chat_id"]) for e in emu.errors if e.error_code == 403)


async def compose(emu: BotApiEmulator, text: str) -> tuple[SentMessage, SentMessage]:
    """The manager writes an announcement; returns the preview and the Send/Cancel prompt."""
    emu.send_text(MANAGER, "/broadcast")
    await emu.wait_for(MANAGER, contains=part_of("broadcast.ask"))
    emu.send_text(MANAGER, text)
    prompt = await emu.wait_for(MANAGER, contains=part_of("broadcast.confirm"))
    preview = emu.messages(MANAGER)[-2]
    return preview, prompt


async def send_and_wait_for_report(emu: BotApiEmulator, prompt: SentMessage) -> SentMessage:
    """Press Send; the prompt becomes the progress, then the report."""
    emu.press(MANAGER, prompt.message_id, button_text=SEND)
    return await emu.wait_for(
        MANAGER,
        lambda m: m.message_id == prompt.message_id and part_of("broadcast.report") in m.text,
        timeout=15,
    )


async def broadcast_status(world: World, broadcast_id: int) -> BroadcastStatus:
    async with world.database() as store:
        found = await store.broadcasts.get(broadcast_id)
    assert found is not None
    return found.status


async def until_marked_done(store: Storage) -> Center:
    """Wait for Leping's latest broadcast to be marked done (the report goes out just before)."""
    center = await store.centers.by_code("LEPING")

    async def finished() -> bool | None:
        (broadcast, _), *_ = await store.broadcasts.recent(center.id)
        return True if broadcast.status is BroadcastStatus.DONE else None

    await eventually(finished, "the broadcast to be marked done")
    return center


async def test_an_announcement_reaches_every_villager_once_and_the_blocked_are_skipped_next_time(
    world: World,
) -> None:
    emu = world.emu
    await villagers_of_leping(world)
    await start_manager(emu)

    preview, prompt = await compose(emu, ANNOUNCEMENT)

    header = shown("broadcast.header", center="Kios Desa Leping")
    assert preview.text == f"{header}\n\n{ANNOUNCEMENT}\n\n{shown('broadcast.footer')}"
    assert part_of("broadcast.confirm", count=39) in prompt.text  # 40, less the muted one
    assert prompt.button_texts() == [SEND, label("broadcast.cancel")]
    assert received(emu, "pasar murah") == Counter()  # nothing goes out before Send

    report = await send_and_wait_for_report(emu, prompt)

    assert report.text == report_of(sent=36, blocked=3)
    assert any(part_of("broadcast.progress") in old for old in report.history)
    reached = [v for v in VILLAGERS if v not in BLOCKED and v != MUTED]
    assert received(emu, "pasar murah") == Counter({v: 1 for v in reached})
    english, indonesian = emu.messages(VILLAGERS[0])[-1], emu.messages(VILLAGERS[1])[-1]
    assert english.text.endswith(shown("broadcast.footer"))
    assert indonesian.text.endswith(shown("broadcast.footer", "id"))
    assert refusals(emu) == Counter({v: 1 for v in BLOCKED})
    async with world.database() as store:
        for user_id in BLOCKED:
            assert (await store.users.get(user_id)).blocked_at is not None  # type: ignore[union-attr]

    _, prompt = await compose(emu, "Kerja bakti hari Minggu")
    assert part_of("broadcast.confirm", count=36) in prompt.text
    report = await send_and_wait_for_report(emu, prompt)

    assert report.text == report_of(sent=36, blocked=0)
    assert received(emu, "Kerja bakti") == Counter({v: 1 for v in reached})
    assert refusals(emu) == Counter({v: 1 for v in BLOCKED})  # no second try at them

    async with world.database() as store:
        await until_marked_done(store)
    emu.send_text(MANAGER, "/broadcasts")
    listed = await emu.wait_for(MANAGER, contains=part_of("broadcast.list"))
    lines = listed.text.splitlines()
    assert "Kerja bakti hari Minggu" in lines[2]
    assert part_of("broadcast.line", sent=36, blocked=0, failed=0) in lines[3]
    assert "Besok pasar murah di balai desa, jam 8…" in lines[4]
    assert part_of("broadcast.line", sent=36, blocked=3, failed=0) in lines[5]


async def test_a_villager_forging_the_send_button_changes_nothing(world: World) -> None:
    emu = world.emu
    await villagers_of_leping(world)
    await start_manager(emu)
    welcome = await join(emu, SITI)
    _, prompt = await compose(emu, ANNOUNCEMENT)
    send_data = prompt.find_button(text=SEND).callback_data  # type: ignore[union-attr]
    assert send_data is not None and send_data.startswith("brd:")
    broadcast_id = int(send_data.split(":")[1])

    for forged in (send_data, send_data.replace(":send", ":cancel"), "brd:999:send"):
        query = emu.press(SITI, welcome.message_id, forge=forged)
        answer = await emu.wait_callback_answered(query)
        assert answer.get("show_alert") is True
        assert answer.get("text") == label("broadcast.not_allowed")

    assert await broadcast_status(world, broadcast_id) is BroadcastStatus.DRAFT
    assert received(emu, "pasar murah") == Counter()
    assert emu.messages(SITI)[-1].message_id == welcome.message_id

    # The real manager still can; a second press of Send then changes nothing.
    await send_and_wait_for_report(emu, prompt)
    query = emu.press(MANAGER, prompt.message_id, forge=send_data)
    answer = await emu.wait_callback_answered(query)
    assert answer.get("text") == label("broadcast.stale")
    assert sum(received(emu, "pasar murah").values()) == 36


async def test_cancel_sends_nothing(world: World) -> None:
    emu = world.emu
    await villagers_of_leping(world)
    await start_manager(emu)
    _, prompt = await compose(emu, ANNOUNCEMENT)

    send_data = prompt.find_button(text=SEND).callback_data  # type: ignore[union-attr]
    assert send_data is not None

    emu.press(MANAGER, prompt.message_id, button_text=label("broadcast.cancel"))
    cancelled = await emu.wait_for(MANAGER, lambda m: m.message_id == prompt.message_id)

    assert cancelled.text == shown("broadcast.cancelled")
    assert cancelled.buttons == []
    query = emu.press(MANAGER, prompt.message_id, forge=send_data)
    assert (await emu.wait_callback_answered(query)).get("show_alert") is True
    assert received(emu, "pasar murah") == Counter()


async def test_a_photo_goes_out_with_its_caption(world: World) -> None:
    emu = world.emu
    await villagers_of_leping(world)
    await start_manager(emu)
    emu.send_text(MANAGER, "/broadcast")
    await emu.wait_for(MANAGER, contains=part_of("broadcast.ask"))

    emu.send_photo(MANAGER, b"\xff\xd8 a poster of the market", caption="Pasar murah besok!")
    prompt = await emu.wait_for(MANAGER, contains=part_of("broadcast.confirm", count=39))
    preview = emu.messages(MANAGER)[-2]
    assert preview.photo is not None and preview.caption is not None
    assert "Pasar murah besok!" in preview.caption
    await send_and_wait_for_report(emu, prompt)

    photo = emu.messages(VILLAGERS[0])[-1]
    assert photo.kind == "photo" and photo.photo is not None
    assert photo.photo.data == b"\xff\xd8 a poster of the market"
    assert photo.caption is not None and photo.caption.endswith(shown("broadcast.footer"))


async def test_too_long_a_text_is_refused_with_the_limit(world: World) -> None:
    emu = world.emu
    await start_manager(emu)
    emu.send_text(MANAGER, "/broadcast")
    await emu.wait_for(MANAGER, contains=part_of("broadcast.ask"))

    emu.send_text(MANAGER, "x" * 4100)
    refusal = await emu.wait_for(MANAGER, contains=part_of("broadcast.too_long"))

    limit = room_for_body("Kios Desa Leping", caption=False)
    assert refusal.text == shown("broadcast.too_long", length="4,100", limit=f"{limit:,}")
    emu.send_text(MANAGER, "Pendek saja")  # still composing: a shorter text is taken
    await emu.wait_for(MANAGER, contains=part_of("broadcast.confirm", count=0))


async def test_a_villager_cannot_broadcast(world: World) -> None:
    emu = world.emu
    await join(emu, SITI)

    emu.send_text(SITI, "/broadcast")
    refusal = await emu.wait_for(SITI)
    assert part_of("common.unknown_command", command="/broadcast") in refusal.text

    emu.send_text(SITI, "/broadcasts")
    unknown = part_of("common.unknown_command", command="/broadcasts")
    assert unknown in (await emu.wait_for(SITI)).text


async def test_the_database_holds_the_figures_the_manager_saw(world: World) -> None:
    emu = world.emu
    await villagers_of_leping(world)
    await start_manager(emu)
    _, prompt = await compose(emu, ANNOUNCEMENT)
    await send_and_wait_for_report(emu, prompt)

    async with world.database() as store:
        center = await until_marked_done(store)
        [(broadcast, tally)] = await store.broadcasts.recent(center.id)
    assert (tally.sent, tally.blocked, tally.failed, tally.pending) == (36, 3, 0, 0)
    assert broadcast.finished_at is not None
    assert broadcast.progress_message_id == prompt.message_id
