"""What the villager confirms is what the manager receives, even if the cart changed meanwhile."""

from __future__ import annotations

from tests.e2e.conftest import SITI, World, fill_cart, join, label, part_of


async def test_cart_changed_after_summary_is_shown_again_before_submitting(world: World) -> None:
    emu = world.emu
    await join(emu, SITI)
    await fill_cart(emu, SITI)
    emu.send_text(SITI, "/cart")
    cart = await emu.wait_for(SITI, contains=part_of("cart.summary"))
    emu.press(SITI, cart.message_id, button_text=label("cart.checkout"))
    how = await emu.wait_for(SITI, contains=part_of("checkout.how"))
    emu.press(SITI, how.message_id, button_text=label("checkout.pickup"))
    note = await emu.wait_for(SITI, contains=part_of("checkout.ask_note"))
    emu.press(SITI, note.message_id, button_text=label("checkout.skip_note"))
    summary = await emu.wait_for(SITI, contains=part_of("checkout.summary"))
    assert "1 × Minyak Goreng 1 liter" in summary.text

    emu.press(SITI, cart.message_id, button_text="➕")  # the old cart message still works
    await emu.wait_for(
        SITI, lambda m: m.message_id == cart.message_id and "×2" in str(m.button_texts())
    )
    query = emu.press(SITI, summary.message_id, button_text=label("checkout.confirm"))
    answer = await emu.wait_callback_answered(query)
    assert answer["text"] == label("checkout.cart_changed")
    again = await emu.wait_for(SITI, contains=part_of("checkout.summary"))
    assert "2 × Minyak Goreng 1 liter" in again.text
    emu.press(SITI, again.message_id, button_text=label("checkout.confirm"))
    done = await emu.wait_for(SITI, contains=part_of("checkout.submitted"))
    assert "2 × Minyak Goreng 1 liter" in done.text
    async with world.database() as store:
        assert await store.requests.count_of_villager(SITI) == 1
