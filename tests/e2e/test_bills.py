"""Bills: a prepaid token paid at once, and a water bill the manager quotes first."""

from __future__ import annotations

from bot.devtools.emulator import BotApiEmulator, SentMessage
from bot.domain.money import Money
from bot.domain.pipeline import RequestKind, RequestStatus
from bot.domain.prices_csv import PriceRow
from bot.views import callbacks
from tests.e2e.conftest import MANAGER, SITI, World, join, label, part_of, shown, start_manager


async def choose_bill(world: World, button: str) -> None:
    """Siti opens /bill and picks one."""
    emu = world.emu
    emu.send_text(SITI, "/bill")
    kinds = await emu.wait_for(SITI, contains=shown("bill.ask_kind"))
    emu.press(SITI, kinds.message_id, button_text=button)


async def test_prepaid_token_is_paid_and_the_token_reaches_the_villager(world: World) -> None:
    emu = world.emu
    await start_manager(emu)
    await join(emu, SITI)
    await choose_bill(world, label("bill.plnpre"))
    await emu.wait_for(SITI, contains=shown("bill.ask_customer.plnpre"))
    emu.send_text(SITI, "1423-4567-890")
    values = await emu.wait_for(SITI, contains=shown("bill.ask_token"))
    emu.press(
        SITI,
        values.message_id,
        button_text=label("bill.token_button", value="IDR50,000", price="IDR52,500"),
    )
    summary = await emu.wait_for(SITI, contains=part_of("bill.summary"))
    assert "14234567890" in summary.text and "Total: IDR52,500" in summary.text
    emu.press(SITI, summary.message_id, button_text=label("bill.confirm"))
    await emu.wait_for(SITI, contains=part_of("bill.submitted"))

    card = await emu.wait_for(MANAGER, contains="#1")
    assert card.button_texts() == [label("action.approve"), label("action.reject")]
    emu.press(MANAGER, card.message_id, button_text=label("action.approve"))
    await emu.wait_for(MANAGER, contains=shown("request.ask_token", number=1))
    emu.send_text(MANAGER, "1234")
    await emu.wait_for(MANAGER, contains=shown("request.ask_token.invalid", number=1))
    emu.send_text(MANAGER, "12345678901234567890")
    paid = await emu.wait_for(SITI, contains=part_of("notify.bill.complete", number=1))
    assert shown("card.token", token="1234 5678 9012 3456 7890").strip() in paid.text

    async with world.database() as store:
        bill = await store.requests.get(1)
        assert bill.status is RequestStatus.COMPLETED and bill.total.minor == 52_500
        assert bill.details["serial"] == "12345678901234567890"


async def quoted_water_bill(world: World) -> None:
    """Siti asks to pay her water bill; the manager quotes 150,000 plus the usual fee."""
    emu = world.emu
    await start_manager(emu)
    await join(emu, SITI)
    await choose_bill(world, label("bill.pdam"))
    await emu.wait_for(SITI, contains=shown("bill.ask_customer.pdam"))
    emu.send_text(SITI, "nomor saya")
    await emu.wait_for(SITI, contains=part_of("bill.invalid.digits_only"))
    emu.send_text(SITI, "0123456789")
    summary = await emu.wait_for(SITI, contains=shown("bill.summary_quote"))
    emu.press(SITI, summary.message_id, button_text=label("bill.confirm"))
    await emu.wait_for(SITI, contains=part_of("bill.submitted"))
    card = await emu.wait_for(MANAGER, contains="#1")
    assert card.button_texts() == [label("action.quote"), label("action.reject")]
    emu.press(MANAGER, card.message_id, button_text=label("action.quote"))
    await emu.wait_for(MANAGER, contains=shown("request.ask_quote", number=1))
    emu.send_text(MANAGER, "seratus")
    await emu.wait_for(MANAGER, contains=shown("request.ask_quote.invalid", number=1))
    emu.send_text(MANAGER, "150000")


async def test_water_bill_quoted_accepted_and_paid(world: World) -> None:
    emu = world.emu
    await quoted_water_bill(world)
    offer = await emu.wait_for(SITI, contains="IDR152,500")
    assert offer.button_texts() == [label("action.accept"), label("action.decline")]
    emu.press(SITI, offer.message_id, button_text=label("action.accept"))
    await emu.wait_for(MANAGER, contains=shown("manager.notify.accept", number=1))
    card = await emu.wait_for(
        MANAGER, lambda m: label("action.approve") in m.button_texts(), after=0
    )
    emu.press(MANAGER, card.message_id, button_text=label("action.approve"))
    await emu.wait_for(MANAGER, contains=shown("request.ask_receipt", number=1))
    emu.send_text(MANAGER, "PDAM-REF 8891")
    paid = await emu.wait_for(SITI, contains=part_of("notify.bill.complete", number=1))
    assert "PDAM-REF 8891" in paid.text
    async with world.database() as store:
        bill = await store.requests.get(1)
        assert bill.status is RequestStatus.COMPLETED
        assert (bill.total.minor, bill.details["amount"], bill.details["fee"]) == (
            152_500,
            150_000,
            2_500,
        )
        trail = [e["to_status"] for e in await store.requests.history(1)]
        assert trail == ["submitted", "quoted", "accepted", "approved", "completed"]


