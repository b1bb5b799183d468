"""Villagers' produce, as Budi, Siti and the manager live it through the emulator."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from bot.devtools.emulator import BotApiEmulator, SentMessage
from bot.domain.pipeline import RequestStatus
from bot.views.texts import h
from storage.schema import products
from tests.e2e.conftest import (
    BUDI,
    MANAGER,
    SITI,
    World,
    assert_all_answered,
    assert_html_always_valid,
    join,
    label,
    part_of,
    shown,
    start_manager,
)

pytestmark = pytest.mark.usefixtures("no_errors_logged")


async def budi_offers_kangkung(emu: BotApiEmulator) -> SentMessage:
    """Budi offers 10 ikat of kangkung at 3000 each, with a photo; returns the manager's card."""
    emu.send_text(BUDI, "/sell")
    await emu.wait_for(BUDI, contains=part_of("sell.ask_name"))
    emu.send_text(BUDI, "kangkung")
    await emu.wait_for(BUDI, contains=shown("sell.ask_quantity", name="kangkung"))
    emu.send_text(BUDI, "sepuluh")
    await emu.wait_for(BUDI, contains=shown("sell.error.bad_quantity"))
    emu.send_text(BUDI, "10")
    units = await emu.wait_for(BUDI, contains=shown("sell.ask_unit"))
    assert units.button_texts()[:3] == label("sell.units").split("|")[:3]
    emu.send_text(BUDI, "ikat")  # his own unit, typed
    await emu.wait_for(BUDI, contains=part_of("sell.ask_price", unit="ikat"))
    emu.send_text(BUDI, "3,5")  # rupiah have no decimals: a friendly no, saying why
    refused = await emu.wait_for(BUDI, contains=part_of("sell.error.bad_price"))
    assert shown("amount.decimals.IDR") in refused.text
    emu.send_text(BUDI, "3.000")  # as people write three thousand
    await emu.wait_for(BUDI, contains=shown("sell.ask_photo"))
    emu.send_photo(BUDI, b"\xff\xd8 kangkung segar")
    summary = await emu.wait_for(BUDI, contains=part_of("sell.summary"))
    assert "10 ikat × IDR3,000 = <b>IDR30,000</b>" in summary.html
    assert label("sell.with_photo") in summary.text
    emu.press(BUDI, summary.message_id, button_text=label("sell.confirm"))
    sent = await emu.wait_for(BUDI, contains=part_of("sell.submitted"))
    assert label("status.submitted") in sent.text
    assert sent.button_texts() == [label("action.cancel")]
    return await emu.wait_for(MANAGER, contains=label("kind.produce"), after=0)


async def produce_rows(world: World) -> list[sa.Row[tuple[int, int | None, bool]]]:
    """The catalog's produce products, as the database holds them."""
    async with world.database() as store, store.db.read() as conn:
        query = sa.select(products.c.seller_id, products.c.stock, products.c.active).where(
            products.c.offer_id.is_not(None)
        )
        return list((await conn.execute(query)).all())


