"""Webhook mode, kill -9: two `kiosdesa run --webhook` processes on one PostgreSQL database
serve two bots behind one public address, as a load balancer gives it (the emulator posts to
the first process that takes the connection). The holder of the default bot is killed while
it handles a villager's press it has answered 200 for; the other process takes the bot over
within the lease time, handles that press from the inbox, and both villagers, mid-checkout
through the kill, finish their orders: each order exists once."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable

import sqlalchemy as sa

from bot.devtools.emulator import EmulatedBot, Fault, SentMessage
from storage.schema import requests
from tests.conftest import open_storage
from tests.e2e.conftest import MANAGER, SITI, eventually, fill_cart, label, part_of
from tests.e2e.test_two_bots import BUDI, MANAGER_B
from tests.e2e.test_two_processes import (
    START_TIMEOUT_S,
    Deployment,
    Process,
    deployment,  # noqa: F401 - the fixture
    serving_as_leased,
    spread_over,
)
from tests.e2e.test_webhook_mode import PUBLIC, free_port

# Longer than the moment from the holder's call to the kill: the call is still unanswered.
STALLED_SEND_S = 10.0


async def start_behind_one_address(running: Deployment) -> dict[int, Process]:
    """Two processes in webhook mode, each listening on its own port; by the port each
    listens on, once each serves one of the two bots."""
    ports = (free_port(), free_port())
    started = [
        await running.start_process("--webhook", PUBLIC, "--listen", f"127.0.0.1:{port}")
        for port in ports
    ]
    pids = {process.proc.pid for process in started}
    await eventually(
        lambda: spread_over(running, pids), "one bot for each process", START_TIMEOUT_S
    )
    return dict(zip(ports, started, strict=True))


async def to_the_note(bot: EmulatedBot, villager: int, code: str, name: str) -> SentMessage:
    """The villager joins the center, fills the cart and checks out for pickup, up to the
    question for a note."""
    bot.send_text(villager, f"/start {code}")
    await bot.wait_for(villager, contains=name, timeout=START_TIMEOUT_S)
    await fill_cart(bot, villager)
    bot.send_text(villager, "/cart")
    cart = await bot.wait_for(villager, contains=part_of("cart.summary"))
    bot.press(villager, cart.message_id, button_text=label("cart.checkout"))
    how = await bot.wait_for(villager, contains=part_of("checkout.how"))
    bot.press(villager, how.message_id, button_text=label("checkout.pickup"))
    return await bot.wait_for(villager, contains=part_of("checkout.ask_note"))


async def confirm_from_the_summary(bot: EmulatedBot, villager: int) -> SentMessage:
    """The villager, shown the summary, confirms; the bot's answer."""
    summary = await bot.wait_for(villager, contains=part_of("checkout.summary"), timeout=20.0)
    bot.press(villager, summary.message_id, button_text=label("checkout.confirm"))
    return await bot.wait_for(villager, contains=part_of("checkout.submitted"))


async def orders_by_villager(database_url: str) -> dict[int, int]:
    """How many requests each villager has."""
    async with open_storage(database_url) as store, store.db.read() as conn:
        count = sa.func.count(requests.c.id)
        query = sa.select(requests.c.villager_id, count).group_by(requests.c.villager_id)
        return {int(row[0]): int(row[1]) for row in (await conn.execute(query)).all()}


async def test_after_kill_9_the_other_process_handles_what_the_dead_one_accepted(
    deployment: Deployment,  # noqa: F811 - the fixture
) -> None:
    default, klaten = deployment.default, deployment.klaten
    by_port = await start_behind_one_address(deployment)
    holders = await deployment.holders()
    doomed_port = next(p for p, proc in by_port.items() if proc.proc.pid == holders[default.id])
    survivor_port = next(p for p in by_port if p != doomed_port)
    doomed, survivor = by_port[doomed_port], by_port[survivor_port]
    await eventually(lambda: serving_as_leased(doomed, survivor), "each serving its bot")
    # The balancer: every post to the doomed process while it lives, then to the survivor.
    local = [f"http://127.0.0.1:{port}/" for port in (doomed_port, survivor_port)]
    deployment.emu.route_webhook("https://kios.example/", *local)

    siti_note, budi_note = await asyncio.gather(
        to_the_note(default, SITI, "LEPING", "Kios Desa Leping"),
        to_the_note(klaten, BUDI, "KLATEN", "Kios Klaten"),
    )
    notes = {SITI: siti_note.message_id, BUDI: budi_note.message_id}
    # Siti skips the note; the holder stores her press, answers 200, and its reply hangs.
    default.faults.queue("sendmessage", Fault.hang(STALLED_SEND_S), chat_id=SITI)
    default.press(SITI, siti_note.message_id, button_text=label("checkout.skip_note"))
    await eventually(_stalled(default), "the holder replying to Siti's press")
    async with open_storage(deployment.database_url) as store:
        accepted = await store.inbox.unhandled(default.id)
    assert [update.user_id for update in accepted] == [SITI]
    doomed.proc.kill()  # SIGKILL: no clean-up, its lease runs out by itself
    await doomed.proc.wait()

    # Budi's press falls to the survivor at once; Siti's comes back from the inbox.
    klaten.press(BUDI, budi_note.message_id, button_text=label("checkout.skip_note"))
    siti_sent, budi_sent = await asyncio.gather(
        confirm_from_the_summary(default, SITI), confirm_from_the_summary(klaten, BUDI)
    )
    assert set((await deployment.holders()).values()) == {survivor.proc.pid}
    orders = await orders_by_villager(deployment.database_url)
    assert orders == {SITI: 1, BUDI: 1}
    for bot, villager, sent, manager in (
        (default, SITI, siti_sent, MANAGER),
        (klaten, BUDI, budi_sent, MANAGER_B),
    ):
        number = sent.text.split("#", 1)[1].split()[0].strip(".,")
        await bot.wait_for(manager, contains=f"#{number}", after=0)  # the order's card
        # One summary after the note, turned into the order's number: the press handled once.
        after_note = [m.text for m in bot.messages(villager) if m.message_id > notes[villager]]
        assert after_note == [sent.text]
    async with open_storage(deployment.database_url) as store:
        for bot in (default, klaten):
            assert await store.inbox.unhandled(bot.id) == []
        assert await store.outbox.possible_duplicates() == []
    receivers = default.stats.webhook_receivers + klaten.stats.webhook_receivers
    assert receivers[f"127.0.0.1:{doomed_port}"] > 0
    assert receivers[f"127.0.0.1:{survivor_port}"] > 0
    survivor.proc.send_signal(signal.SIGTERM)
    code = await asyncio.wait_for(survivor.proc.wait(), START_TIMEOUT_S)
    output = survivor.output()
    assert code == 0, output
    assert "Traceback" not in output, output


def _stalled(bot: EmulatedBot) -> Callable[[], Awaitable[bool | None]]:
    """A check: True once the bot's planned hang was given (its holder is mid-reply)."""

    async def check() -> bool | None:
        return True if bot.faults.injected else None

    return check
