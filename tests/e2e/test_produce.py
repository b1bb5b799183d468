"""Villagers' produce, as Budi, Siti and the manager live it through the emulator."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from bot.devtools.emulator import BotApiEmulator, SentMessage
from bot.domain.pipeline import RequestStatus
from storage.schema import products
from tests.e2e.conftest import (
    BUDI,
    MANAGER,
    SITI,
    World,
    assert_all_answered,
    assert_html_always_valid,
    join,
    start_manager,
)

pytestmark = pytest.mark.usefixtures("no_errors_logged")


async def budi_offers_kangkung(emu: BotApiEmulator) -> SentMessage:
    """Budi offers 10 ikat of kangkung at 3000 each, with a photo; returns the manager's card."""
    emu.send_text(BUDI, "/sell")
    await emu.wait_for(BUDI, contains="What do you want to sell")
    emu.send_text(BUDI, "kangkung")
    await emu.wait_for(BUDI, contains="How much kangkung")
    emu.send_text(BUDI, "sepuluh")
    await emu.wait_for(BUDI, contains="Please type a whole number")
    emu.send_text(BUDI, "10")
    units = await emu.wait_for(BUDI, contains="Sold by which unit")
    assert units.button_texts()[:3] == ["kg", "bunch", "piece"]
    emu.send_text(BUDI, "ikat")  # his own unit, typed
    await emu.wait_for(BUDI, contains="price of one ikat")
    emu.send_text(BUDI, "3.000")  # rupiah have no decimals: a friendly no
    await emu.wait_for(BUDI, contains="I could not read that price")
    emu.send_text(BUDI, "3000")
    await emu.wait_for(BUDI, contains="Send a photo")
    emu.send_photo(BUDI, b"\xff\xd8 kangkung segar")
    summary = await emu.wait_for(BUDI, contains="Please check your offer")
    assert "10 ikat × IDR3,000 = <b>IDR30,000</b>" in summary.html
    assert "with a photo" in summary.text
    emu.press(BUDI, summary.message_id, button_text="Confirm")
    sent = await emu.wait_for(BUDI, contains="Offer sent to the manager")
    assert "Waiting for the manager" in sent.text and sent.button_texts() == ["Cancel"]
    return await emu.wait_for(MANAGER, contains="Produce for sale", after=0)


async def produce_rows(world: World) -> list[sa.Row[tuple[int, int | None, bool]]]:
    """The catalog's produce products, as the database holds them."""
    store = await world.store()
    try:
        async with store.db.read() as conn:
            query = sa.select(products.c.seller_id, products.c.stock, products.c.active).where(
                products.c.offer_id.is_not(None)
            )
            return list((await conn.execute(query)).all())
    finally:
        await store.close()


async def siti_buys_three(emu: BotApiEmulator) -> None:
    """Siti finds kangkung (from Budi), adds 3 and orders for pickup."""
    await join(emu, SITI)
    emu.send_text(SITI, "kangkung")
    results = await emu.wait_for(SITI, contains="Results for")
    assert results.button_texts() == ["kangkung (from Budi) — IDR3,000"]
    emu.press(SITI, results.message_id, button_text="kangkung (from Budi) — IDR3,000")
    card = await emu.wait_for(SITI, contains="Choose how many")
    assert "Hasil Bumi · 🧑‍🌾 from Budi" in card.text and "10 ikat left" in card.text
    emu.press(SITI, card.message_id, button_text="3")
    chosen = await emu.wait_for(SITI, lambda m: m.message_id == card.message_id)
    assert "✓ 3" in chosen.button_texts()
    emu.press(SITI, card.message_id, button_text="Add to cart")
    await emu.wait_for(SITI, contains="In your cart: 3")
    emu.send_text(SITI, "/cart")
    cart = await emu.wait_for(SITI, contains="Your cart")
    emu.press(SITI, cart.message_id, button_text="Checkout")
    how = await emu.wait_for(SITI, contains="How do you want")
    emu.press(SITI, how.message_id, button_text="Pickup")
    note = await emu.wait_for(SITI, contains="Any note")
    emu.press(SITI, note.message_id, button_text="No note")
    summary = await emu.wait_for(SITI, contains="Please check your order")
    emu.press(SITI, summary.message_id, button_text="Confirm")
    await emu.wait_for(SITI, contains="Order sent")