async def test_declined_quote_cancels_and_tells_the_manager(world: World) -> None:
    emu = world.emu
    await quoted_water_bill(world)
    offer = await emu.wait_for(SITI, contains="IDR152,500")
    emu.press(SITI, offer.message_id, button_text=label("action.decline"))
    await emu.wait_for(MANAGER, contains=shown("manager.notify.cancel", number=1))
    async with world.database() as store:
        assert (await store.requests.get(1)).status is RequestStatus.CANCELLED


async def requote(world: World, amount: str) -> None:
    """The manager changes the price of request #1 before the villager answered."""
    emu = world.emu
    card = await emu.wait_for(
        MANAGER, lambda m: "#1" in m.text and label("action.quote") in m.button_texts(), after=0
    )
    emu.press(MANAGER, card.message_id, button_text=label("action.quote"))
    await emu.wait_for(MANAGER, contains=shown("request.ask_quote", number=1))
    emu.send_text(MANAGER, amount)


async def test_an_old_quote_button_does_not_accept_the_newer_price(world: World) -> None:
    emu = world.emu
    await quoted_water_bill(world)
    first = await emu.wait_for(SITI, contains="IDR152,500")
    await requote(world, "950000")
    second = await emu.wait_for(SITI, contains="IDR952,500")
    assert shown("notify.quote_replaces").strip() in second.text

    query = emu.press(SITI, first.message_id, button_text=label("action.accept"))
    answer = await emu.wait_callback_answered(query)
    assert answer["text"] == label("request.quote_replaced")
    async with world.database() as store:
        bill = await store.requests.get(1)
        assert bill.status is RequestStatus.QUOTED and bill.total.minor == 952_500
    # The pressed message now shows the price Accept would take, and only that one.
    redrawn = await emu.wait_for(
        SITI, lambda m: m.message_id == first.message_id and "IDR952,500" in m.text
    )
    assert "IDR152,500" not in redrawn.text
    emu.press(SITI, first.message_id, button_text=label("action.accept"))
    await emu.wait_for(MANAGER, contains=shown("manager.notify.accept", number=1))
    async with world.database() as store:
        bill = await store.requests.get(1)
        assert bill.status is RequestStatus.ACCEPTED and bill.total.minor == 952_500


async def test_a_fee_change_after_the_summary_is_shown_before_anything_is_charged(
    world: World,
) -> None:
    emu = world.emu
    await start_manager(emu)
    await join(emu, SITI)
    await choose_bill(world, label("bill.plnpre"))
    await emu.wait_for(SITI, contains=shown("bill.ask_customer.plnpre"))
    emu.send_text(SITI, "14234567890")
    values = await emu.wait_for(SITI, contains=shown("bill.ask_token"))
    emu.press(
        SITI,
        values.message_id,
        button_text=label("bill.token_button", value="IDR50,000", price="IDR52,500"),
    )
    summary = await emu.wait_for(SITI, contains=part_of("bill.summary"))
    assert "Total: IDR52,500" in summary.text

    async with world.database() as store:  # the manager raises the bill fee meanwhile
        center = await store.centers.by_code("LEPING")
        fee = Money(5_000, "IDR")
        await store.services.import_prices(
            center, [PriceRow(RequestKind.BILL, None, "fee", "Service fee: bill", fee, fee)]
        )
    query = emu.press(SITI, summary.message_id, button_text=label("bill.confirm"))
    answer = await emu.wait_callback_answered(query)
    assert answer.get("text") == label("bill.summary_changed")
    again = await emu.wait_for(SITI, contains=part_of("bill.summary"))
    assert "Total: IDR55,000" in again.text
    async with world.database() as store:
        assert await store.requests.count_of_villager(SITI) == 0

    emu.press(SITI, again.message_id, button_text=label("bill.confirm"))
    await emu.wait_for(SITI, contains=part_of("bill.submitted"))
    async with world.database() as store:
        assert (await store.requests.get(1)).total.minor == 55_000


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
