"""Shorter journeys through the bot, each as the villager or the manager would live it."""

from __future__ import annotations

import csv
import re

import pytest

from bot.domain.pipeline import Action, Fulfilment, RequestStatus
from bot.services.acting import act
from bot.views.menus import MANAGER_COMMANDS, VILLAGER_COMMANDS
from bot.views.texts import t
from tests.e2e.conftest import (
    BUDI,
    FAR,
    MANAGER,
    SAMPLE_CATALOG,
    SITI,
    World,
    assert_all_answered,
    assert_html_always_valid,
    eventually,
    fill_cart,
    join,
    label,
    part_of,
    place_order,
    shown,
    start_manager,
)

pytestmark = pytest.mark.usefixtures("no_errors_logged")


LEPING = "Kios Desa Leping"


def cancel(number: int) -> str:
    """The villager's button that cancels request `number` from the orders list."""
    return label("orders.cancel", number=number)


def numbers(text: str) -> list[int]:
    """Request numbers in list lines such as "#3 · 12/05 10:00 · Rp18.000 · ...", in order."""
    return [int(n) for n in re.findall(r"#(\d+) ·", text)]


async def test_misspelled_center_name_offers_the_center(world: World) -> None:
    emu = world.emu
    emu.send_text(SITI, "/start")
    await emu.wait_for(SITI, contains=shown("onboarding.ask_center"))
    emu.send_text(SITI, "lepng")
    offer = await emu.wait_for(SITI, contains=shown("onboarding.pick_center"))
    assert offer.button_texts() == ["Kios Desa Leping (LEPING)"]
    emu.press(SITI, offer.message_id, button_text="Kios Desa Leping (LEPING)")
    await emu.wait_for(
        SITI,
        lambda m: (
            m.message_id == offer.message_id and shown("onboarding.joined", center=LEPING) in m.text
        ),
    )
    await emu.wait_for(SITI, contains=shown("onboarding.welcome", name="Siti", center=LEPING))
    async with world.database() as store:
        siti = await store.users.get(SITI)
        center = await store.centers.by_code("LEPING")
    assert siti is not None and siti.center_id == center.id
    # Now typing searches the catalog instead of centers.
    emu.send_text(SITI, "beras")
    await emu.wait_for(SITI, contains=shown("shop.results", query="beras"))
    emu.send_text(BUDI, "/start")
    await emu.wait_for(BUDI, contains=shown("onboarding.ask_center"))
    emu.send_text(BUDI, "Surabaya Kota")
    await emu.wait_for(BUDI, contains=shown("onboarding.no_center", query="Surabaya Kota"))
    await assert_all_answered(emu)


async def test_delivery_too_far_explains_distance_and_offers_pickup(world: World) -> None:
    emu = world.emu
    await join(emu, SITI)
    await fill_cart(emu, SITI)
    emu.send_text(SITI, "/checkout")
    how = await emu.wait_for(SITI, contains=part_of("checkout.how"))
    emu.press(SITI, how.message_id, button_text=label("checkout.delivery"))
    await emu.wait_for(SITI, contains=shown("checkout.ask_location"))
    emu.send_location(SITI, *FAR)
    far = await emu.wait_for(SITI, contains=shown("checkout.too_far", km="5.6", radius=3))
    assert far.button_texts() == [label("checkout.pickup"), label("checkout.cancel")]
    emu.press(SITI, far.message_id, button_text=label("checkout.pickup"))
    note = await emu.wait_for(SITI, contains=part_of("checkout.ask_note"))
    emu.press(SITI, note.message_id, button_text=label("checkout.skip_note"))
    summary = await emu.wait_for(SITI, contains=part_of("checkout.summary"))
    pickup = shown("card.pickup").strip()
    assert pickup in summary.text and label("checkout.delivery") not in summary.text
    emu.press(SITI, summary.message_id, button_text=label("checkout.confirm"))
    await emu.wait_for(SITI, contains=part_of("checkout.submitted"))
    async with world.database() as store:
        order = await store.requests.get(1)
    assert order.fulfilment is Fulfilment.PICKUP and order.lat is None
    await assert_all_answered(emu)
    assert_html_always_valid(emu)


