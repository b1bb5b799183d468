"""The inbox with the bot as a real process: nothing fetched is lost to a kill -9, nothing is
handled twice, not even what Telegram sends again."""

from __future__ import annotations

import asyncio
import json
import signal
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.devtools.emulator import BotApiEmulator, Fault, server
from bot.devtools.emulator.models import ApiError
from bot.devtools.emulator.params import Call
from bot.devtools.emulator.state import EmulatorState
from bot.domain.pipeline import RequestStatus
from bot.transport.inbox_gate import bot_id_of
from storage import Storage
from tests.e2e.conftest import (
    SITI,
    TOKEN,
    eventually,
    fill_cart,
    join,
    label,
    part_of,
    seed,
    shown,
    start_manager,
)
from tests.e2e.test_restart import Bots

BOT_ID = bot_id_of(TOKEN)


@pytest.fixture
async def bots(emu: BotApiEmulator, database_url: str, tmp_path: Path) -> AsyncIterator[Bots]:
    """Bot processes over a seeded SQLite file or PostgreSQL database; none survives the test."""
    await seed(database_url)
    started = Bots(emu, database_url, tmp_path)
    try:
        yield started
    finally:
        await started.kill_all()
        print(started.outputs())  # shown by pytest when the test failed


# Longer than the test needs: the bot is killed while Telegram keeps it waiting.
STUCK_S = 20.0


async def all_handled(store: Storage) -> bool | None:
    """True once the inbox holds no update waiting to be handled."""
    return True if not await store.inbox.unhandled(BOT_ID) else None


async def texts_waiting(store: Storage) -> list[str]:
    """What the updates stored but not handled say (a press shows its button's data)."""
    waiting = []
    for update in await store.inbox.unhandled(BOT_ID):
        sent = json.loads(update.payload)
        message = sent.get("message") or {}
        waiting.append(message.get("text") or sent.get("callback_query", {}).get("data", ""))
    return waiting


def count(emu: BotApiEmulator, chat_id: int, text: str) -> int:
    """How many messages in the chat contain `text`."""
    return sum(1 for message in emu.messages(chat_id) if text in message.text)


async def kill_once_fetched(emu: BotApiEmulator, running_bots: Bots) -> None:
    """Wait until the bot is stuck on a reply and has confirmed every update, then SIGKILL it."""

    async def stuck_and_confirmed() -> bool | None:
        return True if emu.faults.injected and len(emu.state.updates) == 0 else None

    await eventually(stuck_and_confirmed, "the bot to fetch, confirm and get stuck")
    running = running_bots.started[-1]
    running.proc.kill()
    assert await running.wait_exit() == -signal.SIGKILL
    emu.faults.clear()


async def test_updates_fetched_before_a_kill_are_answered_once_after_the_restart(
    bots: Bots,
) -> None:
    emu = bots.emu
    await bots.start()
    await start_manager(emu)
    await join(emu, SITI)
    # Telegram keeps the bot's reply to Siti's search waiting: her /cart waits behind it.
    emu.faults.queue("sendmessage", Fault.hang(STUCK_S), chat_id=SITI)
    emu.send_text(SITI, "minyak goreng")
    emu.send_text(SITI, "/cart")
    await kill_once_fetched(emu, bots)  # Telegram was told both arrived: it won't send them

    async with bots.database() as store:
        assert await texts_waiting(store) == ["minyak goreng", "/cart"]
        await bots.start()
        results = await emu.wait_for(SITI, contains=shown("shop.results", query="minyak goreng"))
        cart = await emu.wait_for(SITI, contains=shown("cart.empty"))
        await eventually(lambda: all_handled(store), "every update handled")
    assert results.message_id < cart.message_id  # in the order she sent them
    assert count(emu, SITI, shown("shop.results", query="minyak goreng")) == 1
    assert count(emu, SITI, shown("cart.empty")) == 1
    assert " ERROR " not in bots.outputs(), bots.outputs()


