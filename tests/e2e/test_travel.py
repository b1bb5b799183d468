"""Tickets and lodging: the villager describes the trip, the manager offers options,
the villager takes one, the manager books it and sends the booking code."""

from __future__ import annotations

from bot.domain.pipeline import RequestStatus
from tests.e2e.conftest import MANAGER, SITI, World, join, start_manager


async def test_bus_ticket_from_request_to_booking_code(world: World) -> None:
    emu = world.emu
    await start_manager(emu)
    await join(emu, SITI)
    emu.send_text(SITI, "/ticket")
    kinds = await emu.wait_for(SITI, contains="How do you want to travel")
    emu.press(SITI, kinds.message_id, button_text="🚌 Bus")
    await emu.wait_for(SITI, contains="From where")
    emu.send_text(SITI, "solo")
    await emu.wait_for(SITI, contains="From Solo to where")
    emu.send_text(SITI, "Jogjakarta")
    days = await emu.wait_for(SITI, contains="Which day")
    emu.send_text(SITI, "1/1/2020")
    await emu.wait_for(SITI, contains="has passed")
    emu.press(SITI, days.message_id, button_text=days.buttons[1][0].text)  # tomorrow
    count = await emu.wait_for(SITI, contains="How many passengers")
    emu.press(SITI, count.message_id, button_text="2")
    await emu.wait_for(SITI, contains="one name a line")
    emu.send_text(SITI, "Siti Aminah")
    await emu.wait_for(SITI, contains="as many names as passengers")
    emu.send_text(SITI, "Siti Aminah\nBudi <Santoso>")
    classes = await emu.wait_for(SITI, contains="Which class")
    emu.press(SITI, classes.message_id, button_text="Economy")
    note = await emu.wait_for(SITI, contains="Anything else")
    emu.press(SITI, note.message_id, button_text="No note")
    summary = await emu.wait_for(SITI, contains="Please check")
    assert "Solo → Yogyakarta" in summary.text and "Budi <Santoso>" in summary.text
    emu.press(SITI, summary.message_id, button_text="Confirm")
    await emu.wait_for(SITI, contains="options with prices")

    card = await emu.wait_for(MANAGER, contains="#1")
    assert card.button_texts() == ["Quote", "Reject"]
    emu.press(MANAGER, card.message_id, button_text="Quote")
    await emu.wait_for(MANAGER, contains="up to 5 options")
    emu.send_text(MANAGER, "Rosalia Indah 07:00 executive 185000\nSumber Alam 09:30 ekonomi 120000")
    offer = await emu.wait_for(SITI, contains="Options for your ticket")
    assert offer.button_texts() == [
        "Accept option 1 — IDR185,000",
        "Accept option 2 — IDR120,000",
        "Decline",
    ]
    emu.press(SITI, offer.message_id, button_text="Accept option 2 — IDR120,000")
    await emu.wait_for(MANAGER, contains="accepted the price")
    card = await emu.wait_for(MANAGER, lambda m: "Approve" in m.button_texts(), after=0)
    assert "✔ 2. Sumber Alam" in card.text and "Total: IDR130,000" in card.text  # ticket fee 10,000
    emu.press(MANAGER, card.message_id, button_text="Approve")
    await emu.wait_for(MANAGER, contains="booking code")
    emu.send_text(MANAGER, "SA-77812, seats 4A 4B, board at Terminal Tirtonadi 09:00")
    booked = await emu.wait_for(SITI, contains="is booked")
    assert "SA-77812" in booked.text

    store = await world.store()
    try:
        ticket = await store.requests.get(1)
        assert ticket.status is RequestStatus.COMPLETED and ticket.total.minor == 130_000
        assert ticket.details["names"] == ["Siti Aminah", "Budi <Santoso>"]
    finally:
        await store.close()


async def test_forged_plain_accept_of_an_options_quote_changes_nothing(world: World) -> None:
    emu = world.emu
    await start_manager(emu)
    await join(emu, SITI)
    emu.send_text(SITI, "/lodging")
    await emu.wait_for(SITI, contains="Where do you want to stay")
    emu.send_text(SITI, "Malang")
    check_in = await emu.wait_for(SITI, contains="Check-in day")
    emu.press(SITI, check_in.message_id, button_text=check_in.buttons[2][0].text)
    check_out = await emu.wait_for(SITI, contains="Check-out day")
    emu.press(SITI, check_out.message_id, button_text=check_out.buttons[1][0].text)
    guests = await emu.wait_for(SITI, contains="How many guests")
    emu.press(SITI, guests.message_id, button_text="2")
    await emu.wait_for(SITI, contains="Budget per night")
    emu.send_text(SITI, "250000")
    summary = await emu.wait_for(SITI, contains="Please check")
    assert "(2 nights)" in summary.text and "IDR250,000" in summary.text
    emu.press(SITI, summary.message_id, button_text="Confirm")
    card = await emu.wait_for(MANAGER, contains="#1")
    emu.press(MANAGER, card.message_id, button_text="Quote")
    await emu.wait_for(MANAGER, contains="up to 5 options")
    emu.send_text(MANAGER, "Hotel Pelangi twin room 240000")
    offer = await emu.wait_for(SITI, contains="Options for your room")

    query = emu.press(SITI, offer.message_id, forge="req:1:ac")
    await emu.wait_callback_answered(query)
    query = emu.press(SITI, offer.message_id, forge="opt:1:9")
    await emu.wait_callback_answered(query)
    store = await world.store()
    try:
        assert (await store.requests.get(1)).status is RequestStatus.QUOTED
    finally:
        await store.close()
