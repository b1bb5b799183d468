"""A villager tops up a phone; the manager fulfils it with the supplier's serial number."""

from __future__ import annotations

from bot.domain.money import Money
from bot.domain.pipeline import RequestKind, RequestStatus
from bot.domain.prices_csv import PriceRow
from tests.e2e.conftest import BUDI, MANAGER, SITI, World, label, part_of, shown


async def join(world: World) -> None:
    """The manager and Siti (who shares her Telkomsel number) start the bot."""
    emu = world.emu
    emu.send_text(MANAGER, "/start")
    await emu.wait_for(MANAGER, contains=part_of("onboarding.welcome_manager"))
    emu.send_text(SITI, "/start LEPING")
    await emu.wait_for(SITI, contains="Kios Desa Leping")
    emu.send_contact(SITI, "6281234567890")
    await emu.wait_for(SITI, contains="+6281234567890")


async def test_topup_own_number_then_manager_enters_serial(world: World) -> None:
    emu = world.emu
    await join(world)

    emu.send_text(SITI, "/topup")
    ask = await emu.wait_for(SITI, contains=part_of("topup.ask_number"))
    emu.press(SITI, ask.message_id, button_text=label("topup.own_button", phone="081234567890"))
    offer = await emu.wait_for(SITI, contains="Telkomsel")
    assert "Pulsa 10.000 — IDR11,500" in offer.button_texts()
    emu.press(SITI, offer.message_id, button_text="Pulsa 10.000 — IDR11,500")
    summary = await emu.wait_for(SITI, contains=part_of("topup.summary"))
    emu.press(SITI, summary.message_id, button_text=label("topup.confirm"))
    sent = await emu.wait_for(SITI, contains=part_of("topup.submitted"))
    assert "#1" in sent.text and label("status.submitted") in sent.text

    card = await emu.wait_for(MANAGER, contains="#1")
    assert "081234567890 · Telkomsel" in card.text and "Pulsa 10.000" in card.text
    assert card.button_texts() == [label("action.approve"), label("action.reject")]
    emu.press(MANAGER, card.message_id, button_text=label("action.approve"))
    await emu.wait_for(MANAGER, contains=shown("request.ask_reference", number=1))
    emu.send_text(MANAGER, "SN 4411-2233 <ok> & done")
    done = await emu.wait_for(SITI, contains=part_of("card.serial"))
    assert "SN 4411-2233 <ok> & done" in done.text

    async with world.database() as store:
        topup = await store.requests.get(1)
        assert topup.status is RequestStatus.COMPLETED
        assert topup.details["serial"] == "SN 4411-2233 <ok> & done"
        assert topup.details["operator"] == "telkomsel"
        trail = [e["to_status"] for e in await store.requests.history(1)]
        assert trail == ["submitted", "approved", "completed"]
    assert not [e for e in emu.errors if "parse entities" in e.description]


async def test_bad_numbers_get_an_example_and_cancel_leaves(world: World) -> None:
    emu = world.emu
    emu.send_text(BUDI, "/start LEPING")
    await emu.wait_for(BUDI, contains="Kios Desa Leping")
    emu.send_text(BUDI, "/topup")
    await emu.wait_for(BUDI, contains=part_of("topup.ask_number"))
    emu.send_text(BUDI, "021 5551234")
    await emu.wait_for(BUDI, contains=part_of("topup.not_mobile"))
    emu.send_text(BUDI, "12345")
    await emu.wait_for(BUDI, contains=shown("topup.invalid", example="0812 3456 7890"))
    emu.send_text(BUDI, "0878-1234-5678")
    offer = await emu.wait_for(BUDI, contains="XL")
    emu.send_text(BUDI, "/cancel")
    await emu.wait_for(BUDI, contains=shown("topup.cancelled"))
    query = emu.press(BUDI, offer.message_id, button_text="Pulsa 5.000 — IDR6,500")
    await emu.wait_callback_answered(query)  # a button of the ended dialog: answered, no effect
    async with world.database() as store:
        assert await store.requests.count_of_villager(BUDI) == 0