async def test_a_confirmed_checkout_stuck_behind_a_kill_becomes_one_order(
    bots: Bots,
) -> None:
    emu = bots.emu
    await bots.start()
    await start_manager(emu)
    await join(emu, SITI)
    await fill_cart(emu, SITI)
    emu.send_text(SITI, "/cart")
    cart = await emu.wait_for(SITI, contains=part_of("cart.summary"))
    emu.press(SITI, cart.message_id, button_text=label("cart.checkout"))
    how = await emu.wait_for(SITI, contains=part_of("checkout.how"))
    emu.press(SITI, how.message_id, button_text=label("checkout.pickup"))
    note = await emu.wait_for(SITI, contains=part_of("checkout.ask_note"))
    emu.press(SITI, note.message_id, button_text=label("checkout.skip_note"))
    summary = await emu.wait_for(SITI, contains=part_of("checkout.summary"))
    # She types instead of pressing (the reminder gets stuck), then presses Confirm.
    emu.faults.queue("sendmessage", Fault.hang(STUCK_S), chat_id=SITI)
    emu.send_text(SITI, "sudah")
    emu.press(SITI, summary.message_id, button_text=label("checkout.confirm"))
    await kill_once_fetched(emu, bots)

    async with bots.database() as store:
        assert len(await texts_waiting(store)) == 2
        assert await store.requests.of_villager(SITI, limit=10) == []
        await bots.start()
        done = await emu.wait_for(SITI, contains=part_of("checkout.submitted"), after=0)
        await eventually(lambda: all_handled(store), "every update handled")
        orders = await store.requests.of_villager(SITI, limit=10)
    assert [(o.id, o.status) for o in orders] == [(1, RequestStatus.SUBMITTED)]
    assert "#1" in done.text
    assert count(emu, SITI, part_of("checkout.submitted")) == 1
    assert count(emu, SITI, part_of("checkout.use_buttons")) == 1
    assert " ERROR " not in bots.outputs(), bots.outputs()


class ConfirmationGate:
    """Holds the bot's getUpdates calls that would confirm updates: Telegram never hears."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.hold_past: int | None = None  # calls confirming this update or later are held
        self.release = asyncio.Event()
        self._original = server.METHODS["getupdates"]
        monkeypatch.setitem(server.METHODS, "getupdates", self._get_updates)

    async def _get_updates(self, state: EmulatorState, call: Call) -> Any:
        if self.hold_past is not None and (call.int_opt("offset") or 0) > self.hold_past:
            await self.release.wait()
            raise ApiError(502, "Bad Gateway")  # the caller is gone by now
        return await self._original(state, call)


async def test_an_update_telegram_sends_again_after_a_restart_is_not_handled_twice(
    bots: Bots,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    emu = bots.emu
    gate = ConfirmationGate(monkeypatch)
    first = await bots.start()
    await start_manager(emu)
    await join(emu, SITI)
    search = emu.send_text(SITI, "minyak goreng")
    gate.hold_past = search["update_id"]  # the bot gets her search, Telegram never hears back
    await emu.wait_for(SITI, contains=shown("shop.results", query="minyak goreng"))
    async with bots.database() as store:
        await eventually(lambda: all_handled(store), "her search marked handled")
        first.proc.kill()
        assert await first.wait_exit() == -signal.SIGKILL
        gate.hold_past = None
        gate.release.set()
        assert len(emu.state.updates) == 1  # never confirmed: Telegram sends it again

        await bots.start()

        async def confirmed() -> bool | None:
            return True if len(emu.state.updates) == 0 else None

        await eventually(confirmed, "the bot to take and confirm it again")
        emu.send_text(SITI, "/cart")
        await emu.wait_for(SITI, contains=shown("cart.empty"))
        await eventually(lambda: all_handled(store), "her /cart marked handled")
    assert count(emu, SITI, shown("shop.results", query="minyak goreng")) == 1
    assert " ERROR " not in bots.outputs(), bots.outputs()
