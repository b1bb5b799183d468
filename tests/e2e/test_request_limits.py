"""One villager cannot bury the manager's queue or empty the shelf: past ten open requests or
half a product's stock, what they confirm is refused in their language, and nothing is stored."""

from __future__ import annotations

import pytest

from bot.devtools.emulator import BotApiEmulator, SentMessage
from bot.views.texts import Html, t
from storage import Storage
from tests.e2e.conftest import (
    SITI,
    World,
    assert_all_answered,
    assert_html_always_valid,
    join,
    label,
    part_of,
    place_order,
    shown,
)

pytestmark = pytest.mark.usefixtures("no_errors_logged")


async def product_named(store: Storage, name: str) -> int:
    """The id of the Leping product called `name`."""
    center = await store.centers.by_code("LEPING")
    items = await store.catalog.search_items(center.id, center.currency)
    return next(item.product_id for item in items if item.name == name)


async def checkout_summary(emu: BotApiEmulator) -> SentMessage:
    """Siti checks out her cart for pickup, without a note, up to the summary."""
    emu.send_text(SITI, "/checkout")
    how = await emu.wait_for(SITI, contains=part_of("checkout.how"))
    emu.press(SITI, how.message_id, button_text=label("checkout.pickup"))
    note = await emu.wait_for(SITI, contains=part_of("checkout.ask_note"))
    emu.press(SITI, note.message_id, button_text=label("checkout.skip_note"))
    return await emu.wait_for(SITI, contains=part_of("checkout.summary"))


async def water_bill_summary(emu: BotApiEmulator) -> SentMessage:
    """Siti asks for her water bill, up to the summary with Confirm."""
    emu.send_text(SITI, "/bill")
    kinds = await emu.wait_for(SITI, contains=shown("bill.ask_kind"))
    emu.press(SITI, kinds.message_id, button_text=label("bill.pdam"))
    await emu.wait_for(SITI, contains=shown("bill.ask_customer.pdam"))
    emu.send_text(SITI, "0123456789")
    return await emu.wait_for(SITI, contains=shown("bill.summary_quote"))


async def test_an_eleventh_open_request_is_refused_and_points_to_orders(world: World) -> None:
    emu = world.emu
    await join(emu, SITI)
    async with world.database() as store:
        for _ in range(10):
            await place_order(store, SITI)
        summary = await water_bill_summary(emu)
        emu.press(SITI, summary.message_id, button_text=label("bill.confirm"))
        refused = await emu.wait_for(
            SITI, lambda m: m.message_id == summary.message_id and "/orders" in m.text
        )
        assert refused.text == shown("requests.too_many_open", requests="10 requests")
        assert refused.buttons == []

        center = await store.centers.by_code("LEPING")
        await store.carts.add(SITI, await product_named(store, "Gula Pasir 1 kg"), center.id, 1)
        summary = await checkout_summary(emu)
        emu.press(SITI, summary.message_id, button_text=label("checkout.confirm"))
        refused = await emu.wait_for(
            SITI, lambda m: m.message_id == summary.message_id and "/orders" in m.text
        )
        assert refused.text == shown("checkout.too_many_open", requests="10 requests")
        assert await store.requests.count_of_villager(SITI) == 10
        assert len(await store.carts.lines(SITI, center.id, "IDR")) == 1  # the cart is kept
    await assert_all_answered(emu)
    assert_html_always_valid(emu)


async def test_one_villager_cannot_reserve_more_than_half_of_a_product(world: World) -> None:
    emu = world.emu
    await join(emu, SITI)
    async with world.database() as store:
        center = await store.centers.by_code("LEPING")
        sacks = await product_named(store, "Beras Medium 25 kg")  # 4 in stock
        await store.carts.add(SITI, sacks, center.id, 4)
        summary = await checkout_summary(emu)
        emu.press(SITI, summary.message_id, button_text=label("checkout.confirm"))
        refused = await emu.wait_for(
            SITI, lambda m: m.message_id == summary.message_id and "/orders" in m.text
        )
        expected = shown(
            "checkout.hold_limit", limit=2, unit="sak", name="Beras Medium 25 kg", held=""
        )
        assert refused.text == expected
        assert await store.requests.count_of_villager(SITI) == 0
        stock = {row.sku: row.stock for row in await store.catalog.export_rows(center.id, "IDR")}
        assert stock["SBK-BRS-M25"] == 4
        assert [line.quantity for line in await store.carts.lines(SITI, center.id, "IDR")] == [4]

        await store.carts.set_quantity(SITI, sacks, center.id, 2)
        summary = await checkout_summary(emu)
        emu.press(SITI, summary.message_id, button_text=label("checkout.confirm"))
        await emu.wait_for(SITI, contains=part_of("checkout.submitted"))

        # A second order counts what the first holds until the manager approves it.
        await store.carts.add(SITI, sacks, center.id, 1)
        summary = await checkout_summary(emu)
        emu.press(SITI, summary.message_id, button_text=label("checkout.confirm"))
        refused = await emu.wait_for(
            SITI, lambda m: m.message_id == summary.message_id and "/orders" in m.text
        )
        held = Html(t("en", "checkout.hold_already", held=2))
        expected = shown(
            "checkout.hold_limit", limit=2, unit="sak", name="Beras Medium 25 kg", held=held
        )
        assert refused.text == expected
        assert await store.requests.count_of_villager(SITI) == 1
    await assert_all_answered(emu)
    assert_html_always_valid(emu)
