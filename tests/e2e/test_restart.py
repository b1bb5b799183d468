"""The bot as a real process: killed mid-dialog or mid-delivery, it carries on after a restart."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.devtools.emulator import BotApiEmulator, server
from bot.devtools.emulator.models import ApiError
from bot.devtools.emulator.params import Call
from bot.devtools.emulator.state import EmulatorState
from storage import Storage
from storage.persistence import DatabasePersistence
from tests.conftest import open_storage
from tests.e2e.conftest import (
    MANAGER,
    SITI,
    TOKEN,
    eventually,
    join,
    label,
    order_in_chat,
    part_of,
    seed,
    shown,
    start_manager,
)

ROOT = Path(__file__).parents[2]
# A cold start imports PTB, SQLAlchemy and Alembic and migrates: allow for a slow machine.
START_TIMEOUT_S = 20.0


class BotProcess:
    """One `python -m bot.cli run`, its output kept in a file for failure messages."""

    def __init__(self, proc: asyncio.subprocess.Process, log_path: Path) -> None:
        self.proc = proc
        self.log_path = log_path

    def output(self) -> str:
        """Everything the process wrote to stdout and stderr so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    async def wait_exit(self, timeout: float = 15.0) -> int:  # noqa: ASYNC109
        """The exit code, failing with the bot's output if it takes longer than `timeout`."""
        try:
            return await asyncio.wait_for(self.proc.wait(), timeout)
        except TimeoutError:
            raise AssertionError(f"the bot did not exit in {timeout}s:\n{self.output()}") from None


class Bots:
    """Starts bot processes against one emulator and database; kills leftovers at the end."""

    def __init__(self, emu: BotApiEmulator, database_url: str, tmp_path: Path) -> None:
        self.emu = emu
        self.database_url = database_url
        self.tmp_path = tmp_path
        self.started: list[BotProcess] = []

    async def start(self) -> BotProcess:
        """Start a bot process and wait until it polls for updates."""
        env = {
            **os.environ,
            "BOT_TOKEN": TOKEN,
            "DATABASE_URL": self.database_url,
            "TELEGRAM_API_URL": self.emu.url,
            "PYTHONPATH": str(ROOT),
            "PYTHONUNBUFFERED": "1",
        }
        log_path = self.tmp_path / f"bot{len(self.started) + 1}.log"
        polls = self.emu.stats.requests["getUpdates"]
        with log_path.open("wb") as log:
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot.cli",
                "run",
                cwd=self.tmp_path,  # away from the repository's .env
                env=env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
            )
        bot = BotProcess(proc, log_path)
        self.started.append(bot)

        async def polling() -> bool | None:
            if proc.returncode is not None:
                raise AssertionError(f"the bot exited with {proc.returncode}:\n{bot.output()}")
            return True if self.emu.stats.requests["getUpdates"] > polls else None

        await eventually(polling, "the bot to poll for updates", START_TIMEOUT_S)
        return bot

    def database(self) -> contextlib.AbstractAsyncContextManager[Storage]:
        """A connection of the test's own to the bots' database, for the block."""
        return open_storage(self.database_url)

    def outputs(self) -> str:
        """The output of every process started, for failure messages."""
        return "\n".join(f"--- {b.log_path.name}\n{b.output()}" for b in self.started)

    async def kill_all(self) -> None:
        """SIGKILL whatever still runs and reap it."""
        for bot in self.started:
            if bot.proc.returncode is None:
                bot.proc.kill()
                await bot.proc.wait()


@pytest.fixture
async def bots(emu: BotApiEmulator, sqlite_url: str, tmp_path: Path) -> AsyncIterator[Bots]:
    """Bot processes over a seeded SQLite file; none survives the test."""
    await seed(sqlite_url)
    started = Bots(emu, sqlite_url, tmp_path)
    try:
        yield started
    finally:
        await started.kill_all()
        print(started.outputs())  # shown by pytest when the test failed


