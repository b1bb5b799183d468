"""The operator's chat: centers with their figures, a new center by dialog, a new manager.

Only users in ADMIN_IDS are answered; everyone else learns nothing and changes nothing.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa

from bot.config import Settings
from bot.devtools.emulator import BotApiEmulator
from bot.domain.errors import RecordNotFound
from bot.domain.money import format_money
from bot.domain.pipeline import Action
from bot.services.acting import act
from bot.views.texts import Html, h
from storage import Storage
from storage.schema import requests
from tests.e2e.conftest import (
    BUDI,
    MANAGER,
    SITI,
    TOKEN,
    World,
    assert_all_answered,
    assert_html_always_valid,
    eventually,
    label,
    order_in_chat,
    part_of,
    place_order,
    running_bot,
    seed,
    shown,
    start_manager,
)

pytestmark = pytest.mark.usefixtures("no_errors_logged")

ADMIN = 800001
BAYU = 900002  # to become a manager
LEPING = "Kios Desa Leping"
ONLY_OPERATORS = shown("admin.only")
OPERATORS_NOTICE = label("admin.only_notice")


def manager(user_id: int, name: str | None = None) -> Html:
    """A manager as the operator's chat names them: with their name once they opened the bot."""
    if name is None:
        return h("en", "admin.manager_unknown", id=user_id)
    return h("en", "admin.manager_known", name=name, id=user_id)


def operator_settings(emu: BotApiEmulator, database_url: str) -> Settings:
    """The bot's settings with one operator in ADMIN_IDS."""
    return Settings(
        bot_token=TOKEN,
        database_url=database_url,
        telegram_api_url=emu.url,
        outbox_poll_seconds=0.5,
        admin_ids=frozenset({ADMIN}),
    )


@pytest.fixture
async def admin_world(emu: BotApiEmulator, sqlite_url: str) -> AsyncIterator[World]:
    """The running bot with one operator configured in ADMIN_IDS."""
    emu.user(ADMIN, "Ibu Rina", language_code="en")
    emu.user(BAYU, "Bayu", language_code="en", last_name="Saputra")
    await seed(sqlite_url)
    settings = operator_settings(emu, sqlite_url)
    async with running_bot(settings):
        yield World(emu, sqlite_url, settings)


async def busy_week(store: Storage) -> None:
    """Leping's week: one order completed, one open, one cancelled, one completed long ago."""
    completed = await place_order(store, SITI, {"Minyak Goreng 1 liter": 2})
    for action in (Action.APPROVE, Action.MARK_READY, Action.COMPLETE):
        await act(store, completed.id, action, MANAGER)
    await place_order(store, BUDI)
    cancelled = await place_order(store, BUDI)
    await act(store, cancelled.id, Action.CANCEL, BUDI)
    old = await place_order(store, SITI)
    for action in (Action.APPROVE, Action.MARK_READY, Action.COMPLETE):
        await act(store, old.id, action, MANAGER)
    ten_days_ago = time.time() - 10 * 86_400
    async with store.db.write() as conn:  # this one happened before the week began
        await conn.execute(
            sa.update(requests)
            .where(requests.c.id == old.id)
            .values(created_at=ten_days_ago, completed_at=ten_days_ago)
        )


async def test_operator_sees_every_center_with_its_figures(admin_world: World) -> None:
    emu = admin_world.emu
    await start_manager(emu)
    async with admin_world.database() as store:
        await busy_week(store)
        await store.centers.add_center("SUKA", "Kios Sukamaju", BAYU, currency="CNY")
        leping = await store.centers.by_code("LEPING")
        open_requests = await store.requests.count_open(leping.id)
        revenue = format_money((await store.requests.get(1)).total, "en")

        emu.send_text(ADMIN, "/centers")
        listing = await emu.wait_for(ADMIN, contains=part_of("admin.centers"))

    leping_block, suka_block = listing.text.split("\n\n")[1:]
    assert open_requests == 1
    # Three requests this week (the completed, the open and the cancelled one).
    assert leping_block == shown(
        "admin.center_block",
        code="LEPING",
        name="Kios Desa Leping",
        manager=manager(MANAGER, "Pak Joko"),
        currency="IDR",
        villagers=2,
        open=open_requests,
        requests=3,
        revenue=revenue,
    )
    assert suka_block == shown(
        "admin.center_block",
        code="SUKA",
        name="Kios Sukamaju",
        manager=manager(BAYU),
        currency="CNY",
        villagers=0,
        open=0,
        requests=0,
        revenue="CN¥0.00",
    )
    assert listing.buttons == []  # one page
    assert_html_always_valid(emu)


