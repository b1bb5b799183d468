"""The villager's and the manager's whole story, as they would see it in Telegram."""

from __future__ import annotations

from tests.e2e.conftest import MANAGER, NEAR, SITI, World


async def test_villager_orders_oil_and_manager_delivers(world: World) -> None:
    emu = world.emu
    emu.send_text(MANAGER, "/start")
    await emu.wait_for(MANAGER, contains="You manage")
    emu.send_text(SITI, "/start LEPING")
    await emu.wait_for(SITI, contains="Kios Desa Leping")
    assert "Share my phone number" in emu.reply_keyboard(SITI).texts()[0]
    emu.press_reply_button(SITI, "📱 Share my phone number", phone_number="6281234567890")
    await emu.wait_for(SITI, contains="+6281234567890")

    emu.send_text(SITI, "minyk goreng")
    results = await emu.wait_for(SITI, contains="Results for")
    first = results.buttons[0][0]
    assert "Minyak Goreng" in first.text
    emu.press(SITI, results.message_id, button_text=first.text)
    card = await emu.wait_for(SITI, contains="Choose how many")
    emu.press(SITI, card.message_id, button_text="2")
    await emu.wait_for(
        SITI, lambda m: m.message_id == card.message_id and "✓ 2" in str(m.button_texts())
    )
    emu.press(SITI, card.message_id, button_text="Add to cart")
    await emu.wait_for(SITI, contains="In your cart: 2")

    emu.send_text(SITI, "/cart")
    cart = await emu.wait_for(SITI, contains="Your cart")
    assert cart.text.splitlines()[-1].startswith("Total: IDR")  # the sum says what it is
    emu.press(SITI, cart.message_id, button_text="Checkout")
    how = await emu.wait_for(SITI, contains="How do you want")
    emu.press(SITI, how.message_id, button_text="Delivery")
    await emu.wait_for(SITI, contains="Send my location")
    emu.send_location(SITI, *NEAR)
    await emu.wait_for(SITI, contains="Any note")
    emu.send_text(SITI, "Rumah pintu hijau <dekat masjid> & warung")
    summary = await emu.wait_for(SITI, contains="Please check your order")
    emu.press(SITI, summary.message_id, button_text="Confirm")
    done = await emu.wait_for(SITI, contains="Order sent")
    assert "#1" in done.text and "Waiting for the manager" in done.text

    card = await emu.wait_for(MANAGER, contains="#1")
    assert "Siti" in card.text and "+6281234567890" in card.text
    assert "<dekat masjid> & warung" in card.text
    assert card.button_texts() == ["Approve", "Reject"]
    emu.press(MANAGER, card.message_id, button_text="Approve")
    await emu.wait_for(SITI, contains="was approved")
    card = await emu.wait_for(
        MANAGER,
        lambda m: m.message_id == card.message_id and "Out for delivery" in m.button_texts(),
    )
    emu.press(MANAGER, card.message_id, button_text="Out for delivery")
    await emu.wait_for(SITI, contains="on its way")
    card = await emu.wait_for(
        MANAGER, lambda m: m.message_id == card.message_id and "Delivered" in m.button_texts()
    )
    emu.press(MANAGER, card.message_id, button_text="Delivered")
    await emu.wait_for(SITI, contains="is completed")
    assert not [e for e in emu.errors if "parse entities" in e.description]
