"""The manager's desk at a glance: the queue says who wants what for how much, the manager's
product card names the SKU its commands take, and a manager's first words are met as such."""

from __future__ import annotations

from bot.domain.bills import BillKind
from bot.domain.money import format_money, to_major_str
from bot.services.submissions import submit_bill
from bot.views.labels import kind_label
from tests.e2e.conftest import (
    MANAGER,
    SITI,
    World,
    join,
    part_of,
    place_order,
    shown,
    start_manager,
)

OIL = "Minyak Goreng 1 liter"


async def test_queue_rows_name_the_kind_the_villager_and_the_amount(world: World) -> None:
    """Siti orders oil and brings a water bill: /queue shows both, the bill awaiting a quote."""
    emu = world.emu
    await start_manager(emu)
    await join(emu, SITI)
    async with world.database() as store:
        order = await place_order(store, SITI, {OIL: 2})
        siti = await store.users.get(SITI)
        center = await store.centers.by_code("LEPING")
        assert siti is not None
        bill = await submit_bill(store, siti, center, BillKind.PDAM, "0123456789")
    emu.send_text(MANAGER, "/queue")
    queue = await emu.wait_for(MANAGER, contains=part_of("desk.queue", count=2))
    rows = {line.split(" · ")[0]: line for line in queue.text.splitlines() if " · " in line}
    goods = rows[f"#{order.id}"]
    assert kind_label("en", order.kind) in goods
    assert "Siti" in goods
    assert format_money(order.total, "en") in goods
    water = rows[f"#{bill.id}"]
    assert kind_label("en", bill.kind) in water and "Siti" in water
    assert shown("desk.awaiting_quote") in water
    assert "IDR" not in water  # no "IDR 0" for a price nobody has set yet


async def test_manager_product_card_shows_the_sku_its_commands_take(world: World) -> None:
    """The manager opens a product of their catalog: its SKU and the /stock and /price lines;
    Siti opening the same product sees no SKU."""
    emu = world.emu
    await start_manager(emu)
    async with world.database() as store:
        center = await store.centers.by_code("LEPING")
        oil = next(
            item
            for item in await store.catalog.search_items(center.id, center.currency)
            if item.name == OIL
        )
        product = await store.catalog.product(oil.product_id, center.id, center.currency)
    sku_text = shown("desk.product_sku", sku=product.sku, example=to_major_str(product.price))
    for user in (MANAGER, SITI):
        if user == SITI:
            await join(emu, SITI)
        emu.send_text(user, "minyak goreng")
        results = await emu.wait_for(user, contains=shown("shop.results", query="minyak goreng"))
        emu.press(user, results.message_id, button_text=results.buttons[0][0].text)
        card = await emu.wait_for(user, contains=part_of("shop.product"))
        if user == MANAGER:
            assert sku_text.strip() in card.text
            assert f"/stock {product.sku} 10" in card.text
            # Choosing a quantity redraws the card: the SKU stays.
            emu.press(user, card.message_id, button_text="2")
            redrawn = await emu.wait_for(
                user, lambda m: any(b.text == "✓ 2" for row in m.buttons for b in row)
            )
            assert sku_text.strip() in redrawn.text
        else:
            assert product.sku not in card.text
    emu.send_text(MANAGER, f"/stock {product.sku} 7")
    changed = await emu.wait_for(MANAGER, contains=product.sku)
    assert OIL in changed.text


async def test_manager_who_writes_before_start_is_greeted_as_the_manager(world: World) -> None:
    """Pak Joko's first message is "halo", not /start: he is greeted as Leping's manager."""
    emu = world.emu
    emu.send_text(MANAGER, "halo")
    greeting = await emu.wait_for(MANAGER, contains=part_of("onboarding.welcome_manager"))
    assert "Kios Desa Leping" in greeting.text
    assert part_of("onboarding.no_center") not in greeting.text
    assert all(part_of("onboarding.no_center") not in m.text for m in emu.messages(MANAGER))
    # His next words search his own catalog, as a villager's would.
    emu.send_text(MANAGER, "minyak goreng")
    await emu.wait_for(MANAGER, contains=shown("shop.results", query="minyak goreng"))