async def test_many_centers_come_in_pages(admin_world: World) -> None:
    emu = admin_world.emu
    async with admin_world.database() as store:
        for n in range(1, 7):
            await store.centers.add_center(f"DESA{n}", f"Kios Desa {n}", 900100 + n)

    emu.send_text(ADMIN, "/centers")
    first = await emu.wait_for(ADMIN, contains=part_of("admin.centers", count=7, page=1, pages=2))
    assert "DESA1" in first.text and "DESA5" in first.text and "LEPING" not in first.text
    emu.press(ADMIN, first.message_id, button_text="▶")
    second = await emu.wait_for(ADMIN, contains=part_of("admin.centers", count=7, page=2, pages=2))
    assert second.message_id == first.message_id
    assert "DESA6" in second.text and "LEPING" in second.text and "DESA1" not in second.text
    # A page past the end (an old or edited button) shows the last one.
    query = emu.press(ADMIN, first.message_id, forge="adp:99")
    await emu.wait_callback_answered(query)
    assert part_of("admin.centers", count=7, page=2, pages=2) in emu.last_message(ADMIN).text
    await assert_all_answered(emu)


async def test_operator_creates_a_center_step_by_step(admin_world: World) -> None:
    emu = admin_world.emu
    emu.send_text(BAYU, "/start")  # Bayu has opened the bot, so he can be told
    await emu.wait_for(BAYU, contains=shown("onboarding.ask_center"))

    emu.send_text(ADMIN, "/newcenter")
    await emu.wait_for(ADMIN, contains=shown("admin.new_ask_code"))
    emu.send_text(ADMIN, "leping")
    await emu.wait_for(
        ADMIN, contains=shown("admin.new_code_taken", code="LEPING", name="Kios Desa Leping")
    )
    emu.send_text(ADMIN, "sawah 1")
    await emu.wait_for(ADMIN, contains=shown("admin.new_bad_code"))
    emu.send_text(ADMIN, "sawah-1")
    await emu.wait_for(ADMIN, contains=shown("admin.new_ask_name", code="SAWAH-1"))
    emu.send_text(ADMIN, "  Kios   Sawah Indah ")
    await emu.wait_for(ADMIN, contains=shown("admin.new_ask_manager"))
    emu.send_text(ADMIN, "Bayu")
    await emu.wait_for(ADMIN, contains=shown("admin.new_bad_manager"))
    emu.send_contact(ADMIN, "+6281234567890", first_name="Bayu", contact_user_id=BAYU)
    currency = await emu.wait_for(ADMIN, contains=shown("admin.new_ask_currency"))
    emu.send_text(ADMIN, "rupiah")
    await emu.wait_for(ADMIN, contains=shown("admin.new_use_buttons"))
    emu.press(ADMIN, currency.message_id, button_text="CNY")
    language = await emu.wait_for(ADMIN, contains=part_of("admin.new_ask_language"))
    emu.press(ADMIN, language.message_id, button_text=label("language.name", "zh"))
    await emu.wait_for(ADMIN, contains=part_of("admin.new_ask_location"))
    emu.send_text(ADMIN, "somewhere near the river")
    await emu.wait_for(ADMIN, contains=shown("admin.new_bad_location"))
    emu.send_location(ADMIN, -7.61, 110.93)
    summary = await emu.wait_for(ADMIN, contains=part_of("admin.new_summary"))
    assert summary.text == shown(
        "admin.new_summary",
        code="SAWAH-1",
        name="Kios Sawah Indah",
        manager=manager(BAYU, "Bayu Saputra"),
        currency="CNY",
        language="中文",
        location="-7.61000, 110.93000",
    )
    emu.press(ADMIN, summary.message_id, button_text=label("admin.new_create"))
    created = await emu.wait_for(ADMIN, contains=part_of("admin.new_created", code="SAWAH-1"))
    assert "https://t.me/kiosdesa_bot?start=SAWAH-1" in created.text

    async with admin_world.database() as store:
        center = await store.centers.by_code("SAWAH-1")
    assert (center.name, center.manager_id, center.currency, center.language) == (
        "Kios Sawah Indah",
        BAYU,
        "CNY",
        "zh",
    )
    assert (center.lat, center.lon, center.radius_km) == (-7.61, 110.93, 3.0)
    # His desk speaks the center's language until he chooses his own with /language.
    told = await emu.wait_for(BAYU, contains=part_of("admin.notify_assigned", "zh"))
    assert "Kios Sawah Indah" in told.text
    assert "queue" in [name for name, _ in emu.visible_commands(BAYU)]
    # Bayu opens the link he was sent and is welcomed as the manager of his center.
    emu.send_text(BAYU, "/start")
    await emu.wait_for(BAYU, contains="Kios Sawah Indah")
    await assert_all_answered(emu)
    assert_html_always_valid(emu)


