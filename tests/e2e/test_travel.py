"""Tickets and lodging: the villager describes the trip, the manager offers options,
the villager takes one, the manager books it and sends the booking code."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from bot.devtools.emulator import BotApiEmulator, SentMessage
from bot.domain.pipeline import RequestStatus
from handlers import dialogs, travel
from handlers.travel_summary import DRAFT_KEY
from storage import Storage
from storage.persistence import DatabasePersistence
from tests.e2e.conftest import (
    MANAGER,
    SITI,
    World,
    eventually,
    join,
    label,
    part_of,
    running_bot,
    shown,
    start_manager,
    world_on,
)


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
    await emu.wait_for(SITI, contains=shown("ticket.ask_names", passengers="2 passengers"))
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
    await emu.wait_for(SITI, contains=shown("ticket.ask_names", passengers="1 passenger"))
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


# Two passengers' NIKs (16 digits each), as the villager types them.
NIKS = ("3374014501900001", "3374014501900002")


async def train_ticket_at_the_class_step(emu: BotApiEmulator) -> SentMessage:
    """Siti describes a train trip for two, with their NIKs; returns the class question."""
    emu.send_text(SITI, "/ticket")
    kinds = await emu.wait_for(SITI, contains=shown("ticket.ask_kind"))
    emu.press(SITI, kinds.message_id, button_text=label("ticket.train"))
    await emu.wait_for(SITI, contains=shown("ticket.ask_from"))
    emu.send_text(SITI, "Solo")
    await emu.wait_for(SITI, contains=shown("ticket.ask_to", origin="Solo"))
    emu.send_text(SITI, "Jakarta")
    days = await emu.wait_for(SITI, contains=shown("ticket.ask_date"))
    emu.press(SITI, days.message_id, button_text=days.buttons[1][0].text)
    count = await emu.wait_for(SITI, contains=shown("ticket.ask_count"))
    emu.press(SITI, count.message_id, button_text="2")
    await emu.wait_for(SITI, contains=shown("ticket.ask_names", passengers="2 passengers"))
    emu.send_text(SITI, "Siti Aminah\nBudi Santoso")
    await emu.wait_for(SITI, contains=shown("ticket.ask_ids", id_numbers="2 NIK / ID numbers"))
    emu.send_text(SITI, "\n".join(NIKS))
    return await emu.wait_for(SITI, contains=shown("ticket.ask_class"))


def holds_a_nik(text: str) -> bool:
    return any(nik in text for nik in NIKS)


async def stored_draft_of(store: Storage, user_id: int) -> dict[str, Any] | None:
    """The travel draft the bot keeps for the user in the database, if any."""
    data = (await DatabasePersistence(store.db).get_user_data()).get(user_id, {})
    draft: dict[str, Any] | None = data.get(DRAFT_KEY)
    return draft


async def until_siti_draft_is_forgotten(store: Storage) -> None:
    """Wait for the bot to forget Siti's travel draft in the database."""

    async def forgotten() -> bool | None:
        return True if await stored_draft_of(store, SITI) is None else None

    await eventually(forgotten, "Siti's travel draft to be forgotten", timeout=5)


