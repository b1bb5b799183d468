"""A quote the villager does not answer in the center's time expires; both sides are told,
also when the bot was stopped while the time ran out."""

from __future__ import annotations

import asyncio

from bot.config import Settings
from bot.devtools.emulator import BotApiEmulator
from bot.domain.pipeline import RequestStatus
from storage import Storage
from tests.conftest import open_storage
from tests.e2e.conftest import (
    MANAGER,
    SITI,
    TOKEN,
    join,
    label,
    order_in_chat,
    part_of,
    running_bot,
    seed,
    shown,
    start_manager,
)


async def water_bill_quoted(emu: BotApiEmulator) -> None:
    """Siti asks for her water bill; the manager quotes it."""
    await start_manager(emu)
    await join(emu, SITI)
    emu.send_text(SITI, "/bill")
    kinds = await emu.wait_for(SITI, contains=shown("bill.ask_kind"))
    emu.press(SITI, kinds.message_id, button_text=label("bill.pdam"))
    await emu.wait_for(SITI, contains=shown("bill.ask_customer.pdam"))
    emu.send_text(SITI, "0123456789")
    summary = await emu.wait_for(SITI, contains=shown("bill.summary_quote"))
    emu.press(SITI, summary.message_id, button_text=label("bill.confirm"))
    card = await emu.wait_for(MANAGER, contains="#1")
    emu.press(MANAGER, card.message_id, button_text=label("action.quote"))
    await emu.wait_for(MANAGER, contains=shown("request.ask_quote", number=1))
    emu.send_text(MANAGER, "98000")
    await emu.wait_for(SITI, contains="IDR100,500")


async def test_unanswered_quote_expires_even_across_a_restart(
    emu: BotApiEmulator, sqlite_url: str
) -> None:
    await seed(sqlite_url)
    settings = Settings(
        bot_token=TOKEN,
        database_url=sqlite_url,
        telegram_api_url=emu.url,
        outbox_poll_seconds=0.3,
        quote_check_seconds=0.3,
    )
    async with open_storage(sqlite_url) as store:
        await store.centers.set_quote_ttl("LEPING", 2)
        async with running_bot(settings):
            await water_bill_quoted(emu)
            offer = emu.last_message(SITI)
        await asyncio.sleep(2.5)  # the bot is stopped while the quote's time runs out
        async with running_bot(settings):
            await emu.wait_for(SITI, contains=shown("notify.expire", number=1), after=0)
            await emu.wait_for(MANAGER, contains=shown("manager.notify.expire", number=1), after=0)
            query = emu.press(SITI, offer.message_id, button_text=label("action.accept"))
            answer = await emu.wait_callback_answered(query)
            assert answer["text"] == label("request.stale")
        request = await store.requests.get(1)
        assert request.status is RequestStatus.CANCELLED
        trail = [(e["to_status"], e["actor_role"]) for e in await store.requests.history(1)]
        assert trail[-1] == ("cancelled", "system")


async def test_service_dialogs_carry_on_after_a_restart(
    emu: BotApiEmulator, sqlite_url: str
) -> None:
    await seed(sqlite_url)
    settings = Settings(
        bot_token=TOKEN, database_url=sqlite_url, telegram_api_url=emu.url, outbox_poll_seconds=0.3
    )
    async with running_bot(settings):
        await join(emu, SITI)
        emu.send_text(SITI, "/topup")
        await emu.wait_for(SITI, contains=part_of("topup.ask_number"))
    async with running_bot(settings):  # a new process would load the same saved dialog
        emu.send_text(SITI, "0857 1234 5678")
        offer = await emu.wait_for(SITI, contains="Indosat")
        assert "Pulsa 10.000 — IDR11,500" in offer.button_texts()
        emu.send_text(SITI, "/bill")
        kinds = await emu.wait_for(SITI, contains=shown("bill.ask_kind"))
        emu.press(SITI, kinds.message_id, button_text=label("bill.bpjs"))
        await emu.wait_for(SITI, contains=shown("bill.ask_customer.bpjs"))
    async with running_bot(settings):
        emu.send_text(SITI, "0001234567890")
        await emu.wait_for(SITI, contains=shown("bill.summary_quote"))


async def test_an_order_the_manager_leaves_unapproved_expires_and_frees_its_stock(
    emu: BotApiEmulator, sqlite_url: str
) -> None:
    await seed(sqlite_url)
    settings = Settings(
        bot_token=TOKEN,
        database_url=sqlite_url,
        telegram_api_url=emu.url,
        outbox_poll_seconds=0.3,
        quote_check_seconds=0.3,
    )
    async with open_storage(sqlite_url) as store:
        await store.centers.set_quote_ttl("LEPING", 2)
        async with running_bot(settings):
            await start_manager(emu)
            await order_in_chat(emu, SITI)  # one bottle of Minyak Goreng 1 liter
            card = await emu.wait_for(MANAGER, contains="🧾 #1 ·", after=0)
            assert await oil_in_stock(store) == 23
            await emu.wait_for(SITI, contains=shown("notify.goods.expire", number=1), timeout=10)
            await emu.wait_for(
                MANAGER, contains=shown("manager.notify.goods.expire", number=1), after=0
            )
            # The manager's card is edited in place: cancelled, no buttons left to press.
            edited = await emu.wait_for(
                MANAGER,
                lambda m: m.message_id == card.message_id and label("status.cancelled") in m.text,
                after=0,
            )
            assert edited.buttons == []
            assert len([m for m in emu.messages(MANAGER) if m.text.startswith("🧾 #1 ·")]) == 1
        assert (await store.requests.get(1)).status is RequestStatus.CANCELLED
        assert await oil_in_stock(store) == 24
        trail = [(e["to_status"], e["actor_role"]) for e in await store.requests.history(1)]
        assert trail == [("submitted", "villager"), ("cancelled", "system")]


async def oil_in_stock(store: Storage) -> int | None:
    """How many bottles of Minyak Goreng 1 liter are on Leping's shelf."""
    center = await store.centers.by_code("LEPING")
    rows = await store.catalog.export_rows(center.id, center.currency)
    return next(row.stock for row in rows if row.name == "Minyak Goreng 1 liter")