async def test_operator_can_leave_the_dialog_and_skip_the_location(admin_world: World) -> None:
    emu = admin_world.emu
    emu.send_text(ADMIN, "/newcenter")
    await emu.wait_for(ADMIN, contains=shown("admin.new_ask_code"))
    emu.send_text(ADMIN, "BATAL")
    await emu.wait_for(ADMIN, contains=part_of("admin.new_ask_name"))
    emu.send_text(ADMIN, "/cancel")
    await emu.wait_for(ADMIN, contains=shown("admin.new_cancelled"))

    emu.send_text(ADMIN, "/newcenter")
    await emu.wait_for(ADMIN, contains=shown("admin.new_ask_code"))
    emu.send_text(ADMIN, "TANPA")
    await emu.wait_for(ADMIN, contains=part_of("admin.new_ask_name"))
    emu.send_text(ADMIN, "Kios Tanpa Peta")
    await emu.wait_for(ADMIN, contains=shown("admin.new_ask_manager"))
    emu.send_text(ADMIN, "22222222")  # someone who never opened the bot
    currency = await emu.wait_for(ADMIN, contains=shown("admin.new_ask_currency"))
    emu.press(ADMIN, currency.message_id, button_text="IDR")
    language = await emu.wait_for(ADMIN, contains=part_of("admin.new_ask_language"))
    emu.press(ADMIN, language.message_id, button_text=label("language.name", "id"))
    where = await emu.wait_for(ADMIN, contains=part_of("admin.new_ask_location"))
    emu.press(ADMIN, where.message_id, button_text=label("admin.new_skip"))
    summary = await emu.wait_for(ADMIN, contains=part_of("admin.new_summary"))
    assert summary.text == shown(
        "admin.new_summary",
        code="TANPA",
        name="Kios Tanpa Peta",
        manager=manager(22222222),
        currency="IDR",
        language="Bahasa Indonesia",
        location=label("admin.no_location"),
    )
    emu.press(ADMIN, summary.message_id, button_text=label("admin.new_create"))
    created = await emu.wait_for(ADMIN, contains=part_of("admin.new_created", code="TANPA"))
    assert shown("admin.not_told") in created.text

    async with admin_world.database() as store:
        center = await store.centers.by_code("TANPA")
        with pytest.raises(RecordNotFound):
            await store.centers.by_code("BATAL")
    assert (center.manager_id, center.currency, center.language) == (22222222, "IDR", "id")
    assert center.lat is None and center.lon is None
    await assert_all_answered(emu)


