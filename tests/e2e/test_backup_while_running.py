"""`kiosdesa backup` while a real bot process takes a stream of orders, and `kiosdesa restore`.

Villagers check out in the chat (the bot process writes their orders) while a second front
counter submits more through the store; in the middle, the operator runs `kiosdesa backup`.
Restored into a fresh place, the backup holds every order committed before it started and
passes the migration check. A restore onto the database of a running bot is refused; once
that bot is killed with kill -9, nothing of it blocks the restore.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import sqlalchemy as sa

from bot.devtools.emulator import BotApiEmulator
from storage.db import Database
from storage.migration_check import migration_problems
from storage.schema import requests
from tests.conftest import open_storage
from tests.e2e.conftest import fill_cart, join, label, part_of, place_order, start_manager
from tests.e2e.test_restart import ROOT, Bots, bots  # noqa: F401 - the fixture

CHAT_VILLAGERS = range(760001, 769999)
COUNTER_VILLAGERS = iter(range(770001, 771000))
# Orders each stream has committed before the backup starts, and after it has finished.
BEFORE, AFTER = 3, 2


async def kiosdesa(workdir: Path, database_url: str, *args: str) -> tuple[int, str, str]:
    """Run `python -m bot.cli ARGS` beside the test's event loop; exit code, stdout, stderr."""
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        *args,
        cwd=workdir,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def check_out_in_chat(emu: BotApiEmulator, villager: int) -> None:
    """Join, put Minyakita (never out of stock) in the cart and check out for pickup."""
    await join(emu, villager)
    await fill_cart(emu, villager, search="minyakita")
    emu.send_text(villager, "/cart")
    step = await emu.wait_for(villager, contains=part_of("cart.summary"))
    for button, then in (
        ("cart.checkout", "checkout.how"),
        ("checkout.pickup", "checkout.ask_note"),
        ("checkout.skip_note", "checkout.summary"),
        ("checkout.confirm", "checkout.submitted"),
    ):
        emu.press(villager, step.message_id, button_text=label(button))
        step = await emu.wait_for(villager, contains=part_of(then))


class Streams:
    """The two streams of orders, and which orders each has seen committed."""

    def __init__(self, emu: BotApiEmulator, database_url: str) -> None:
        self.emu = emu
        self.database_url = database_url
        self.in_chat: list[int] = []  # villagers who saw "Order sent"
        self.at_counter: list[int] = []  # ids the store returned
        self.stop = asyncio.Event()

    async def chat(self) -> None:
        """Villagers check out one after another in the chat, until told to stop."""
        for villager in CHAT_VILLAGERS:
            if self.stop.is_set():
                return
            self.emu.user(villager, f"Warga{villager}", language_code="en")
            await check_out_in_chat(self.emu, villager)
            self.in_chat.append(villager)
            await asyncio.sleep(0.2)

    async def counter(self) -> None:
        """Orders submitted through the store, one after another, until told to stop."""
        async with open_storage(self.database_url) as store:
            while not self.stop.is_set():
                items = {"Minyakita 1 liter": 1}
                order = await place_order(store, next(COUNTER_VILLAGERS), items)
                self.at_counter.append(order.id)
                await asyncio.sleep(0.05)

    async def until(self, chat: int, counter: int, running: list[asyncio.Task[None]]) -> None:
        """Wait until each stream has committed at least so many orders."""
        while len(self.in_chat) < chat or len(self.at_counter) < counter:
            for stream in running:
                if stream.done():
                    stream.result()  # its failure, if it failed
                    raise AssertionError("a stream of orders ended early")
            await asyncio.sleep(0.05)


async def orders_in(database_url: str) -> dict[int, int]:
    """Order id -> villager, of every request in the database."""
    async with open_storage(database_url) as store:
        rows = await store.db.fetch(sa.select(requests.c.id, requests.c.villager_id))
    return {row.id: row.villager_id for row in rows}


async def test_a_backup_taken_during_a_stream_of_orders_restores_every_order_before_it(
    bots: Bots,  # noqa: F811 - the fixture imported above
    tmp_path: Path,
) -> None:
    bot = await bots.start()
    await start_manager(bots.emu)
    streams = Streams(bots.emu, bots.database_url)
    running = [asyncio.create_task(streams.chat()), asyncio.create_task(streams.counter())]
    await streams.until(BEFORE, BEFORE, running)
    chat_before, counter_before = list(streams.in_chat), list(streams.at_counter)

    code, out, err = await kiosdesa(tmp_path, bots.database_url, "backup", "backup.db")
    assert (code, err) == (0, ""), err
    assert out.startswith(f"backed up {bots.database_url} to backup.db")

    await streams.until(len(streams.in_chat) + AFTER, len(streams.at_counter) + AFTER, running)
    streams.stop.set()
    await asyncio.gather(*running)

    fresh = f"sqlite:///{tmp_path / 'elsewhere' / 'restored.db'}"
    (tmp_path / "elsewhere").mkdir()
    code, out, err = await kiosdesa(tmp_path, fresh, "restore", "backup.db")
    assert (code, err) == (0, ""), err
    assert "migration check passed" in out

    restored, final = await orders_in(fresh), await orders_in(bots.database_url)
    assert set(counter_before) <= set(restored)
    assert set(chat_before) <= set(restored.values())
    assert restored.items() <= final.items()  # the backup made up nothing
    assert len(final) > len(restored)  # and the stream went on after it
    db = Database(fresh)
    try:
        assert await migration_problems(db) == []
    finally:
        await db.close()

    code, out, err = await kiosdesa(tmp_path, bots.database_url, "restore", "backup.db")
    assert code == 2
    # On SQLite the lock file names the bot's process.
    held_by = f" (pid {bot.proc.pid})" if bots.database_url.startswith("sqlite") else ""
    assert err == f"kiosdesa: the bot is running on this database{held_by}: stop it first\n"
    assert await orders_in(bots.database_url) == final  # nothing restored over it

    bot.proc.kill()  # kill -9: the bot cleans nothing up
    await bot.proc.wait()
    code, out, err = await kiosdesa(
        tmp_path, bots.database_url, "restore", "--replace", "backup.db"
    )
    assert (code, err) == (0, ""), err
    assert await orders_in(bots.database_url) == restored