async def test_dialog_and_cart_survive_sigkill(bots: Bots) -> None:
    emu = bots.emu
    first = await bots.start()
    await start_manager(emu)
    await join(emu, SITI)
    emu.send_text(SITI, "minyak goreng")
    results = await emu.wait_for(SITI, contains=shown("shop.results", query="minyak goreng"))
    emu.press(SITI, results.message_id, button_text=results.buttons[0][0].text)
    card = await emu.wait_for(SITI, contains=part_of("shop.product"))
    emu.press(SITI, card.message_id, button_text="3")
    await emu.wait_for(SITI, lambda m: m.message_id == card.message_id and "✓ 3" in str(m.buttons))
    emu.press(SITI, card.message_id, button_text=label("shop.add_to_cart"))
    await emu.wait_for(SITI, contains=shown("shop.in_cart", quantity=3).strip())
    emu.send_text(SITI, "/cart")
    cart = await emu.wait_for(SITI, contains=part_of("cart.summary"))
    emu.press(SITI, cart.message_id, button_text=label("cart.checkout"))
    how = await emu.wait_for(SITI, contains=part_of("checkout.how"))
    emu.press(SITI, how.message_id, button_text=label("checkout.pickup"))
    await emu.wait_for(SITI, contains=part_of("checkout.ask_note"))

    # The dialog is saved right after the reply, in two writes (its step, then or before its
    # draft; see bot.app.flush_persistence): a kill inside that window of a few milliseconds
    # costs the villager this checkout (Confirm then says the button is no longer valid).
    # Kill once both are saved: that is what this test is about.
    async with bots.database() as store:
        dialogs = DatabasePersistence(store.db)

        async def dialog_saved() -> bool | None:
            step = (await dialogs.get_conversations("checkout")).get((SITI, SITI))
            draft = (await dialogs.get_user_data()).get(SITI, {}).get("checkout", {})
            return True if step == "note" and draft.get("fulfilment") == "pickup" else None

        await eventually(dialog_saved, "the checkout step and its draft to be saved")
    first.proc.kill()  # SIGKILL: no clean-up code runs
    assert await first.wait_exit() == -signal.SIGKILL

    await bots.start()
    emu.send_text(SITI, "Saya ambil sore <jam 4> & bawa tas")
    summary = await emu.wait_for(SITI, contains=part_of("checkout.summary"), timeout=15)
    assert "3 × Minyak Goreng 1 liter" in summary.text, bots.outputs()
    assert shown("card.pickup").strip() in summary.text
    assert "Saya ambil sore <jam 4> & bawa tas" in summary.text
    emu.press(SITI, summary.message_id, button_text=label("checkout.confirm"))
    done = await emu.wait_for(SITI, contains=part_of("checkout.submitted"))
    assert "#1" in done.text
    manager_card = await emu.wait_for(MANAGER, contains="🧾 #1 ·", after=0)
    assert "3 × Minyak Goreng 1 liter" in manager_card.text

    async with bots.database() as store:
        order = await store.requests.get(1)
    assert [(item.name, item.quantity) for item in order.items] == [("Minyak Goreng 1 liter", 3)]
    assert order.note == "Saya ambil sore <jam 4> & bawa tas"
    assert not [e for e in emu.errors if "parse entities" in e.description]
    assert " ERROR " not in bots.outputs(), bots.outputs()


Handler = Callable[[EmulatorState, Call], Awaitable[Any]]


class ManagerChatGate:
    """Holds the bot's sendMessage calls to the manager's chat: a slow, unreachable Telegram."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.closed = False
        self.held = asyncio.Event()
        self.release = asyncio.Event()
        self._original: Handler = server.METHODS["sendmessage"]
        monkeypatch.setitem(server.METHODS, "sendmessage", self._send_message)

    async def _send_message(self, state: EmulatorState, call: Call) -> Any:
        if self.closed and str(call.raw("chat_id")) == str(MANAGER):
            self.held.set()
            await self.release.wait()
            # The caller is gone by now: nothing reaches the chat.
            raise ApiError(502, "Bad Gateway")
        return await self._original(state, call)


async def test_undelivered_card_survives_sigkill_and_arrives_once(
    bots: Bots, monkeypatch: pytest.MonkeyPatch
) -> None:
    emu = bots.emu
    gate = ManagerChatGate(monkeypatch)
    first = await bots.start()
    await start_manager(emu)
    gate.closed = True
    await order_in_chat(emu, SITI)
    await asyncio.wait_for(gate.held.wait(), 10)  # the card is on its way, and stuck

    first.proc.kill()
    await first.wait_exit()
    gate.closed = False
    gate.release.set()
    async with bots.database() as store:
        assert await store.outbox.counts() == {"pending": 1}

        await bots.start()
        card = await emu.wait_for(MANAGER, contains="🧾 #1 ·", after=0, timeout=15)

        async def delivered() -> dict[str, int] | None:
            counts = await store.outbox.counts()
            return counts if "pending" not in counts else None

        assert await eventually(delivered, "the card's outbox row to settle") == {"sent": 1}
        assert (await store.requests.get(1)).manager_message_id == card.message_id
        await asyncio.sleep(0.6)  # one more outbox sweep of the new bot: nothing is sent again
        cards = [m for m in emu.messages(MANAGER) if m.text.startswith("🧾 #1 ·")]
        assert cards == [card], bots.outputs()

        # The new process carries on with the same card.
        emu.press(MANAGER, card.message_id, button_text=label("action.approve"))
        await emu.wait_for(SITI, contains=part_of("notify.approve"))
        await emu.wait_for(
            MANAGER,
            lambda m: m.message_id == card.message_id and label("status.approved") in m.text,
        )
    assert " ERROR " not in bots.outputs(), bots.outputs()


async def test_sigterm_stops_cleanly(bots: Bots) -> None:
    emu = bots.emu
    bot = await bots.start()
    await join(emu, SITI)  # it is serving, with a long poll open
    bot.proc.send_signal(signal.SIGTERM)
    code = await bot.wait_exit(timeout=15)
    assert code == 0, bots.outputs()
    output = bot.output()
    assert "stopping" in output
    assert "Traceback" not in output, output