async def test_a_half_made_center_survives_a_restart(emu: BotApiEmulator, sqlite_url: str) -> None:
    emu.user(ADMIN, "Ibu Rina", language_code="en")
    await seed(sqlite_url)
    settings = operator_settings(emu, sqlite_url)
    async with running_bot(settings):
        emu.send_text(ADMIN, "/newcenter")
        await emu.wait_for(ADMIN, contains=shown("admin.new_ask_code"))
        emu.send_text(ADMIN, "MULAI")
        await emu.wait_for(ADMIN, contains=part_of("admin.new_ask_name"))
    async with running_bot(settings):
        emu.send_text(ADMIN, "Kios Mulai Lagi")
        await emu.wait_for(ADMIN, contains=shown("admin.new_ask_manager"))
        emu.send_text(ADMIN, "/cancel")
        await emu.wait_for(ADMIN, contains=shown("admin.new_cancelled"))


async def test_operator_hands_a_center_to_another_manager(admin_world: World) -> None:
    emu = admin_world.emu
    await start_manager(emu)
    assert "queue" in [name for name, _ in emu.visible_commands(MANAGER)]
    emu.send_text(BAYU, "/start")
    await emu.wait_for(BAYU, contains=shown("onboarding.ask_center"))

    usage = shown("admin.setmanager_usage")
    for typed, answer in (
        ("/setmanager", usage),
        ("/setmanager LEPING", usage),
        ("/setmanager LEPING bayu", usage),
        ("/setmanager LEPING -5", usage),
        ("/setmanager NOPE 900002", shown("admin.unknown_code", code="NOPE")),
        (f"/setmanager LEPING {MANAGER}", part_of("admin.same_manager", center=LEPING)),
    ):
        emu.send_text(ADMIN, typed)
        await emu.wait_for(ADMIN, contains=answer)
    async with admin_world.database() as store:
        assert (await store.centers.by_code("LEPING")).manager_id == MANAGER

        emu.send_text(ADMIN, f"/setmanager leping {BAYU}")
        handed = shown(
            "admin.manager_set",
            center=LEPING,
            code="LEPING",
            manager=manager(BAYU, "Bayu Saputra"),
            previous=manager(MANAGER, "Pak Joko"),
        )
        await emu.wait_for(ADMIN, contains=handed)
        assert (await store.centers.by_code("LEPING")).manager_id == BAYU
    # Bayu chose no language: his desk speaks Leping's, Indonesian.
    told_new = await emu.wait_for(BAYU, contains=part_of("admin.notify_assigned", "id"))
    assert LEPING in told_new.text
    removed = shown("admin.notify_removed", center=LEPING, code="LEPING")
    await emu.wait_for(MANAGER, contains=removed)
    assert "queue" in [name for name, _ in emu.visible_commands(BAYU)]
    assert "queue" not in [name for name, _ in emu.visible_commands(MANAGER)]
    # Bayu now has the center's queue.
    emu.send_text(BAYU, "/queue")
    await emu.wait_for(BAYU, contains="Kios Desa Leping")
    assert_html_always_valid(emu)


async def test_the_new_manager_gets_the_open_requests_and_the_old_one_nothing_more(
    admin_world: World,
) -> None:
    emu = admin_world.emu
    await start_manager(emu)
    emu.send_text(BAYU, "/start")
    await emu.wait_for(BAYU, contains=shown("onboarding.ask_center"))
    await order_in_chat(emu, SITI)  # #1: Pak Joko gets its card
    await emu.wait_for(MANAGER, contains="#1", after=0)
    emu.block(MANAGER)
    async with admin_world.database() as store:
        await place_order(store, BUDI)  # #2: Pak Joko has blocked the bot, its card waits
        closed = await place_order(store, SITI)  # #3: rejected, nothing left to do
        await act(store, closed.id, Action.REJECT, MANAGER, reason="Habis")

        async def card_blocked() -> bool | None:
            return True if (await store.outbox.counts()).get("blocked") else None

        await eventually(card_blocked, "the card of #2 to be recorded as blocked")
        emu.send_text(ADMIN, f"/setmanager LEPING {BAYU}")
        await emu.wait_for(ADMIN, contains=part_of("admin.manager_set", center=LEPING))

        # Bayu gets a card of each open request, with the villager's name, to act on.
        first = await emu.wait_for(BAYU, contains="#1", after=0)
        second = await emu.wait_for(BAYU, contains="#2", after=0)
        assert "Siti" in first.text and f"User{BUDI}" in second.text
        # In Leping's language, Indonesian: Bayu chose none of his own.
        approve, reject = label("action.approve", "id"), label("action.reject", "id")
        assert second.button_texts() == [approve, reject]
        emu.press(BAYU, second.message_id, button_text=approve)
        await emu.wait_for(BUDI, contains="#2")
        assert not [m for m in emu.messages(BAYU) if "#3" in m.text]

        # Pak Joko writes again: he no longer manages Leping, so no missed card comes back.
        emu.send_text(MANAGER, "/start")
        await emu.wait_for(MANAGER, contains=part_of("onboarding.welcome"))

        async def nothing_waits() -> bool | None:
            return True if not await store.outbox.due() else None

        await eventually(nothing_waits, "the outbox to be empty")
    leaked = [m.text for m in emu.messages(MANAGER) if "#2" in m.text or "#3" in m.text]
    assert leaked == []
    assert [m.message_id for m in emu.messages(BAYU) if "#2" in m.text] == [second.message_id]
    await assert_all_answered(emu)


