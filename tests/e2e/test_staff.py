"""Staff: Pak Joko adds Sari as a helper; Sari hears of new orders, opens them and approves,
and every card says she did; prices, the catalog, announcements and the staff stay his; once
removed, her old card does nothing. A manager of two centers chooses the one he works on."""

from __future__ import annotations

import pytest

from bot.domain.phones import parse_mobile
from bot.domain.pipeline import RequestKind, RequestStatus
from bot.services.submissions import submit_topup
from bot.views.labels import kind_label, status_label
from tests.e2e.conftest import (
    MANAGER,
    SITI,
    World,
    assert_all_answered,
    assert_html_always_valid,
    join,
    label,
    order_in_chat,
    part_of,
    place_order,
    shown,
    start_manager,
)

pytestmark = pytest.mark.usefixtures("no_errors_logged")

SARI = 700003


async def test_staff_approve_and_every_card_names_them(world: World) -> None:
    emu = world.emu
    emu.user(SARI, "Sari", language_code="en")
    await start_manager(emu)
    # Sari learns her user id from the bot and gives it to Pak Joko.
    emu.send_text(SARI, "/myid")
    await emu.wait_for(SARI, contains=shown("staff.my_id", user_id=SARI))
    emu.send_text(MANAGER, "/staff")
    await emu.wait_for(MANAGER, contains=shown("staff.list_empty", center="Kios Desa Leping"))
    emu.send_text(MANAGER, f"/staff add {SARI}")
    added = shown("staff.added", name="Sari", user_id=SARI, center="Kios Desa Leping")
    await emu.wait_for(MANAGER, contains=added)
    await emu.wait_for(SARI, contains=shown("staff.added_you", center="Kios Desa Leping"))
    # Her /start greets her as a helper, and her menu has the queue, not the price list.
    emu.send_text(SARI, "/start")
    await emu.wait_for(SARI, contains=part_of("staff.welcome", center="Kios Desa Leping"))
    menu = [c["command"] for c in emu.state.commands[("chat", SARI, "")]]
    assert {"queue", "center"} <= set(menu) and "price" not in menu

    # Siti orders: the manager gets his card, Sari a note with a button that opens it.
    await order_in_chat(emu, SITI)
    card = await emu.wait_for(MANAGER, contains="#1 ·", after=0)
    news = shown(
        "staff.new_request",
        number=1,
        kind=kind_label("en", RequestKind.GOODS),
        name="Siti",
        center="Kios Desa Leping",
    )
    note = await emu.wait_for(SARI, contains=news, after=0)
    emu.press(SARI, note.message_id, button_text=label("desk.open", number=1))
    opened = await emu.wait_for(SARI, contains="#1 ·")
    assert "Siti" in opened.text
    emu.press(SARI, opened.message_id, button_text=label("action.approve"))
    by_sari = shown(
        "staff.done_by", status=status_label("en", RequestStatus.APPROVED), name="Sari"
    ).strip()
    redrawn = await emu.wait_for(SARI, contains=by_sari)
    assert redrawn.message_id == opened.message_id
    # The manager's card and Siti's news say who approved.
    await emu.wait_for(MANAGER, lambda m: m.message_id == card.message_id and by_sari in m.text)
    await emu.wait_for(SITI, contains=by_sari, after=0)
    async with world.database() as store:
        history = await store.requests.history(1)
    assert [(e["to_status"], e["actor_id"], e["actor_role"]) for e in history][-1] == (
        "approved",
        SARI,
        "manager",
    )
    # Siti's oil is ready: Sari marks it, and the card keeps both steps.
    emu.press(SARI, opened.message_id, button_text=label("action.mark_ready"))
    ready_by_sari = shown(
        "staff.done_by", status=status_label("en", RequestStatus.READY), name="Sari"
    ).strip()
    marked = await emu.wait_for(SARI, contains=ready_by_sari)
    assert by_sari in marked.text
    await emu.wait_for(SITI, contains=ready_by_sari)

    # The manager's own commands are not Sari's: one refusal each, nothing changed.
    async with world.database() as store:
        center = await store.centers.by_code("LEPING")
        before = await store.catalog.export_rows(center.id, center.currency)
    sku = before[0].sku
    refused = shown("staff.refused", center="Kios Desa Leping")
    for command in (f"/price {sku} 1", f"/stock {sku} 0", "/catalog", "/broadcast", "/staff"):
        emu.send_text(SARI, command)
        await emu.wait_for(SARI, contains=refused)
    async with world.database() as store:
        assert await store.catalog.export_rows(center.id, center.currency) == before
        assert await store.broadcasts.sending() == []

    # Pak Joko removes Sari with the button under her name; her old card does nothing now.
    emu.send_text(MANAGER, "/staff")
    listed = await emu.wait_for(MANAGER, contains=shown("staff.line", name="Sari", user_id=SARI))
    emu.press(MANAGER, listed.message_id, button_text=label("staff.remove_button", name="Sari"))
    await emu.wait_for(MANAGER, contains=shown("staff.list_empty", center="Kios Desa Leping"))
    await emu.wait_for(SARI, contains=shown("staff.removed_you", center="Kios Desa Leping"))
    query = emu.press(SARI, opened.message_id, button_text=label("action.complete"))
    answer = await emu.wait_callback_answered(query)
    assert answer.get("text") == label("request.not_allowed")
    async with world.database() as store:
        assert (await store.requests.get(1)).status is RequestStatus.READY
    await assert_all_answered(emu)
    assert_html_always_valid(emu)