async def test_orders_list_and_cancel_until_approval(world: World) -> None:
    emu = world.emu
    await start_manager(emu)
    await join(emu, SITI)
    async with world.database() as store:
        await place_order(store, SITI)
        await place_order(store, SITI, {"Beras Medium 5 kg": 2})
        card = await emu.wait_for(MANAGER, contains="🧾 #1 ·", after=0)
        await emu.wait_for(MANAGER, contains="🧾 #2 ·", after=0)

        emu.send_text(SITI, "/orders")
        listing = await emu.wait_for(SITI, contains=part_of("orders.list"))
        assert numbers(listing.text) == [2, 1], listing.text  # newest first
        assert listing.text.count(label("status.submitted")) == 2
        ask = label("ask.button")
        assert listing.button_texts() == [cancel(2), cancel(1), ask]

        query = emu.press(SITI, listing.message_id, button_text=cancel(2))
        cancelled = label("request.done", number=2, status=label("status.cancelled"))
        assert (await emu.wait_callback_answered(query))["text"] == cancelled
        await emu.wait_for(MANAGER, contains=shown("manager.notify.cancel", number=2))
        assert (await store.requests.get(2)).status is RequestStatus.CANCELLED

        emu.send_text(SITI, "/orders")
        listing = await emu.wait_for(SITI, contains=part_of("orders.list"))
        assert "#2 · Goods order" in listing.text and label("status.cancelled") in listing.text
        assert listing.button_texts() == [cancel(1), ask]

        emu.press(MANAGER, card.message_id, button_text=label("action.approve"))
        await emu.wait_for(SITI, contains=part_of("notify.approve"))
        query = emu.press(SITI, listing.message_id, button_text=cancel(1))
        answer = await emu.wait_callback_answered(query)
        assert answer["text"] == label("request.stale")
        approved = await store.requests.get(1)
        assert approved.status is RequestStatus.APPROVED
        assert [e["to_status"] for e in await store.requests.history(1)] == [
            "submitted",
            "approved",
        ]
    emu.send_text(SITI, "/orders")
    listing = await emu.wait_for(SITI, contains=part_of("orders.list"))
    assert label("status.approved") in listing.text
    assert listing.button_texts() == [label("ask.button")]
    await assert_all_answered(emu)
    assert_html_always_valid(emu)


async def test_queue_lists_open_requests_oldest_first_in_pages(world: World) -> None:
    emu = world.emu
    await start_manager(emu)
    async with world.database() as store:
        for number in range(1, 11):
            await place_order(store, SITI if number % 3 else BUDI)
        # An eleventh order is rejected at once: settled requests leave the queue.
        rejected = await place_order(store, BUDI)
    card = await emu.wait_for(MANAGER, contains=f"🧾 #{rejected.id} ·", after=0)
    emu.press(MANAGER, card.message_id, button_text=label("action.reject"))
    await emu.wait_for(MANAGER, contains=part_of("request.ask_reason"))
    emu.send_text(MANAGER, "habis")
    await emu.wait_for(MANAGER, contains=label("status.rejected"))

    emu.send_text(MANAGER, "/queue")
    page = await emu.wait_for(MANAGER, contains=part_of("desk.queue"))
    assert "10 open (page 1/2)" in page.text
    assert numbers(page.text) == [1, 2, 3, 4, 5, 6, 7, 8]
    assert page.button_texts() == [label("desk.open", number=n) for n in range(1, 9)] + ["▶"]
    emu.press(MANAGER, page.message_id, button_text="▶")
    await emu.wait_for(MANAGER, lambda m: m.message_id == page.message_id and "2/2" in m.text)
    assert numbers(page.text) == [9, 10]
    assert page.button_texts() == [label("desk.open", number=9), label("desk.open", number=10), "◀"]
    emu.press(MANAGER, page.message_id, button_text=label("desk.open", number=9))
    opened = await emu.wait_for(MANAGER, contains="🧾 #9 ·")
    assert opened.button_texts() == [label("action.approve"), label("action.reject")]
    emu.press(MANAGER, page.message_id, button_text="◀")
    await emu.wait_for(MANAGER, lambda m: m.message_id == page.message_id and "1/2" in m.text)
    # A villager has no queue: to her, /queue is no command.
    emu.send_text(SITI, "/queue")
    await emu.wait_for(SITI, contains=part_of("common.unknown_command", command="/queue"))
    await assert_all_answered(emu)
    assert_html_always_valid(emu)


