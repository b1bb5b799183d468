"""A villager tops up a phone; the manager fulfils it with the supplier's serial number."""

from __future__ import annotations

from bot.domain.pipeline import RequestStatus
from tests.e2e.conftest import BUDI, MANAGER, SITI, World


async def join(world: World) -> None:
    """The manager and Siti (who shares her Telkomsel number) start the bot."""
    emu = world.emu
    emu.send_text(MANAGER, "/start")
    await emu.wait_for(MANAGER, contains="You manage")
    emu.send_text(SITI, "/start LEPING")
    await emu.wait_for(SITI, contains="Kios Desa Leping")
    emu.send_contact(SITI, "6281234567890")
    await emu.wait_for(SITI, contains="+6281234567890")


async def test_topup_own_number_then_manager_enters_serial(world: World) -> None:
    emu = world.emu
    await join(world)

    emu.send_text(SITI, "/topup")
    ask = await emu.wait_for(SITI, contains="Which number")
    emu.press(SITI, ask.message_id, button_text="My number 081234567890")
    offer = await emu.wait_for(SITI, contains="Telkomsel")
    assert "Pulsa 10.000 — IDR11,500" in offer.button_texts()
    emu.press(SITI, offer.message_id, button_text="Pulsa 10.000 — IDR11,500")
    summary = await emu.wait_for(SITI, contains="Please check")
    emu.press(SITI, summary.message_id, button_text="Confirm")
    sent = await emu.wait_for(SITI, contains="Top-up sent")
    assert "#1" in sent.text and "Waiting for the manager" in sent.text

    card = await emu.wait_for(MANAGER, contains="#1")
    assert "081234567890 · Telkomsel" in card.text and "Pulsa 10.000" in card.text
    assert card.button_texts() == ["Approve", "Reject"]
    emu.press(MANAGER, card.message_id, button_text="Approve")
    await emu.wait_for(MANAGER, contains="serial number")
    emu.send_text(MANAGER, "SN 4411-2233 <ok> & done")
    done = await emu.wait_for(SITI, contains="Serial number:")
    assert "SN 4411-2233 <ok> & done" in done.text

    store = await world.store()
    try:
        topup = await store.requests.get(1)
        assert topup.status is RequestStatus.COMPLETED
        assert topup.details["serial"] == "SN 4411-2233 <ok> & done"
        assert topup.details["operator"] == "telkomsel"
        trail = [e["to_status"] for e in await store.requests.history(1)]
        assert trail == ["submitted", "approved", "completed"]
    finally:
        await store.close()
    assert not [e for e in emu.errors if "parse entities" in e.description]


async def test_bad_numbers_get_an_example_and_cancel_leaves(world: World) -> None:
    emu = world.emu
    emu.send_text(BUDI, "/start LEPING")
    await emu.wait_for(BUDI, contains="Kios Desa Leping")
    emu.send_text(BUDI, "/topup")
    await emu.wait_for(BUDI, contains="Which number")
    emu.send_text(BUDI, "021 5551234")
    await emu.wait_for(BUDI, contains="not a mobile number")
    emu.send_text(BUDI, "12345")
    invalid = await emu.wait_for(BUDI, contains="0812 3456 7890")
    assert "valid" in invalid.text
    emu.send_text(BUDI, "0878-1234-5678")
    offer = await emu.wait_for(BUDI, contains="XL")
    emu.send_text(BUDI, "/cancel")
    await emu.wait_for(BUDI, contains="Top-up cancelled")
    query = emu.press(BUDI, offer.message_id, button_text="Pulsa 5.000 — IDR6,500")
    await emu.wait_callback_answered(query)  # a button of the ended dialog: answered, no effect
    store = await world.store()
    try:
        assert await store.requests.count_of_villager(BUDI) == 0
    finally:
        await store.close()


async def test_manager_rejects_topup_and_forged_serial_press_changes_nothing(world: World) -> None:
    emu = world.emu
    await join(world)
    emu.send_text(SITI, "/topup")
    ask = await emu.wait_for(SITI, contains="Which number")
    emu.press(SITI, ask.message_id, button_text="My number 081234567890")
    offer = await emu.wait_for(SITI, contains="Telkomsel")
    emu.press(SITI, offer.message_id, button_text="Pulsa 5.000 — IDR6,500")
    summary = await emu.wait_for(SITI, contains="Please check")
    emu.press(SITI, summary.message_id, button_text="Confirm")
    await emu.wait_for(SITI, contains="Top-up sent")

    emu.press(SITI, forge="req:1:ap")  # the villager tries to approve her own top-up
    card = await emu.wait_for(MANAGER, contains="#1")
    emu.press(MANAGER, card.message_id, button_text="Reject")
    await emu.wait_for(MANAGER, contains="Why do you reject")
    emu.send_text(MANAGER, "Server operator sedang gangguan")
    rejected = await emu.wait_for(SITI, contains="rejected")
    assert "Server operator sedang gangguan" in rejected.text
    store = await world.store()
    try:
        assert (await store.requests.get(1)).status is RequestStatus.REJECTED
        actors = [e["actor_id"] for e in await store.requests.history(1)]
        assert actors == [SITI, MANAGER]
    finally:
        await store.close()