async def siti_buys_three(emu: BotApiEmulator) -> None:
    """Siti finds kangkung (from Budi), adds 3 and orders for pickup."""
    await join(emu, SITI)
    emu.send_text(SITI, "kangkung")
    results = await emu.wait_for(SITI, contains=shown("shop.results", query="kangkung"))
    kangkung = label("shop.produce_button", name="kangkung", seller="Budi", price="IDR3,000")
    assert results.button_texts() == [kangkung]
    emu.press(SITI, results.message_id, button_text=kangkung)
    card = await emu.wait_for(SITI, contains=part_of("shop.product"))
    assert shown("shop.from_seller", category="Hasil Bumi", seller="Budi") in card.text
    assert shown("shop.stock_left", stock=10, unit="ikat") in card.text
    emu.press(SITI, card.message_id, button_text="3")
    chosen = await emu.wait_for(SITI, lambda m: m.message_id == card.message_id)
    assert "✓ 3" in chosen.button_texts()
    emu.press(SITI, card.message_id, button_text=label("shop.add_to_cart"))
    await emu.wait_for(SITI, contains=shown("shop.in_cart", quantity=3).strip())
    emu.send_text(SITI, "/cart")
    cart = await emu.wait_for(SITI, contains=part_of("cart.summary"))
    emu.press(SITI, cart.message_id, button_text=label("cart.checkout"))
    how = await emu.wait_for(SITI, contains=part_of("checkout.how"))
    emu.press(SITI, how.message_id, button_text=label("checkout.pickup"))
    note = await emu.wait_for(SITI, contains=part_of("checkout.ask_note"))
    emu.press(SITI, note.message_id, button_text=label("checkout.skip_note"))
    summary = await emu.wait_for(SITI, contains=part_of("checkout.summary"))
    emu.press(SITI, summary.message_id, button_text=label("checkout.confirm"))
    await emu.wait_for(SITI, contains=part_of("checkout.submitted"))


async def test_budi_sells_kangkung_to_siti_through_the_center(world: World) -> None:
    emu = world.emu
    await start_manager(emu)
    await join(emu, BUDI)
    offer_card = await budi_offers_kangkung(emu)
    assert "kangkung" in offer_card.text and "10 ikat × IDR3,000 = IDR30,000" in offer_card.text
    assert shown("card.produce_photo").strip() in offer_card.text
    photo = await emu.wait_for(MANAGER, lambda m: m.kind == "photo", after=0)
    assert photo.photo is not None and photo.photo.data == b"\xff\xd8 kangkung segar"
    assert photo.caption == shown(
        "card.produce_photo_caption", number=1, name="kangkung", seller="Budi"
    )
    assert photo.message_id < offer_card.message_id  # seen before the card to approve
    assert offer_card.button_texts() == [label("action.approve"), label("action.reject")]

    emu.press(MANAGER, offer_card.message_id, button_text=label("action.approve"))
    await emu.wait_for(BUDI, contains=shown("notify.produce.approve", number=1))
    on_sale = label("status.produce.approved")
    approved = await emu.wait_for(MANAGER, lambda m: on_sale in m.text, after=0)
    assert part_of("card.produce_sold", quantity=0, unit="ikat") in approved.text
    assert approved.button_texts() == [label("action.produce.complete")]
    assert [tuple(row) for row in await produce_rows(world)] == [(BUDI, 10, True)]

    await siti_buys_three(emu)
    order_card = await emu.wait_for(MANAGER, contains=label("kind.goods"), after=0)
    assert "3 × kangkung (ikat) — IDR9,000" in order_card.text
    approve, ready = label("action.approve"), label("action.mark_ready")
    delivered = label("action.complete")
    unpaid = [label("pay.button.cash"), label("pay.button.qris")]  # payment is its own state
    steps = ((approve, [ready]), (ready, [delivered]), (delivered, []))
    for button, then in steps:
        emu.press(MANAGER, order_card.message_id, button_text=button)
        moved = await emu.wait_for(MANAGER, lambda m: m.message_id == order_card.message_id)
        assert moved.button_texts() == [*then, *unpaid]
    await emu.wait_for(SITI, contains=shown("notify.complete", number=2))
    await emu.wait_for(
        BUDI,
        contains=shown(
            "sell.sold",
            quantity=3,
            unit="ikat",
            name="kangkung",
            amount="IDR9,000",
            number=2,
            sold=3,
            offered=10,
            closed="",
        ),
    )
    offer_now = await emu.wait_for(MANAGER, lambda m: m.message_id == offer_card.message_id)
    sold = shown("card.produce_sold", quantity=3, unit="ikat", amount="IDR9,000")
    assert sold.strip() in offer_now.text

    emu.send_text(BUDI, "/orders")
    listing = await emu.wait_for(BUDI, contains=part_of("orders.list"))
    sold_so_far = h(
        "en", "orders.produce_sold", quantity=3, offered=10, unit="ikat", amount="IDR9,000"
    )
    line = shown(
        "orders.produce_line",
        number=1,
        kind=label("kind.produce"),
        name="kangkung",
        status=on_sale,
        sold=sold_so_far,
    )
    assert line in listing.text
    assert [tuple(row) for row in await produce_rows(world)] == [(BUDI, 7, True)]
    await assert_all_answered(emu)
    assert_html_always_valid(emu)