async def test_a_reason_typed_after_reject_on_a_queue_copy_leaves_no_live_buttons(
    world: World,
) -> None:
    emu = world.emu
    await start_manager(emu)
    async with world.database() as store:
        await place_order(store, SITI)
    card = await emu.wait_for(MANAGER, contains="🧾 #1 ·", after=0)
    emu.send_text(MANAGER, "/queue")
    page = await emu.wait_for(MANAGER, contains="oldest first")
    emu.press(MANAGER, page.message_id, button_text="Open #1")
    copy = await emu.wait_for(MANAGER, contains="🧾 #1 ·")
    emu.press(MANAGER, copy.message_id, button_text="Reject")
    await emu.wait_for(MANAGER, contains="Why do you reject")
    emu.send_text(MANAGER, "habis")
    reply = await emu.wait_for(MANAGER, lambda m: m.message_id > copy.message_id)
    assert reply.text == "#1: Rejected" and reply.buttons == []
    for drawn in (card, copy):  # the card, by the outbox; the copy pressed, by the reply
        await emu.wait_for(
            MANAGER,
            lambda m, s=drawn: m.message_id == s.message_id and "Status: Rejected" in m.text,
            after=0,
        )
    assert [m for m in emu.messages(MANAGER) if "Reject" in m.button_texts()] == []


async def test_command_menus_differ_for_villagers_and_the_manager(world: World) -> None:
    emu = world.emu
    await join(emu, SITI)
    await start_manager(emu)
    villager = [name for name, _ in emu.visible_commands(SITI, "en")]
    manager = [name for name, _ in emu.visible_commands(MANAGER, "en")]
    assert villager == list(VILLAGER_COMMANDS)
    assert manager == list(MANAGER_COMMANDS)
    assert "queue" not in villager and "queue" in manager
    assert dict(emu.visible_commands(SITI, "id"))["cart"] == t("id", "command.cart")


async def test_search_without_match_suggests_categories(world: World) -> None:
    emu = world.emu
    await join(emu, SITI)
    emu.send_text(SITI, "zqxjv plutonium")
    answer = await emu.wait_for(SITI, contains=shown("shop.no_results", query="zqxjv plutonium"))
    assert answer.buttons == []
    emu.send_text(SITI, "/search")
    await emu.wait_for(SITI, contains=shown("shop.search_usage"))
    emu.send_text(SITI, "/search <b>gula</b>")
    await emu.wait_for(SITI, contains="<b>gula</b>")
    assert_html_always_valid(emu)


async def test_categories_list_their_products(world: World) -> None:
    emu = world.emu
    await join(emu, SITI)
    emu.send_text(SITI, "/categories")
    menu = await emu.wait_for(SITI, contains=shown("shop.categories"))
    with SAMPLE_CATALOG.open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    categories = list(dict.fromkeys(row["category"] for row in rows))
    assert sorted(menu.button_texts()) == sorted(categories)
    emu.press(SITI, menu.message_id, button_text="Minuman")
    listing = await emu.wait_for(SITI, contains=shown("shop.category", category="Minuman"))
    names = [text.split(" — ")[0] for text in listing.button_texts()]
    assert sorted(names) == sorted(r["name"] for r in rows if r["category"] == "Minuman")
    coffee = next(text for text in listing.button_texts() if text.startswith("Kopi Bubuk"))
    emu.press(SITI, listing.message_id, button_text=coffee)
    await emu.wait_for(SITI, contains="Kopi Bubuk 165 gram")
    await assert_all_answered(emu)


