"""Tampered, stale and simultaneous button presses: the database decides, nothing else."""

from __future__ import annotations

import pytest

from bot.devtools.emulator import BotApiEmulator
from bot.domain.pipeline import RequestStatus
from bot.views.texts import plain
from tests.e2e.conftest import (
    BUDI,
    MANAGER,
    SITI,
    World,
    assert_all_answered,
    assert_html_always_valid,
    join,
    label,
    order_in_chat,
    part_of,
    shown,
    start_manager,
    world_on,
)

pytestmark = pytest.mark.usefixtures("no_errors_logged")
# An approved request's payment buttons (the center gives no credit: no On credit).
PAID_NOW = [label("pay.button.cash"), label("pay.button.qris")]


async def status_and_history(world: World, request_id: int) -> tuple[RequestStatus, list[str]]:
    """The request's stored status and the target statuses of its audit trail."""
    async with world.database() as store:
        request = await store.requests.get(request_id)
        history = await store.requests.history(request_id)
    return request.status, [event["to_status"] for event in history]


async def test_forged_request_actions_are_refused(world: World) -> None:
    emu = world.emu
    await start_manager(emu)
    done = await order_in_chat(emu, SITI)
    assert "#1" in done.text
    card = await emu.wait_for(MANAGER, contains="#1", after=0)

    # Siti approves her own order with a modified client.
    query = emu.press(SITI, done.message_id, forge="req:1:ap")
    answer = await emu.wait_callback_answered(query)
    assert answer.get("text") == label("request.not_allowed")
    assert answer.get("show_alert") is True
    # Budi, of the same village, cancels Siti's order.
    await join(emu, BUDI)
    welcome = emu.last_message(BUDI)
    query = emu.press(BUDI, welcome.message_id, forge="req:1:cn")
    answer = await emu.wait_callback_answered(query)
    assert answer.get("text") == label("request.not_allowed")
    # Budi pokes at a request that does not exist, and opens Siti's card.
    for forged in ("req:2:cn", "rqv:1"):
        query = emu.press(BUDI, welcome.message_id, forge=forged)
        answer = await emu.wait_callback_answered(query)
        assert answer.get("text") == label("request.not_allowed")
    # The manager tries the villager's Cancel on their own card.
    query = emu.press(MANAGER, card.message_id, forge="req:1:cn")
    answer = await emu.wait_callback_answered(query)
    assert answer.get("text") == label("request.not_allowed")

    status, history = await status_and_history(world, 1)
    assert status is RequestStatus.SUBMITTED
    assert history == ["submitted"]
    assert "Siti" not in " ".join(m.text for m in emu.messages(BUDI))
    assert card.button_texts() == [label("action.approve"), label("action.reject")]
    await assert_all_answered(emu)
    assert_html_always_valid(emu)


GARBAGE = (
    "xyz",
    "req:abc:ap",
    "req:1:zz",
    "req:99999999:ap",
    "rqv:99999999",
    "prd:99999999",
    "prd:1:q7",
    "add:1:999",
    "add:99999999:1",
    "crt:99999999:inc",
    "crt:1:boom",
    "cat:99999",
    "ctr:99999999",
    "lng:0:xx",
    "chk:0:confirm",
    "que:5",
    "ord:99",
    "srp:3",
    "prd:" + "9" * 40,
    "req:-1:ap",
    "req:1:ap:extra",
    "prd:١٢",  # Arabic-Indic digits pass str.isdigit()
    # Beyond PostgreSQL's INTEGER keys: must read as "no such row", not a database error.
    "prd:3000000000",
    "add:3000000000:1",
    "crt:3000000000:inc",
    "req:3000000000:ap",
    "rqv:3000000000",
    "ctr:3000000000",
    "req:9223372036854775807:cn",
    "pd:1:cash",
    "pd:1:cash-99999999999",
    "pd:3000000000:cash-0",
    "pd:99999999:credit-0",
)


async def test_garbage_callback_data_is_answered(emu: BotApiEmulator, database_url: str) -> None:
    """On SQLite and on PostgreSQL (whose INTEGER keys are 32-bit); no error is logged."""
    async with world_on(emu, database_url, flood_burst=len(GARBAGE) + 10):  # presses at once
        welcome = await join(emu, SITI)
        for data in GARBAGE:
            query = emu.press(SITI, welcome.message_id, forge=data)
            answer = await emu.wait_callback_answered(query)
            assert answer.get("text") != plain("en", "common.error"), data
        # The bot is still fine: the next thing Siti does works as usual.
        emu.send_text(SITI, "/cart")
        await emu.wait_for(SITI, contains=shown("cart.empty"))
        assert_html_always_valid(emu)