async def test_manager_of_two_centers_chooses_the_one_he_works_on(world: World) -> None:
    emu = world.emu
    async with world.database() as store:
        karang = await store.centers.add_center("KARANG", "Kios Karang", MANAGER)
        order = await place_order(store, SITI)  # at Leping
    await start_manager(emu)
    # His cards say which center each request is for.
    card = await emu.wait_for(MANAGER, contains=f"#{order.id} ·", after=0)
    assert shown("staff.card_center", center="Kios Desa Leping").strip() in card.text
    # Karang comes first: its queue is empty until he chooses Leping.
    emu.send_text(MANAGER, "/queue")
    await emu.wait_for(MANAGER, contains=shown("desk.queue_empty", center="Kios Karang"))
    emu.send_text(MANAGER, "/center")
    choice = await emu.wait_for(MANAGER, contains=part_of("staff.desks", center="Kios Karang"))
    assert choice.button_texts() == ["✓ Kios Karang", "Kios Desa Leping"]
    # A forged press for a center he does not run changes nothing.
    query = emu.press(MANAGER, choice.message_id, forge="dsk:999")
    answer = await emu.wait_callback_answered(query)
    assert answer.get("text") == label("staff.not_your_center")
    emu.press(MANAGER, choice.message_id, button_text="Kios Desa Leping")
    await emu.wait_for(MANAGER, contains=shown("staff.desk_chosen", center="Kios Desa Leping"))
    async with world.database() as store:
        manager = await store.users.get(MANAGER)
        assert manager is not None and manager.desk_center_id == order.center_id != karang.id
    emu.send_text(MANAGER, "/queue")
    queue = await emu.wait_for(MANAGER, contains=part_of("desk.queue", center="Kios Desa Leping"))
    emu.press(MANAGER, queue.message_id, button_text=label("desk.open", number=order.id))
    opened = await emu.wait_for(MANAGER, contains=f"#{order.id} ·")
    assert shown("staff.card_center", center="Kios Desa Leping").strip() in opened.text
    await assert_all_answered(emu)


async def test_staff_fulfil_a_topup_with_the_serial_they_type(world: World) -> None:
    """Sari approves Siti's top-up from the note's card and types the supplier's serial: Siti
    gets it, and the steps say Sari took them."""
    emu = world.emu
    emu.user(SARI, "Sari", language_code="en")
    await start_manager(emu)
    emu.send_text(SARI, "/start")
    await emu.wait_for(SARI, contains=part_of("onboarding.ask_center"))
    await join(emu, SITI)
    async with world.database() as store:
        center = await store.centers.by_code("LEPING")
        assert await store.staff.add(center.id, SARI, MANAGER)
        center = await store.centers.by_code("LEPING")
        siti = await store.users.get(SITI)
        assert siti is not None
        number = parse_mobile("0812 3456 7890", "ID")
        assert number.operator is not None
        package = (await store.services.topups_for(center, number.operator))[0]
        topup = await submit_topup(store, siti, center, number, package)
    note = await emu.wait_for(SARI, contains=f"#{topup.id}", after=0)
    emu.press(SARI, note.message_id, button_text=label("desk.open", number=topup.id))
    card = await emu.wait_for(SARI, contains=f"#{topup.id} ·")
    emu.press(SARI, card.message_id, button_text=label("action.approve"))
    await emu.wait_for(SARI, contains=shown("request.ask_reference", number=topup.id))
    emu.send_text(SARI, "SN 7781")
    done = await emu.wait_for(SITI, contains="SN 7781", after=0)
    completed = shown(
        "staff.done_by",
        status=status_label("en", RequestStatus.COMPLETED, RequestKind.TOPUP),
        name="Sari",
    ).strip()
    assert completed in done.text
    # Her copy of the card is redrawn with both steps; only the payment is left to record.
    paying = {label("pay.button.cash"), label("pay.button.qris")}
    await emu.wait_for(
        SARI,
        lambda m: (
            m.message_id == card.message_id
            and completed in m.text
            and set(m.button_texts()) == paying
        ),
    )
    async with world.database() as store:
        history = await store.requests.history(topup.id)
    assert [(e["to_status"], e["actor_id"]) for e in history] == [
        ("submitted", SITI),
        ("approved", SARI),
        ("completed", SARI),
    ]