async def test_a_train_tickets_id_numbers_reach_the_manager_only_until_it_closes(
    world: World,
) -> None:
    emu = world.emu
    await start_manager(emu)
    await join(emu, SITI)
    classes = await train_ticket_at_the_class_step(emu)
    emu.press(SITI, classes.message_id, button_text=label("ticket.class.economy"))
    note = await emu.wait_for(SITI, contains=part_of("travel.ask_note"))
    emu.press(SITI, note.message_id, button_text=label("travel.no_note"))
    summary = await emu.wait_for(SITI, contains=part_of("travel.summary"))
    emu.press(SITI, summary.message_id, button_text=label("travel.confirm"))
    await emu.wait_for(SITI, contains=part_of("travel.submitted"))

    # The manager books on the passengers' ID numbers: the card lists them, name by name.
    card = await emu.wait_for(MANAGER, contains="#1")
    assert all(nik in card.text for nik in NIKS)
    assert shown("card.passenger_id", number=1, name="Siti Aminah", id=NIKS[0]) in card.text
    assert shown("card.passenger_id", number=2, name="Budi Santoso", id=NIKS[1]) in card.text
    emu.press(MANAGER, card.message_id, button_text=label("action.quote"))
    await emu.wait_for(MANAGER, contains=shown("request.ask_options", number=1))
    emu.send_text(MANAGER, "KA Argo Lawu 08:00 eksekutif 450000")
    offer = await emu.wait_for(SITI, contains=part_of("notify.ticket.quote", number=1))
    emu.press(SITI, offer.message_id, button_text=offer.buttons[0][0].text)
    await emu.wait_for(MANAGER, contains=shown("manager.notify.accept", number=1))
    card = await emu.wait_for(
        MANAGER, lambda m: label("action.approve") in m.button_texts(), after=0
    )
    assert holds_a_nik(card.text)
    emu.press(MANAGER, card.message_id, button_text=label("action.approve"))
    await emu.wait_for(MANAGER, contains=shown("request.ask_booking", number=1))
    emu.send_text(MANAGER, "KAI-8J2Q4W")
    await emu.wait_for(SITI, contains=part_of("notify.ticket.complete", number=1))

    # The villager was never shown them; once booked, the card and the database forget them.
    seen_by_siti = [text for m in emu.messages(SITI) for text in (*m.history, m.text)]
    assert not any(holds_a_nik(text) for text in seen_by_siti)
    closed = await emu.wait_for(
        MANAGER, contains=shown("card.passenger_ids_deleted").strip(), after=0
    )
    assert closed.message_id == card.message_id and not holds_a_nik(closed.text)
    async with world.database() as store:
        ticket = await store.requests.get(1)
        assert ticket.status is RequestStatus.COMPLETED
        assert ticket.details["names"] == ["Siti Aminah", "Budi Santoso"]
        assert not holds_a_nik(json.dumps(ticket.details))


async def test_an_abandoned_ticket_draft_is_forgotten_when_its_time_runs_out(
    emu: BotApiEmulator, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PTB's job queue ends the dialog after its timeout; the draft and its NIKs go with it."""
    monkeypatch.setattr(travel, "DRAFT_TIMEOUT_S", 1.0)
    async with world_on(emu, sqlite_url) as world:
        await join(emu, SITI)
        classes = await train_ticket_at_the_class_step(emu)
        async with world.database() as store:
            draft = await stored_draft_of(store, SITI)
            assert draft is not None and draft["ids"] == list(NIKS)
            await until_siti_draft_is_forgotten(store)

        press = emu.press(SITI, classes.message_id, button_text=label("ticket.class.economy"))
        await emu.wait_callback_answered(press)
        assert emu.callback_answers[press]["text"] == label("common.stale")
        assert not any(part_of("travel.ask_note") in m.text for m in emu.messages(SITI))


async def test_a_draft_whose_time_ran_out_while_the_bot_was_down_is_forgotten(
    emu: BotApiEmulator, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PTB's timers die with the process: the retention job drops what they would have."""
    async with world_on(emu, sqlite_url) as world:
        await join(emu, SITI)
        await train_ticket_at_the_class_step(emu)
    async with world.database() as store:
        assert await stored_draft_of(store, SITI) is not None
    later = dialogs.clock() + 2 * travel.DRAFT_TIMEOUT_S
    monkeypatch.setattr(dialogs, "clock", lambda: later)

    quick = dataclasses.replace(world.settings, retention_check_seconds=0.2)
    async with running_bot(quick), world.database() as store:
        await until_siti_draft_is_forgotten(store)


async def test_a_draft_kept_before_the_dialog_had_a_timeout_goes_one_timeout_later(
    emu: BotApiEmulator, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A draft with no time recorded is dated by the retention job, then forgotten on time."""
    async with world_on(emu, sqlite_url) as world:
        await join(emu, SITI)
        await train_ticket_at_the_class_step(emu)
    async with world.database() as store:  # as an older version left it: no time recorded
        persistence = DatabasePersistence(store.db)
        data = (await persistence.get_user_data())[SITI]
        del data[dialogs.LAST_SEEN]["travel"]
        await persistence.update_user_data(SITI, data)
        await persistence.flush()
    moment = [dialogs.clock()]
    monkeypatch.setattr(dialogs, "clock", lambda: moment[0])

    quick = dataclasses.replace(world.settings, retention_check_seconds=0.2)
    async with running_bot(quick), world.database() as store:

        async def dated() -> float | None:
            data = (await DatabasePersistence(store.db).get_user_data())[SITI]
            seen: float | None = (data.get(dialogs.LAST_SEEN) or {}).get("travel")
            return seen

        assert await eventually(dated, "the draft to be dated") == moment[0]
        assert await stored_draft_of(store, SITI) is not None
        moment[0] += 2 * travel.DRAFT_TIMEOUT_S
        await until_siti_draft_is_forgotten(store)