async def test_language_switches_to_bahasa_indonesia(world: World) -> None:
    emu = world.emu
    await join(emu, SITI)
    emu.send_text(SITI, "/language")
    ask = await emu.wait_for(SITI, contains=shown("language.ask"))
    emu.press(SITI, ask.message_id, button_text=t("id", "language.name"))
    await emu.wait_for(
        SITI, lambda m: m.message_id == ask.message_id and m.text == shown("language.set", "id")
    )
    emu.send_text(SITI, "/cart")
    await emu.wait_for(SITI, lambda m: m.text == shown("cart.empty", "id"))
    emu.send_text(SITI, "zqxjv")
    await emu.wait_for(SITI, lambda m: m.text == shown("shop.no_results", "id", query="zqxjv"))
    async with world.database() as store:
        siti = await store.users.get(SITI)
    assert siti is not None and siti.language == "id"
    await assert_all_answered(emu)


async def test_blocked_villager_is_recorded_and_manager_carries_on(world: World) -> None:
    emu = world.emu
    await start_manager(emu)
    await join(emu, SITI)
    async with world.database() as store:
        await place_order(store, SITI)
        card = await emu.wait_for(MANAGER, contains="🧾 #1 ·", after=0)
        emu.block(SITI)
        emu.press(MANAGER, card.message_id, button_text=label("action.approve"))

        async def blocked() -> dict[str, int] | None:
            counts = await store.outbox.counts()
            return counts if counts.get("blocked") == 1 else None

        counts = await eventually(blocked, "the approval notice to be recorded as blocked")
        assert counts.get("pending", 0) == 0
        siti = await store.users.get(SITI)
        assert siti is not None and siti.blocked_at is not None
        assert any(e.error_code == 403 for e in emu.errors)

        # The manager is not held up: the order goes on to completion.
        await emu.wait_for(
            MANAGER,
            lambda m: (
                m.message_id == card.message_id and label("action.mark_ready") in m.button_texts()
            ),
        )
        emu.press(MANAGER, card.message_id, button_text=label("action.mark_ready"))
        await emu.wait_for(
            MANAGER,
            lambda m: (
                m.message_id == card.message_id and label("action.complete") in m.button_texts()
            ),
        )
        emu.press(MANAGER, card.message_id, button_text=label("action.complete"))
        await emu.wait_for(
            MANAGER, lambda m: m.message_id == card.message_id and "Status: Completed" in m.text
        )

        async def all_blocked() -> int | None:
            counts = await store.outbox.counts()
            return counts["blocked"] if counts.get("blocked") == 3 else None

        await eventually(all_blocked, "every notice to Siti to be recorded as blocked")
        assert (await store.requests.get(1)).status is RequestStatus.COMPLETED
        assert not any("approved" in m.text for m in emu.messages(SITI))

        # Writing to the bot again makes Siti reachable.
        emu.send_text(SITI, "/orders")
        await emu.wait_for(SITI, contains=label("status.completed"))
        siti = await store.users.get(SITI)
        assert siti is not None and siti.blocked_at is None
    await assert_all_answered(emu)


async def test_rate_limited_notifications_all_arrive_once(limited_world: World) -> None:
    """One message per second per chat: the outbox keeps that pace, nothing lost or doubled."""
    emu = limited_world.emu
    async with limited_world.database() as store:
        for _ in range(2):
            await place_order(store, SITI)
        for number in (1, 2):
            await emu.wait_for(MANAGER, contains=f"🧾 #{number} ·", after=0, timeout=15)
        for number in (1, 2):  # the manager approves both in the same instant
            await act(store, number, Action.APPROVE, MANAGER)

        async def settled() -> dict[str, int] | None:
            counts = await store.outbox.counts()
            return counts if set(counts) == {"sent"} else None

        counts = await eventually(settled, "the outbox to be delivered", timeout=15)
    assert counts == {"sent": 2 + 2 * 2}
    assert emu.stats.rate_limited == 0  # each chat's next message waited for its second
    approved = shown("status.approved")
    for number in (1, 2):
        cards = [m for m in emu.messages(MANAGER) if m.text.startswith(f"🧾 #{number} ·")]
        assert len(cards) == 1 and approved in cards[0].text
    approvals = [m.text for m in emu.messages(SITI)]
    assert len(approvals) == 2
    for number, text in enumerate(approvals, start=1):
        assert shown("notify.approve", number=number, status=label("status.approved")) == text
    assert_html_always_valid(emu)
