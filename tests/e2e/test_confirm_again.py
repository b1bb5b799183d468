"""A Confirm whose "sent" reply never reached the villager, pressed again, shows the same request.

The request is committed, then its reply is lost: Telegram fails the edit of the summary, or
the bot is killed (SIGKILL) while the edit hangs. The villager presses the same Confirm again
and sees "Order sent" for the order made, with its card and buttons; the database holds that
one request, and the manager one card of it.
"""

from __future__ import annotations

import signal

from bot.devtools.emulator import Fault, SentMessage
from bot.domain.entities import ServiceRequest
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
    start_manager,
    to_summary,
)
from tests.e2e.test_restart import Bots, bots  # noqa: F401 - the fixture

# Long enough for the bot to be killed while it waits; the emulator answers 504 after it.
HANG_S = 20.0


async def the_order(store: Storage) -> ServiceRequest | None:
    """Siti's order, once it is committed."""
    made = await store.requests.of_villager(SITI, 5)
    return made[0] if made else None


def assert_sent(done: SentMessage, summary: SentMessage, order: ServiceRequest) -> None:
    """The summary became "Order sent" for `order`, with its card's buttons."""
    assert done.message_id == summary.message_id
    assert part_of("checkout.submitted") in done.text
    assert f"#{order.id}" in done.text
    assert "1 × Minyak Goreng 1 liter" in done.text
    assert done.buttons, "the card's buttons"


async def test_confirm_pressed_again_after_telegram_lost_its_reply(world: World) -> None:
    emu = world.emu
    await start_manager(emu)
    summary = await to_summary(emu, SITI)
    emu.faults.queue("editmessagetext", Fault.server_error(502), chat_id=SITI)

    emu.press(SITI, summary.message_id, button_text=label("checkout.confirm"))
    async with world.database() as store:
        order = await eventually(lambda: the_order(store), "the order to be committed")
    await eventually(
        lambda: _true_if(not emu.faults.pending), "the bot to try to show 'Order sent'"
    )
    shown_now = emu.state.chat(SITI).find(summary.message_id)
    assert shown_now is not None and part_of("checkout.summary") in shown_now.text

    emu.press(SITI, summary.message_id, button_text=label("checkout.confirm"))
    done = await emu.wait_for(SITI, contains=part_of("checkout.submitted"))

    assert_sent(done, summary, order)
    async with world.database() as store:
        assert await store.requests.count_of_villager(SITI) == 1
    card = await emu.wait_for(MANAGER, contains=f"🧾 #{order.id} ·", after=0)
    assert [m for m in emu.messages(MANAGER) if f"🧾 #{order.id} ·" in m.text] == [card]


async def test_confirm_pressed_again_after_the_bot_was_killed_before_its_reply(
    bots: Bots,  # noqa: F811 - the fixture imported above
) -> None:
    emu = bots.emu
    first = await bots.start()
    await start_manager(emu)
    summary = await to_summary(emu, SITI)
    async with bots.database() as store:
        dialogs = DatabasePersistence(store.db)

        async def summary_saved() -> bool | None:
            step = (await dialogs.get_conversations("checkout")).get((SITI, SITI))
            draft = (await dialogs.get_user_data()).get(SITI, {}).get("checkout", {})
            return True if step == "confirm" and draft.get("request_key") else None

        await eventually(summary_saved, "the summary step and its draft to be saved")
    emu.faults.queue("editmessagetext", Fault.hang(HANG_S), chat_id=SITI)

    emu.press(SITI, summary.message_id, button_text=label("checkout.confirm"))
    async with bots.database() as store:
        order = await eventually(lambda: the_order(store), "the order to be committed")
    await eventually(lambda: _true_if(not emu.faults.pending), "the edit into 'Order sent'")
    first.proc.kill()  # SIGKILL while the edit into "Order sent" hangs
    assert await first.wait_exit() == -signal.SIGKILL

    await bots.start()
    emu.press(SITI, summary.message_id, button_text=label("checkout.confirm"))
    done = await emu.wait_for(SITI, contains=part_of("checkout.submitted"), timeout=15)

    assert_sent(done, summary, order)
    async with bots.database() as store:
        assert await store.requests.count_of_villager(SITI) == 1
    await emu.wait_for(MANAGER, contains=f"🧾 #{order.id} ·", after=0)
    assert len([m for m in emu.messages(MANAGER) if f"🧾 #{order.id} ·" in m.text]) == 1
    assert " ERROR " not in bots.outputs(), bots.outputs()


async def test_top_up_confirmed_again_after_telegram_lost_its_reply(world: World) -> None:
    emu = world.emu
    await start_manager(emu)
    await join(emu, SITI)
    emu.send_text(SITI, "/topup")
    ask = await emu.wait_for(SITI, contains=part_of("topup.ask_number"))
    emu.send_text(SITI, "0812 3456 7890")
    offer = await emu.wait_for(SITI, contains="Telkomsel", after=ask.message_id)
    emu.press(SITI, offer.message_id, button_text="Pulsa 10.000 — IDR11,500")
    summary = await emu.wait_for(SITI, contains=part_of("topup.summary"))
    emu.faults.queue("editmessagetext", Fault.server_error(502), chat_id=SITI)

    emu.press(SITI, summary.message_id, button_text=label("topup.confirm"))
    async with world.database() as store:
        topup = await eventually(lambda: the_order(store), "the top-up to be committed")
    await eventually(lambda: _true_if(not emu.faults.pending), "the edit into 'sent'")
    emu.press(SITI, summary.message_id, button_text=label("topup.confirm"))
    sent = await emu.wait_for(SITI, contains=part_of("topup.submitted"))

    assert sent.message_id == summary.message_id
    assert f"#{topup.id}" in sent.text and "Pulsa 10.000" in sent.text
    async with world.database() as store:
        assert await store.requests.count_of_villager(SITI) == 1


async def _true_if(condition: bool) -> bool | None:
    return True if condition else None