async def test_stale_approve_changes_nothing(world: World) -> None:
    emu = world.emu
    await start_manager(emu)
    await order_in_chat(emu, SITI)
    card = await emu.wait_for(MANAGER, contains="#1")
    first = emu.press(MANAGER, card.message_id, button_text=label("action.approve"))
    second = emu.press(MANAGER, card.message_id, button_text=label("action.approve"))  # double tap
    assert (await emu.wait_callback_answered(first))["text"].startswith("#1:")
    assert (await emu.wait_callback_answered(second))["text"] == label("request.already_done")
    await emu.wait_for(SITI, contains=part_of("notify.approve"))
    # Much later, a client still showing the old keyboard sends Approve again.
    later = emu.press(MANAGER, card.message_id, forge="req:1:ap")
    assert (await emu.wait_callback_answered(later))["text"] == label("request.already_done")

    status, history = await status_and_history(world, 1)
    assert status is RequestStatus.APPROVED
    assert history == ["submitted", "approved"]
    assert sum(part_of("notify.approve") in m.text for m in emu.messages(SITI)) == 1
    assert label("status.approved") in card.text
    assert card.button_texts() == [label("action.mark_ready"), *PAID_NOW]
    await assert_all_answered(emu)
    assert_html_always_valid(emu)


async def test_a_double_tap_on_cancel_redraws_the_message_once(world: World) -> None:
    emu = world.emu
    await start_manager(emu)
    done = await order_in_chat(emu, SITI)
    edits_before = done.edited  # the summary became "Order sent"
    first = emu.press(SITI, done.message_id, button_text="Cancel")
    second = emu.press(SITI, done.message_id, button_text="Cancel")  # double tap
    assert (await emu.wait_callback_answered(first))["text"].startswith("#1:")
    assert (await emu.wait_callback_answered(second))["text"] == "Already done — nothing changed."
    status, _history = await status_and_history(world, 1)
    assert status is RequestStatus.CANCELLED
    assert "Cancelled" in done.text and done.button_texts() == []
    assert done.edited == edits_before + 1
    assert not emu.not_modified  # the second tap found it drawn already (checked for all, too)


@pytest.mark.parametrize("first", ["villager", "manager"])
async def test_cancel_and_approve_at_the_same_moment(world: World, first: str) -> None:
    emu = world.emu
    await start_manager(emu)
    done = await order_in_chat(emu, SITI)
    assert done.button_texts() == [label("action.cancel")]
    card = await emu.wait_for(MANAGER, contains="#1")

    def cancel() -> str:
        return emu.press(SITI, done.message_id, button_text=label("action.cancel"))

    def approve() -> str:
        return emu.press(MANAGER, card.message_id, button_text=label("action.approve"))

    presses = [cancel(), approve()] if first == "villager" else [approve(), cancel()]
    for query in presses:
        await emu.wait_callback_answered(query)

    status, history = await status_and_history(world, 1)
    assert status in (RequestStatus.CANCELLED, RequestStatus.APPROVED)
    assert len(history) == 2 and history[0] == "submitted"
    assert history[1] == status.value
    stands = {
        RequestStatus.CANCELLED: label("status.cancelled"),
        RequestStatus.APPROVED: label("status.approved"),
    }[status]
    # Both chats end up showing what the database holds.
    await emu.wait_for(
        MANAGER, lambda m: m.message_id == card.message_id and stands in m.text, after=0
    )
    await emu.wait_for(
        SITI, lambda m: m.message_id == done.message_id and stands in m.text, after=0
    )
    if status is RequestStatus.CANCELLED:
        assert card.button_texts() == []
        cancelled = shown("manager.notify.cancel", number=1)
        await emu.wait_for(MANAGER, contains=cancelled, after=0)
        assert not any(part_of("notify.approve") in m.text for m in emu.messages(SITI))
    else:
        assert card.button_texts() == [label("action.mark_ready"), *PAID_NOW]
        await emu.wait_for(SITI, contains=part_of("notify.approve"), after=0)
        assert not any("cancelled" in m.text for m in emu.messages(MANAGER))
    assert done.button_texts() == []
    await assert_all_answered(emu)
    assert_html_always_valid(emu)


async def test_reject_asks_reason_and_villager_reads_it_literally(world: World) -> None:
    emu = world.emu
    await start_manager(emu)
    await order_in_chat(emu, SITI)
    card = await emu.wait_for(MANAGER, contains="#1")
    emu.press(MANAGER, card.message_id, button_text=label("action.reject"))
    await emu.wait_for(MANAGER, contains=shown("request.ask_reason", number=1))
    reason = "Stok <habis> & toko tutup </b> sampai <i>Senin"
    emu.send_text(MANAGER, reason)
    rejected = await emu.wait_for(SITI, contains=part_of("notify.reject"))
    assert reason in rejected.text
    await emu.wait_for(MANAGER, lambda m: label("status.rejected") in m.text and reason in m.text)

    async with world.database() as store:
        request = await store.requests.get(1)
        history = await store.requests.history(1)
    assert request.status is RequestStatus.REJECTED
    assert request.reason == reason
    assert [e["to_status"] for e in history] == ["submitted", "rejected"]
    assert history[-1]["reason"] == reason
    # Typing again is a search, not a second rejection.
    emu.send_text(MANAGER, "beras")
    await emu.wait_for(MANAGER, contains=part_of("shop.results"))
    await assert_all_answered(emu)
    assert_html_always_valid(emu)


