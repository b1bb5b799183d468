"""Tickets and lodging: the villager describes the trip, the manager offers options,
the villager takes one, the manager books it and sends the booking code."""

from __future__ import annotations

from bot.domain.pipeline import RequestStatus
from tests.e2e.conftest import MANAGER, SITI, World, join, label, part_of, shown, start_manager


async def test_bus_ticket_from_request_to_booking_code(world: World) -> None:
    emu = world.emu
    await start_manager(emu)
    await join(emu, SITI)
    emu.send_text(SITI, "/ticket")
    kinds = await emu.wait_for(SITI, contains=shown("ticket.ask_kind"))
    emu.press(SITI, kinds.message_id, button_text=label("ticket.bus"))
    await emu.wait_for(SITI, contains=shown("ticket.ask_from"))
    emu.send_text(SITI, "solo")
    await emu.wait_for(SITI, contains=shown("ticket.ask_to", origin="Solo"))
    emu.send_text(SITI, "Jogjakarta")
    days = await emu.wait_for(SITI, contains=shown("ticket.ask_date"))
    emu.send_text(SITI, "1/1/2020")
    await emu.wait_for(SITI, contains=shown("travel.invalid.past"))
    emu.press(SITI, days.message_id, button_text=days.buttons[1][0].text)  # tomorrow
    count = await emu.wait_for(SITI, contains=shown("ticket.ask_count"))
    emu.press(SITI, count.message_id, button_text="2")
    await emu.wait_for(SITI, contains=shown("ticket.ask_names", count=2))
    emu.send_text(SITI, "Siti Aminah")
    await emu.wait_for(SITI, contains=shown("travel.invalid.names"))
    emu.send_text(SITI, "Siti Aminah\nBudi <Santoso>")
    classes = await emu.wait_for(SITI, contains=shown("ticket.ask_class"))
    emu.press(SITI, classes.message_id, button_text=label("ticket.class.economy"))
    note = await emu.wait_for(SITI, contains=part_of("travel.ask_note"))
    emu.press(SITI, note.message_id, button_text=label("travel.no_note"))
    summary = await emu.wait_for(SITI, contains=part_of("travel.summary"))
    assert "Solo → Yogyakarta" in summary.text and "Budi <Santoso>" in summary.text
    emu.press(SITI, summary.message_id, button_text=label("travel.confirm"))
    await emu.wait_for(SITI, contains=part_of("travel.submitted"))

    card = await emu.wait_for(MANAGER, contains="#1")
    assert card.button_texts() == [label("action.quote"), label("action.reject")]
    emu.press(MANAGER, card.message_id, button_text=label("action.quote"))
    await emu.wait_for(MANAGER, contains=shown("request.ask_options", number=1))
    emu.send_text(MANAGER, "Rosalia Indah 07:00 executive 185000\nSumber Alam 09:30 ekonomi 120000")
    offer = await emu.wait_for(SITI, contains=part_of("notify.ticket.quote", number=1))
    second = label("action.accept_option", number=2, price="IDR130,000")  # ticket fee 10,000
    assert offer.button_texts() == [
        label("action.accept_option", number=1, price="IDR195,000"),
        second,
        label("action.decline"),
    ]
    emu.press(SITI, offer.message_id, button_text=second)
    await emu.wait_for(MANAGER, contains=shown("manager.notify.accept", number=1))
    card = await emu.wait_for(
        MANAGER, lambda m: label("action.approve") in m.button_texts(), after=0
    )
    assert "✔ 2. Sumber Alam" in card.text and "Total: IDR130,000" in card.text  # ticket fee 10,000
    emu.press(MANAGER, card.message_id, button_text=label("action.approve"))
    await emu.wait_for(MANAGER, contains=shown("request.ask_booking", number=1))
    emu.send_text(MANAGER, "SA-77812, seats 4A 4B, board at Terminal Tirtonadi 09:00")
    booked = await emu.wait_for(SITI, contains=part_of("notify.ticket.complete", number=1))
    assert "SA-77812" in booked.text

    async with world.database() as store:
        ticket = await store.requests.get(1)
        assert ticket.status is RequestStatus.COMPLETED and ticket.total.minor == 130_000
        assert ticket.details["names"] == ["Siti Aminah", "Budi <Santoso>"]


async def lodging_quoted(world: World, options: str) -> None:
    """Siti asks for a room in Malang for two nights; the manager offers `options`."""
    emu = world.emu
    await start_manager(emu)
    await join(emu, SITI)
    emu.send_text(SITI, "/lodging")
    await emu.wait_for(SITI, contains=shown("lodging.ask_place"))
    emu.send_text(SITI, "Malang")
    check_in = await emu.wait_for(SITI, contains=shown("lodging.ask_check_in"))
    emu.press(SITI, check_in.message_id, button_text=check_in.buttons[2][0].text)
    check_out = await emu.wait_for(SITI, contains=shown("lodging.ask_check_out"))
    emu.press(SITI, check_out.message_id, button_text=check_out.buttons[1][0].text)
    guests = await emu.wait_for(SITI, contains=shown("lodging.ask_guests"))
    emu.press(SITI, guests.message_id, button_text="2")
    await emu.wait_for(SITI, contains=shown("lodging.ask_budget"))
    emu.send_text(SITI, "250000")
    summary = await emu.wait_for(SITI, contains=part_of("travel.summary"))
    assert "(2 nights)" in summary.text and "IDR250,000" in summary.text
    emu.press(SITI, summary.message_id, button_text=label("travel.confirm"))
    await quote_options(world, options)