async def test_budi_sells_kangkung_to_siti_through_the_center(world: World) -> None:
    emu = world.emu
    await start_manager(emu)
    await join(emu, BUDI)
    offer_card = await budi_offers_kangkung(emu)
    assert "kangkung" in offer_card.text and "10 ikat × IDR3,000 = IDR30,000" in offer_card.text
    assert "With a photo" in offer_card.text
    photo = await emu.wait_for(MANAGER, lambda m: m.kind == "photo", after=0)
    assert photo.photo is not None and photo.photo.data == b"\xff\xd8 kangkung segar"
    assert photo.caption == "📷 #1 · kangkung (from Budi)"
    assert photo.message_id < offer_card.message_id  # seen before the card to approve
    assert offer_card.button_texts() == ["Approve", "Reject"]

    emu.press(MANAGER, offer_card.message_id, button_text="Approve")
    await emu.wait_for(BUDI, contains="it is now for sale at the center")
    approved = await emu.wait_for(MANAGER, lambda m: "On sale at the center" in m.text, after=0)
    assert "Sold so far: 0 ikat" in approved.text
    assert approved.button_texts() == ["Close offer"]
    assert [tuple(row) for row in await produce_rows(world)] == [(BUDI, 10, True)]

    await siti_buys_three(emu)
    order_card = await emu.wait_for(MANAGER, contains="Goods order", after=0)
    assert "3 × kangkung (ikat) — IDR9,000" in order_card.text
    for button, then in (("Approve", ["Ready"]), ("Ready", ["Delivered"]), ("Delivered", [])):
        emu.press(MANAGER, order_card.message_id, button_text=button)
        moved = await emu.wait_for(MANAGER, lambda m: m.message_id == order_card.message_id)
        assert moved.button_texts() == then
    await emu.wait_for(SITI, contains="is completed")
    sold = await emu.wait_for(BUDI, contains="Sold: 3 ikat")
    assert "kangkung" in sold.text and "IDR9,000" in sold.text and "#2" in sold.text
    assert "So far 3 of 10 ikat sold." in sold.text
    offer_now = await emu.wait_for(MANAGER, lambda m: m.message_id == offer_card.message_id)
    assert "Sold so far: 3 ikat · IDR9,000" in offer_now.text

    emu.send_text(BUDI, "/orders")
    listing = await emu.wait_for(BUDI, contains="Your orders")
    assert "#1 · Produce for sale: kangkung · On sale at the center" in listing.text
    assert "sold 3 of 10 ikat · IDR9,000" in listing.text
    assert [tuple(row) for row in await produce_rows(world)] == [(BUDI, 7, True)]
    await assert_all_answered(emu)
    assert_html_always_valid(emu)


async def test_a_rejected_offer_tells_budi_why_and_lists_nothing(world: World) -> None:
    emu = world.emu
    await start_manager(emu)
    await join(emu, BUDI)
    card = await budi_offers_kangkung(emu)

    emu.press(MANAGER, card.message_id, button_text="Reject")
    await emu.wait_for(MANAGER, contains="Why do you reject")
    emu.send_text(MANAGER, "Kangkung <masih> banyak & murah")

    told = await emu.wait_for(BUDI, contains="was not accepted")
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
        assert answer["text"] == "You cannot do this for this request."

    store = await world.store()
    try:
        offer = await store.requests.get(1)
        history = await store.requests.history(1)
    finally:
        await store.close()
    assert offer.status is RequestStatus.SUBMITTED
    assert [e["to_status"] for e in history] == ["submitted"]
    assert await produce_rows(world) == []
    await assert_all_answered(emu)


async def test_cancel_leaves_the_sell_dialog_and_typing_searches_again(world: World) -> None:
    emu = world.emu
    await join(emu, BUDI)
    emu.send_text(BUDI, "/sell")
    await emu.wait_for(BUDI, contains="What do you want to sell")
    emu.send_text(BUDI, "pisang")
    await emu.wait_for(BUDI, contains="How much")
    emu.send_text(BUDI, "/cancel")
    await emu.wait_for(BUDI, contains="Offer cancelled")
    emu.send_text(BUDI, "beras")
    await emu.wait_for(BUDI, contains="Results for")
    store = await world.store()
    try:
        assert await store.requests.count_of_villager(BUDI) == 0
    finally:
        await store.close()
    await assert_all_answered(emu)


async def test_the_manager_cannot_reprice_or_restock_a_villagers_produce(world: World) -> None:
    emu = world.emu
    await start_manager(emu)
    await join(emu, BUDI)
    card = await budi_offers_kangkung(emu)
    emu.press(MANAGER, card.message_id, button_text="Approve")
    await emu.wait_for(BUDI, contains="it is now for sale at the center")

    for command in ("/price PRD-1 100", "/stock prd-1 -", "/stock PRD-1 500"):
        emu.send_text(MANAGER, command)
        answer = await emu.wait_for(MANAGER, contains="is a villager's produce")
        assert "not changed here" in answer.text
    emu.send_text(MANAGER, "/price " + "X" * 4000 + " 100")
    await emu.wait_for(MANAGER, contains="XXX…")  # an unknown sku, named but cut

    store = await world.store()
    try:
        async with store.db.read() as conn:
            row = (await conn.execute(products.select().where(products.c.sku == "PRD-1"))).one()
    finally:
        await store.close()
    assert (row.price_minor, row.stock) == (3000, 10)