async def test_operator_menu_has_the_admin_commands(admin_world: World) -> None:
    emu = admin_world.emu
    emu.send_text(ADMIN, "/start")
    await emu.wait_for(ADMIN, contains=shown("onboarding.ask_center"))
    menu = [name for name, _ in emu.visible_commands(ADMIN)]
    assert {"centers", "newcenter", "setmanager"} <= set(menu)
    assert "search" in menu
    for someone in (SITI, MANAGER):
        assert "centers" not in [name for name, _ in emu.visible_commands(someone)]


async def test_others_get_nothing_of_the_admin_chat(admin_world: World) -> None:
    emu = admin_world.emu
    await start_manager(emu)
    for person in (SITI, MANAGER):
        for command in ("/centers", "/newcenter", f"/setmanager LEPING {SITI}"):
            emu.send_text(person, command)
            await emu.wait_for(person, contains=ONLY_OPERATORS)
    emu.send_text(SITI, "HACK")  # would be the code if the dialog had started
    await emu.wait_for(SITI, lambda m: ONLY_OPERATORS not in m.text)

    # A modified client presses the admin buttons.
    target = emu.last_message(MANAGER)
    forged = ("adp:0", "adp:1", "anc:0:ok", "anc:0:cur-idr", "anc:0:lng-en", "anc:0:skip")
    for data in forged:
        query = emu.press(MANAGER, target.message_id, forge=data)
        answer = await emu.wait_callback_answered(query)
        assert answer.get("show_alert") is True
        assert answer.get("text") in (
            OPERATORS_NOTICE,
            label("common.stale"),
        )

    async with admin_world.database() as store:
        assert [c.code for c in await store.centers.all_centers()] == ["LEPING"]
        assert (await store.centers.by_code("LEPING")).manager_id == MANAGER
    seen = " ".join(m.text for m in emu.messages(SITI))
    assert "LEPING" not in seen and "Kios Desa Leping" not in seen and "Last 7 days" not in seen
    assert "Last 7 days" not in " ".join(m.text for m in emu.messages(MANAGER))
    await assert_all_answered(emu)


async def test_an_operator_new_to_the_bot_gets_the_admin_menu_on_start(
    emu: BotApiEmulator, sqlite_url: str
) -> None:
    """Operators usually open the bot after it was installed and started."""
    await seed(sqlite_url)
    async with running_bot(operator_settings(emu, sqlite_url)):

        async def polling() -> bool | None:  # the start-up menus are set by now
            return True if emu.stats.requests["getUpdates"] > 0 else None

        await eventually(polling, "the bot to poll")
        emu.user(ADMIN, "Ibu Rina", language_code="en")  # Telegram knows no chat with her yet
        emu.send_text(ADMIN, "/start")
        await emu.wait_for(ADMIN, contains="Kios Desa")

        menu = [name for name, _ in emu.visible_commands(ADMIN)]

    assert {"centers", "newcenter", "setmanager"} <= set(menu)
    assert "queue" not in menu  # she manages no center