async def test_manager_rejects_topup_and_forged_serial_press_changes_nothing(world: World) -> None:
    emu = world.emu
    await join(world)
    emu.send_text(SITI, "/topup")
    ask = await emu.wait_for(SITI, contains=part_of("topup.ask_number"))
    emu.press(SITI, ask.message_id, button_text=label("topup.own_button", phone="081234567890"))
    offer = await emu.wait_for(SITI, contains="Telkomsel")
    emu.press(SITI, offer.message_id, button_text="Pulsa 5.000 — IDR6,500")
    summary = await emu.wait_for(SITI, contains=part_of("topup.summary"))
    emu.press(SITI, summary.message_id, button_text=label("topup.confirm"))
    await emu.wait_for(SITI, contains=part_of("topup.submitted"))

    emu.press(SITI, forge="req:1:ap")  # the villager tries to approve her own top-up
    card = await emu.wait_for(MANAGER, contains="#1")
    emu.press(MANAGER, card.message_id, button_text=label("action.reject"))
    await emu.wait_for(MANAGER, contains=shown("request.ask_reason", number=1))
    emu.send_text(MANAGER, "Server operator sedang gangguan")
    rejected = await emu.wait_for(SITI, contains=part_of("notify.reject", number=1))
    assert "Server operator sedang gangguan" in rejected.text
    async with world.database() as store:
        assert (await store.requests.get(1)).status is RequestStatus.REJECTED
        actors = [e["actor_id"] for e in await store.requests.history(1)]
        assert actors == [SITI, MANAGER]


async def test_a_price_change_after_the_summary_is_shown_before_anything_is_charged(
    world: World,
) -> None:
    emu = world.emu
    await join(world)
    emu.send_text(SITI, "/topup")
    ask = await emu.wait_for(SITI, contains=part_of("topup.ask_number"))
    emu.press(SITI, ask.message_id, button_text=label("topup.own_button", phone="081234567890"))
    offer = await emu.wait_for(SITI, contains="Telkomsel")
    emu.press(SITI, offer.message_id, button_text="Pulsa 10.000 — IDR11,500")
    summary = await emu.wait_for(SITI, contains=part_of("topup.summary"))
    assert "Total: IDR11,500" in summary.text

    async with world.database() as store:  # the manager imports a new price list meanwhile
        center = await store.centers.by_code("LEPING")
        dearer = Money(25_000, "IDR")
        row = PriceRow(
            RequestKind.TOPUP, "telkomsel", "telkomsel-P10", "Pulsa 10.000", dearer, dearer
        )
        await store.services.import_prices(center, [row])
    query = emu.press(SITI, summary.message_id, button_text=label("topup.confirm"))
    answer = await emu.wait_callback_answered(query)
    assert answer.get("text") == label("topup.summary_changed")
    again = await emu.wait_for(SITI, contains=part_of("topup.summary"))
    assert "Total: IDR25,000" in again.text
    async with world.database() as store:
        assert await store.requests.count_of_villager(SITI) == 0

    emu.press(SITI, again.message_id, button_text=label("topup.confirm"))
    await emu.wait_for(SITI, contains=part_of("topup.submitted"))
    async with world.database() as store:
        assert (await store.requests.get(1)).total.minor == 25_000


async def test_confirm_on_an_older_summary_shows_what_would_be_sent_instead(world: World) -> None:
    emu = world.emu
    await join(world)
    summaries = []
    for package in ("Pulsa 10.000 — IDR11,500", "Pulsa 50.000 — IDR51,500"):
        emu.send_text(SITI, "/topup")  # she starts again, and picks another package
        ask = await emu.wait_for(SITI, contains=part_of("topup.ask_number"))
        own = label("topup.own_button", phone="081234567890")
        emu.press(SITI, ask.message_id, button_text=own)
        offer = await emu.wait_for(SITI, contains="Telkomsel")
        emu.press(SITI, offer.message_id, button_text=package)
        summaries.append(await emu.wait_for(SITI, contains=part_of("topup.summary")))
    older = summaries[0]
    assert "Total: IDR11,500" in older.text

    query = emu.press(SITI, older.message_id, button_text=label("topup.confirm"))
    answer = await emu.wait_callback_answered(query)
    assert answer.get("text") == label("topup.summary_changed")
    again = await emu.wait_for(SITI, lambda m: m.message_id == older.message_id)
    assert "Pulsa 50.000" in again.text and "Total: IDR51,500" in again.text
    async with world.database() as store:
        assert await store.requests.count_of_villager(SITI) == 0