async def test_villager_cannot_reject_or_give_a_reason(world: World) -> None:
    emu = world.emu
    done = await order_in_chat(emu, SITI)
    query = emu.press(SITI, done.message_id, forge="req:1:rj")
    answer = await emu.wait_callback_answered(query)
    assert answer.get("text") == label("request.not_allowed")
    emu.send_text(SITI, "tidak mau")  # would be the reason if the dialog had started
    await emu.wait_for(SITI, contains="tidak mau")  # a search, nothing else
    status, history = await status_and_history(world, 1)
    assert status is RequestStatus.SUBMITTED and history == ["submitted"]
    await assert_all_answered(emu)


OTHER_MANAGER = 900002


async def test_another_centers_manager_cannot_touch_leping(world: World) -> None:
    """The manager of Kios Karang forges Leping's buttons: every press is refused."""
    emu = world.emu
    emu.user(OTHER_MANAGER, "Bu Rina", language_code="en")
    async with world.database() as store:
        # An English-speaking center: Bu Rina, who chose no language, reads its language.
        await store.centers.add_center("KARANG", "Kios Karang", OTHER_MANAGER, language="en")
    await start_manager(emu)
    await order_in_chat(emu, SITI)
    card = await emu.wait_for(MANAGER, contains="#1")
    emu.send_text(MANAGER, "/broadcast")
    await emu.wait_for(MANAGER, contains=part_of("broadcast.ask"))
    emu.send_text(MANAGER, "Pasar murah besok")
    prompt = await emu.wait_for(MANAGER, contains=part_of("broadcast.confirm"))
    send = prompt.find_button(text=label("broadcast.send"))
    assert send is not None and send.callback_data is not None
    emu.send_text(OTHER_MANAGER, "/start")
    own = await emu.wait_for(OTHER_MANAGER, contains=part_of("onboarding.welcome_manager"))

    for forged in ("req:1:ap", "req:1:rj", "req:1:dl", "rqv:1"):
        query = emu.press(OTHER_MANAGER, own.message_id, forge=forged)
        answer = await emu.wait_callback_answered(query)
        assert answer.get("text") == label("request.not_allowed"), forged
    for forged in (send.callback_data, send.callback_data.replace(":send", ":cancel")):
        query = emu.press(OTHER_MANAGER, own.message_id, forge=forged)
        answer = await emu.wait_callback_answered(query)
        assert answer.get("text") == label("broadcast.not_allowed"), forged
    emu.send_text(OTHER_MANAGER, "/queue")
    queue = await emu.wait_for(OTHER_MANAGER, contains="Kios Karang")

    status, history = await status_and_history(world, 1)
    assert status is RequestStatus.SUBMITTED and history == ["submitted"]
    assert "#1" not in queue.text
    assert not any("Pasar murah" in m.text for m in emu.messages(SITI))
    assert not any("Siti" in m.text for m in emu.messages(OTHER_MANAGER))
    assert card.button_texts() == [label("action.approve"), label("action.reject")]
    broadcast_id = int(send.callback_data.split(":")[1])
    async with world.database() as store:
        broadcast = await store.broadcasts.get(broadcast_id)
    assert broadcast is not None and broadcast.status.value == "draft"
    await assert_all_answered(emu)


async def test_another_centers_staff_change_nothing(world: World) -> None:
    """Budi helps at Kios Karang: forged presses on a Leping request, on Leping's staff list
    and on Leping's desk are refused, and Leping's request stays as it was."""
    emu = world.emu
    await start_manager(emu)
    await order_in_chat(emu, SITI)
    card = await emu.wait_for(MANAGER, contains="#1", after=0)
    async with world.database() as store:
        karang = await store.centers.add_center("KARANG", "Kios Karang", 900002)
        leping = await store.centers.by_code("LEPING")
    welcome = await join(emu, BUDI)
    async with world.database() as store:
        assert await store.staff.add(karang.id, BUDI, karang.manager_id)
    for forged in ("req:1:ap", "req:1:rj", "req:1:dl", "rqv:1"):
        query = emu.press(BUDI, welcome.message_id, forge=forged)
        answer = await emu.wait_callback_answered(query)
        assert answer.get("text") == label("request.not_allowed"), forged
    query = emu.press(BUDI, welcome.message_id, forge=f"stf:{leping.id}:{SITI}")
    answer = await emu.wait_callback_answered(query)
    assert answer.get("text") == label("staff.not_manager")
    query = emu.press(BUDI, welcome.message_id, forge=f"dsk:{leping.id}")
    answer = await emu.wait_callback_answered(query)
    assert answer.get("text") == label("staff.not_your_center")

    status, history = await status_and_history(world, 1)
    assert (status, history) == (RequestStatus.SUBMITTED, ["submitted"])
    async with world.database() as store:
        budi = await store.users.get(BUDI)
        assert budi is not None and budi.desk_center_id is None
    assert "Siti" not in " ".join(m.text for m in emu.messages(BUDI))
    assert card.button_texts() == [label("action.approve"), label("action.reject")]
    await assert_all_answered(emu)
    assert_html_always_valid(emu)
