"""Words and numbers as people use them: amounts typed the Indonesian way, what /cancel left,
the pickup question, and an unknown command."""

from __future__ import annotations

from bot.config import Settings
from bot.devtools.emulator import BotApiEmulator
from bot.domain.pipeline import RequestStatus
from tests.e2e.conftest import (
    BUDI,
    MANAGER,
    NEAR,
    SITI,
    TOKEN,
    UNLIMITED_CHAT_RATE,
    World,
    fill_cart,
    join,
    label,
    part_of,
    place_order,
    register_users,
    running_bot,
    seed,
    shown,
    start_manager,
)
from tests.e2e.test_bills import choose_bill


async def water_bill_to_quote(world: World) -> None:
    """Siti asks to pay her water bill; the manager presses Quote and is asked the amount."""
    emu = world.emu
    await start_manager(emu)
    await join(emu, SITI)
    await choose_bill(world, label("bill.pdam"))
    await emu.wait_for(SITI, contains=shown("bill.ask_customer.pdam"))
    emu.send_text(SITI, "0123456789")
    summary = await emu.wait_for(SITI, contains=shown("bill.summary_quote"))
    emu.press(SITI, summary.message_id, button_text=label("bill.confirm"))
    card = await emu.wait_for(MANAGER, contains="#1")
    emu.press(MANAGER, card.message_id, button_text=label("action.quote"))
    await emu.wait_for(MANAGER, contains=shown("request.ask_quote", number=1))


async def test_a_quote_typed_as_people_write_it_and_a_cancelled_approve(world: World) -> None:
    emu = world.emu
    await water_bill_to_quote(world)
    emu.send_text(MANAGER, "1,5,5")
    refused = await emu.wait_for(MANAGER, contains=shown("request.ask_quote.invalid", number=1))
    assert shown("amount.grouping") in refused.text  # why, and how to write it
    assert shown("amount.examples.IDR") in refused.text
    emu.send_text(MANAGER, "Rp 150rb 2.500")
    offer = await emu.wait_for(SITI, contains="IDR152,500")
    emu.press(SITI, offer.message_id, button_text=label("action.accept"))
    await emu.wait_for(MANAGER, contains=shown("manager.notify.accept", number=1))
    card = await emu.wait_for(
        MANAGER, lambda m: label("action.approve") in m.button_texts(), after=0
    )
    emu.press(MANAGER, card.message_id, button_text=label("action.approve"))
    await emu.wait_for(MANAGER, contains=shown("request.ask_receipt", number=1))
    emu.send_text(MANAGER, "/cancel")
    status = label("status.accepted")
    said = shown("request.asked_cancelled.approve", number=1, status=status)
    await emu.wait_for(MANAGER, lambda m: m.text == said)
    async with world.database() as store:
        bill = await store.requests.get(1)
        assert bill.status is RequestStatus.ACCEPTED
        assert (bill.details["amount"], bill.details["fee"]) == (150_000, 2_500)


async def test_cancelling_a_quote_says_what_was_left(world: World) -> None:
    emu = world.emu
    await water_bill_to_quote(world)
    emu.send_text(MANAGER, "/cancel")
    status = label("status.submitted")
    said = shown("request.asked_cancelled.quote", number=1, status=status)
    await emu.wait_for(MANAGER, lambda m: m.text == said)


async def test_the_pickup_note_asks_about_the_pickup(world: World) -> None:
    emu = world.emu
    await join(emu, SITI)
    await fill_cart(emu, SITI)
    emu.send_text(SITI, "/cart")
    cart = await emu.wait_for(SITI, contains=part_of("cart.summary"))
    emu.press(SITI, cart.message_id, button_text=label("cart.checkout"))
    how = await emu.wait_for(SITI, contains=part_of("checkout.how"))
    emu.press(SITI, how.message_id, button_text=label("checkout.pickup"))
    note = await emu.wait_for(SITI, contains=part_of("checkout.ask_note"))
    assert "pickup" in note.text and "green door" not in note.text