async def test_forged_plain_accept_of_an_options_quote_changes_nothing(world: World) -> None:
    emu = world.emu
    await lodging_quoted(world, "Hotel Pelangi twin room 240000")
    offer = await emu.wait_for(SITI, contains=part_of("notify.lodging.quote", number=1))

    query = emu.press(SITI, offer.message_id, forge="req:1:ac")
    await emu.wait_callback_answered(query)
    query = emu.press(SITI, offer.message_id, forge="opt:1:9")
    await emu.wait_callback_answered(query)
    async with world.database() as store:
        assert (await store.requests.get(1)).status is RequestStatus.QUOTED


async def test_the_price_on_an_offer_is_the_total_with_the_fee(world: World) -> None:
    emu = world.emu
    await lodging_quoted(world, "Hotel Pelangi twin room 240000")
    offer = await emu.wait_for(SITI, contains=part_of("notify.lodging.quote", number=1))
    accept = label("action.accept_option", number=1, price="IDR255,000")  # room + fee 15,000
    assert offer.button_texts()[0] == accept
    assert "Hotel Pelangi twin room" in offer.text
    assert "IDR240,000" in offer.text and "IDR15,000" in offer.text  # the split, beside it
    emu.press(SITI, offer.message_id, button_text=accept)
    await emu.wait_for(MANAGER, contains=shown("manager.notify.accept", number=1))
    async with world.database() as store:
        room = await store.requests.get(1)
        assert room.status is RequestStatus.ACCEPTED and room.total.minor == 255_000


async def bus_ticket_quoted(world: World, options: str) -> None:
    """Siti asks for one bus ticket Solo → Semarang; the manager offers `options`."""
    emu = world.emu
    await start_manager(emu)
    await join(emu, SITI)
    emu.send_text(SITI, "/ticket")
    kinds = await emu.wait_for(SITI, contains=shown("ticket.ask_kind"))
    emu.press(SITI, kinds.message_id, button_text=label("ticket.bus"))
    await emu.wait_for(SITI, contains=shown("ticket.ask_from"))
    emu.send_text(SITI, "Solo")
    await emu.wait_for(SITI, contains=shown("ticket.ask_to", origin="Solo"))
    emu.send_text(SITI, "Semarang")
    days = await emu.wait_for(SITI, contains=shown("ticket.ask_date"))
    emu.press(SITI, days.message_id, button_text=days.buttons[1][0].text)
    count = await emu.wait_for(SITI, contains=shown("ticket.ask_count"))
    emu.press(SITI, count.message_id, button_text="1")
    await emu.wait_for(SITI, contains=shown("ticket.ask_names", count=1))
    emu.send_text(SITI, "Siti Aminah")
    classes = await emu.wait_for(SITI, contains=shown("ticket.ask_class"))
    emu.press(SITI, classes.message_id, button_text=label("ticket.class.economy"))
    note = await emu.wait_for(SITI, contains=part_of("travel.ask_note"))
    emu.press(SITI, note.message_id, button_text=label("travel.no_note"))
    summary = await emu.wait_for(SITI, contains=part_of("travel.summary"))
    emu.press(SITI, summary.message_id, button_text=label("travel.confirm"))
    await quote_options(world, options)


async def quote_options(world: World, options: str) -> None:
    """The manager (re-)quotes request #1 with `options`."""
    emu = world.emu
    card = await emu.wait_for(
        MANAGER, lambda m: "#1" in m.text and label("action.quote") in m.button_texts(), after=0
    )
    emu.press(MANAGER, card.message_id, button_text=label("action.quote"))
    await emu.wait_for(MANAGER, contains=shown("request.ask_options", number=1))
    emu.send_text(MANAGER, options)


async def test_an_old_option_button_does_not_accept_the_newer_offer(world: World) -> None:
    emu = world.emu
    await bus_ticket_quoted(world, "Sinar Jaya 07:00 100000")
    first = await emu.wait_for(SITI, contains=part_of("notify.ticket.quote", number=1))
    requoted = emu.mark()
    await quote_options(world, "Sinar Jaya 07:00 900000")
    second = await emu.wait_for(
        SITI, contains=part_of("notify.ticket.quote", number=1), after=requoted
    )

    query = emu.press(SITI, first.message_id, button_text=first.buttons[0][0].text)
    answer = await emu.wait_callback_answered(query)
    assert answer["text"] == label("request.quote_replaced")
    async with world.database() as store:
        ticket = await store.requests.get(1)
        assert ticket.status is RequestStatus.QUOTED
    emu.press(SITI, second.message_id, button_text=second.buttons[0][0].text)
    await emu.wait_for(MANAGER, contains=shown("manager.notify.accept", number=1))
    async with world.database() as store:
        ticket = await store.requests.get(1)
        assert ticket.status is RequestStatus.ACCEPTED and ticket.total.minor == 910_000