async def test_a_rejected_offer_tells_budi_why_and_lists_nothing(world: World) -> None:
    emu = world.emu
    await start_manager(emu)
    await join(emu, BUDI)
    card = await budi_offers_kangkung(emu)

    emu.press(MANAGER, card.message_id, button_text=label("action.reject"))
    await emu.wait_for(MANAGER, contains=shown("request.ask_reason", number=1))
    emu.send_text(MANAGER, "Kangkung <masih> banyak & murah")

    told = await emu.wait_for(BUDI, contains=part_of("notify.produce.reject", number=1))
    assert "Kangkung <masih> banyak & murah" in told.text
    assert await produce_rows(world) == []
    await assert_all_answered(emu)
    assert_html_always_valid(emu)


async def test_a_forged_approve_from_a_villager_changes_nothing(world: World) -> None:
    emu = world.emu
    await start_manager(emu)
    await join(emu, BUDI)
    await budi_offers_kangkung(emu)
    welcome = await join(emu, SITI)

    for forger in (SITI, BUDI):  # another villager, and the seller approving his own offer
        query = emu.press(forger, welcome.message_id if forger == SITI else None, forge="req:1:ap")
        answer = await emu.wait_callback_answered(query)
        assert answer["text"] == label("request.not_allowed")

    async with world.database() as store:
        offer = await store.requests.get(1)
        history = await store.requests.history(1)
    assert offer.status is RequestStatus.SUBMITTED
    assert [e["to_status"] for e in history] == ["submitted"]
    assert await produce_rows(world) == []
    await assert_all_answered(emu)


async def test_cancel_leaves_the_sell_dialog_and_typing_searches_again(world: World) -> None:
    emu = world.emu
    await join(emu, BUDI)
    emu.send_text(BUDI, "/sell")
    await emu.wait_for(BUDI, contains=part_of("sell.ask_name"))
    emu.send_text(BUDI, "pisang")
    await emu.wait_for(BUDI, contains=shown("sell.ask_quantity", name="pisang"))
    emu.send_text(BUDI, "/cancel")
    await emu.wait_for(BUDI, contains=shown("sell.cancelled"))
    emu.send_text(BUDI, "beras")
    await emu.wait_for(BUDI, contains=shown("shop.results", query="beras"))
    async with world.database() as store:
        assert await store.requests.count_of_villager(BUDI) == 0
    await assert_all_answered(emu)


async def test_the_manager_cannot_reprice_or_restock_a_villagers_produce(world: World) -> None:
    emu = world.emu
    await start_manager(emu)
    await join(emu, BUDI)
    card = await budi_offers_kangkung(emu)
    emu.press(MANAGER, card.message_id, button_text=label("action.approve"))
    await emu.wait_for(BUDI, contains=shown("notify.produce.approve", number=1))

    for command in ("/price PRD-1 100", "/stock prd-1 -", "/stock PRD-1 500"):
        emu.send_text(MANAGER, command)
        await emu.wait_for(MANAGER, contains=part_of("catalog.produce_sku"))
    emu.send_text(MANAGER, "/price " + "X" * 4000 + " 100")
    await emu.wait_for(MANAGER, contains="XXX…")  # an unknown sku, named but cut

    async with world.database() as store, store.db.read() as conn:
        row = (await conn.execute(products.select().where(products.c.sku == "PRD-1"))).one()
    assert (row.price_minor, row.stock) == (3000, 10)