async def test_an_unknown_command_is_called_one_with_the_users_commands(world: World) -> None:
    emu = world.emu
    await start_manager(emu)
    emu.send_text(BUDI, "/foo")  # not even in a center yet: no search, no "no center matches"
    answer = await emu.wait_for(BUDI, contains=part_of("common.unknown_command", command="/foo"))
    assert "/cart" in answer.text and "/queue" not in answer.text
    await join(emu, SITI)
    emu.send_text(SITI, "/hapus")
    answer = await emu.wait_for(SITI, contains=part_of("common.unknown_command", command="/hapus"))
    assert "/orders" in answer.text
    emu.send_text(SITI, "/price SBK-MG-1 1")  # a manager's command is none of hers
    answer = await emu.wait_for(SITI, contains=part_of("common.unknown_command", command="/price"))
    assert "/orders" in answer.text and "/price" not in answer.text.split(":", 1)[1]
    emu.send_text(MANAGER, "/antrian")
    answer = await emu.wait_for(
        MANAGER, contains=part_of("common.unknown_command", command="/antrian")
    )
    assert "/queue" in answer.text and "/price" in answer.text


async def test_the_managers_card_stays_in_his_language_after_he_acts(sqlite_url: str) -> None:
    """Pak Joko's phone is in English, but he chose no language: Leping speaks Indonesian,
    and so do his cards, before he ever wrote and after his first press."""
    await seed(sqlite_url, manager_language=None)
    async with BotApiEmulator() as emu:
        register_users(emu)  # every phone in English
        settings = Settings(
            bot_token=TOKEN,
            database_url=sqlite_url,
            telegram_api_url=emu.url,
            outbox_poll_seconds=0.5,
            outbox_chat_rate_per_s=UNLIMITED_CHAT_RATE,
        )
        async with running_bot(settings), World(emu, sqlite_url, settings).database() as store:
            await place_order(store, SITI)
            card = await emu.wait_for(MANAGER, contains="🧾 #1 ·", after=0)
            assert card.button_texts() == [
                label("action.approve", "id"),
                label("action.reject", "id"),
            ]
            query = emu.press(MANAGER, card.message_id, button_text=label("action.approve", "id"))
            approved = label("status.approved", "id")
            toast = await emu.wait_callback_answered(query)
            assert toast["text"] == label("request.done", "id", number=1, status=approved)
            await emu.wait_for(
                MANAGER, lambda m: m.message_id == card.message_id and approved in m.text
            )
            await emu.wait_for(SITI, contains=part_of("notify.approve"))
            emu.send_text(MANAGER, "/queue")
            await emu.wait_for(MANAGER, contains=part_of("desk.queue", "id"))
        assert approved in card.text and label("action.mark_ready", "id") in card.button_texts()
        assert shown("card.pickup", "id").strip() in card.text


async def test_an_indonesian_villager_reads_the_distance_with_a_decimal_comma(world: World) -> None:
    emu = world.emu
    await join(emu, BUDI)
    await fill_cart(emu, BUDI)
    async with world.database() as store:
        await store.users.set_language(BUDI, "id")
    emu.send_text(BUDI, "/checkout")
    how = await emu.wait_for(BUDI, contains=part_of("checkout.how", "id"))
    assert "3 km" in how.text
    emu.press(BUDI, how.message_id, button_text=label("checkout.delivery", "id"))
    await emu.wait_for(BUDI, contains=shown("checkout.ask_location", "id"))
    emu.send_location(BUDI, *NEAR)  # 1.1 km east of the center
    await emu.wait_for(BUDI, contains=shown("checkout.location_ok", "id", km="1,1"))
    note = await emu.wait_for(BUDI, contains=part_of("checkout.ask_delivery_note", "id"))
    emu.press(BUDI, note.message_id, button_text=label("checkout.skip_note", "id"))
    summary = await emu.wait_for(BUDI, contains=part_of("checkout.summary", "id"))
    assert shown("card.delivery", "id", km="1,1").strip() in summary.text
