"""Bills: a prepaid token paid at once, and a water bill the manager quotes first."""

from __future__ import annotations

from bot.devtools.emulator import BotApiEmulator, SentMessage
from bot.domain.pipeline import RequestStatus
from bot.views import callbacks
from tests.e2e.conftest import MANAGER, SITI, World, join, start_manager


async def choose_bill(world: World, label: str) -> None:
    """Siti opens /bill and picks one."""
    emu = world.emu
    emu.send_text(SITI, "/bill")
    kinds = await emu.wait_for(SITI, contains="Which bill")
    emu.press(SITI, kinds.message_id, button_text=label)


async def test_prepaid_token_is_paid_and_the_token_reaches_the_villager(world: World) -> None:
    emu = world.emu
    await start_manager(emu)
    await join(emu, SITI)
    await choose_bill(world, "⚡ PLN token (prepaid)")
    await emu.wait_for(SITI, contains="meter number")
    emu.send_text(SITI, "1423-4567-890")
    values = await emu.wait_for(SITI, contains="token's value")
    emu.press(SITI, values.message_id, button_text="Token IDR50,000 — pay IDR52,500")
    summary = await emu.wait_for(SITI, contains="Please check")
    assert "14234567890" in summary.text and "Total: IDR52,500" in summary.text
    emu.press(SITI, summary.message_id, button_text="Confirm")
    await emu.wait_for(SITI, contains="Sent!")

    card = await emu.wait_for(MANAGER, contains="#1")
    assert card.button_texts() == ["Approve", "Reject"]
    emu.press(MANAGER, card.message_id, button_text="Approve")
    await emu.wait_for(MANAGER, contains="20-digit token")
    emu.send_text(MANAGER, "1234")
    await emu.wait_for(MANAGER, contains="exactly 20 digits")
    emu.send_text(MANAGER, "12345678901234567890")
    paid = await emu.wait_for(SITI, contains="is paid")
    assert "Token: 1234 5678 9012 3456 7890" in paid.text

    store = await world.store()
    try:
        bill = await store.requests.get(1)
        assert bill.status is RequestStatus.COMPLETED and bill.total.minor == 52_500
        assert bill.details["serial"] == "12345678901234567890"
    finally:
        await store.close()


async def quoted_water_bill(world: World) -> None:
    """Siti asks to pay her water bill; the manager quotes 150,000 plus the usual fee."""
    emu = world.emu
    await start_manager(emu)
    await join(emu, SITI)
    await choose_bill(world, "💧 PDAM water bill")
    await emu.wait_for(SITI, contains="PDAM customer number")
    emu.send_text(SITI, "nomor saya")
    await emu.wait_for(SITI, contains="digits only")
    emu.send_text(SITI, "0123456789")
    summary = await emu.wait_for(SITI, contains="look up the amount")
    emu.press(SITI, summary.message_id, button_text="Confirm")
    await emu.wait_for(SITI, contains="Sent!")
    card = await emu.wait_for(MANAGER, contains="#1")
    assert card.button_texts() == ["Quote", "Reject"]
    emu.press(MANAGER, card.message_id, button_text="Quote")
    await emu.wait_for(MANAGER, contains="amount due")
    emu.send_text(MANAGER, "seratus")
    await emu.wait_for(MANAGER, contains="not an amount")
    emu.send_text(MANAGER, "150000")


async def test_water_bill_quoted_accepted_and_paid(world: World) -> None:
    emu = world.emu
    await quoted_water_bill(world)
    offer = await emu.wait_for(SITI, contains="IDR152,500")
    assert offer.button_texts() == ["Accept", "Decline"]
    emu.press(SITI, offer.message_id, button_text="Accept")
    await emu.wait_for(MANAGER, contains="accepted the price")
    card = await emu.wait_for(MANAGER, lambda m: "Approve" in m.button_texts(), after=0)
    emu.press(MANAGER, card.message_id, button_text="Approve")
    await emu.wait_for(MANAGER, contains="receipt")
    emu.send_text(MANAGER, "PDAM-REF 8891")
    paid = await emu.wait_for(SITI, contains="is paid")
    assert "PDAM-REF 8891" in paid.text
    store = await world.store()
    try:
        bill = await store.requests.get(1)
        assert bill.status is RequestStatus.COMPLETED
        assert (bill.total.minor, bill.details["amount"], bill.details["fee"]) == (
            152_500,
            150_000,
            2_500,
        )
        trail = [e["to_status"] for e in await store.requests.history(1)]
        assert trail == ["submitted", "quoted", "accepted", "approved", "completed"]
    finally:
        await store.close()


async def test_declined_quote_cancels_and_tells_the_manager(world: World) -> None:
    emu = world.emu
    await quoted_water_bill(world)
    offer = await emu.wait_for(SITI, contains="IDR152,500")
    emu.press(SITI, offer.message_id, button_text="Decline")
    await emu.wait_for(MANAGER, contains="cancelled")
    store = await world.store()
    try:
        assert (await store.requests.get(1)).status is RequestStatus.CANCELLED
    finally:
        await store.close()


def live_cards(emu: BotApiEmulator, request_id: int) -> list[SentMessage]:
    """The manager's messages whose buttons act on the request."""
    return [
        message
        for message in emu.messages(MANAGER, include_deleted=False)
        if any(
            (parsed := callbacks.parse(button.callback_data))
            and parsed.prefix == callbacks.REQUEST
            and parsed.ident == request_id
            for row in message.buttons
            for button in row
        )
    ]


async def test_a_typed_quote_leaves_one_live_card_edited_in_place(world: World) -> None:
    emu = world.emu
    await quoted_water_bill(world)
    card = await emu.wait_for(MANAGER, contains="#1", after=0)  # the card the manager pressed
    reply = await emu.wait_for(MANAGER, lambda m: m.message_id > card.message_id and "#1" in m.text)
    await emu.wait_for(SITI, contains="IDR152,500")
    await emu.wait_for(
        MANAGER, lambda m: m.message_id == card.message_id and "IDR152,500" in m.text, after=0
    )
    assert [m.message_id for m in live_cards(emu, 1)] == [card.message_id]
    assert card.button_texts() == ["Quote", "Reject"]  # a new quote replaces this one
    assert reply.text == "#1: Price offered"  # the typed quote is answered with a line
