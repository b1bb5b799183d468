"""Webhook mode: Telegram posts the updates to `kiosdesa run --webhook`'s server, each bot on
its own path with its own secret; posts without the secret are refused and store nothing, and
an update posted twice is handled once."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import sqlalchemy as sa

from bot.config import ConfigError, Settings
from bot.devtools.emulator import BotApiEmulator
from bot.runner import run_bot
from bot.transport.inbox_gate import bot_id_of
from bot.transport.webhook import SECRET_HEADER, webhook_secret
from storage.schema import inbox
from tests.e2e.conftest import (
    BUDI,
    MANAGER,
    SITI,
    TOKEN,
    World,
    eventually,
    join,
    order_in_chat,
    part_of,
    world_on,
)

PUBLIC = "https://kios.example/telegram"
BOT_ID = bot_id_of(TOKEN)
# Far above the emulator's own numbering, so a hand-made update never meets one of its own.
POSTED_UPDATE_ID = 900_000


def free_port() -> int:
    """A loopback port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
async def webhook_world(emu: BotApiEmulator, sqlite_url: str) -> AsyncIterator[World]:
    """The bot in webhook mode behind a stand-in for the operator's HTTPS proxy."""
    port = free_port()
    emu.route_webhook("https://kios.example/", f"http://127.0.0.1:{port}/")
    listen = f"127.0.0.1:{port}"
    async with world_on(emu, sqlite_url, webhook_url=PUBLIC, webhook_listen=listen) as world:
        await eventually(lambda: webhook_set(emu), "the webhook set at Telegram")
        yield world


async def webhook_set(emu: BotApiEmulator) -> bool | None:
    """True once the bot has asked Telegram to post its updates."""
    return True if emu.default_bot.webhook.url else None


def local_url(world: World) -> str:
    """The bot's path on this process's webhook server."""
    return f"http://{world.settings.webhook_listen}/telegram/{BOT_ID}"


def start_update(update_id: int, user_id: int, name: str) -> dict[str, Any]:
    """An update as Telegram posts it: the user opens the center's deep link."""
    person = {"id": user_id, "is_bot": False, "first_name": name, "language_code": "en"}
    text = "/start LEPING"
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": name},
            "from": person,
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len("/start")}],
        },
    }


async def post(world: World, body: Any, secret: str | None) -> int:
    """POST to the bot's webhook path as Telegram would (secret None: no header)."""
    headers = {} if secret is None else {SECRET_HEADER: secret}
    async with aiohttp.ClientSession() as session:
        kwargs: dict[str, Any] = {"data": body} if isinstance(body, bytes) else {"json": body}
        async with session.post(local_url(world), headers=headers, **kwargs) as answer:
            return answer.status


async def stored(world: World, update_id: int) -> bool:
    """Whether the inbox holds the update."""
    query = sa.select(inbox.c.update_id).where(inbox.c.update_id == update_id)
    async with world.database() as store:
        return bool(await store.db.fetch(query))


def welcomes(world: World, user_id: int) -> int:
    """How many times the user was welcomed to the center."""
    welcome = part_of("onboarding.welcome", center="Kios Desa Leping")
    return sum(welcome in m.text for m in world.emu.messages(user_id))


async def test_a_villager_joins_and_orders_through_the_webhook(webhook_world: World) -> None:
    emu = webhook_world.emu
    webhook = emu.default_bot.webhook
    assert webhook.url == f"{PUBLIC}/{BOT_ID}"  # the bot's own path
    assert webhook.secret_token == webhook_secret(TOKEN)
    assert webhook.secret_token is not None and TOKEN.split(":")[1] not in webhook.secret_token
    submitted = await order_in_chat(emu, SITI)
    assert "#" in submitted.text
    await emu.wait_for(MANAGER, contains="Siti", after=0)  # the order's card, from the outbox
    assert emu.default_bot.stats.webhook_posts >= 7  # every step came by webhook
    assert emu.default_bot.stats.requests["getUpdates"] == 0


async def test_posts_without_the_secret_are_refused_and_store_nothing(
    webhook_world: World,
) -> None:
    update = start_update(POSTED_UPDATE_ID, BUDI, "Budi")
    assert await post(webhook_world, update, None) == 403
    assert await post(webhook_world, update, "not-the-secret") == 403
    assert await post(webhook_world, update, TOKEN) == 403  # the token is not the secret
    right = webhook_secret(TOKEN)
    assert await post(webhook_world, b"not json", right) == 400
    assert await post(webhook_world, {"message": {"text": "hi"}}, right) == 400
    assert not await stored(webhook_world, POSTED_UPDATE_ID)
    # Budi is answered only for what comes with the secret: his own /cart through Telegram.
    webhook_world.emu.send_text(BUDI, "/cart")
    await webhook_world.emu.wait_for(BUDI)
    assert welcomes(webhook_world, BUDI) == 0


async def test_an_update_posted_twice_is_handled_once(webhook_world: World) -> None:
    update = start_update(POSTED_UPDATE_ID, BUDI, "Budi")
    right = webhook_secret(TOKEN)
    emu = webhook_world.emu
    before = emu.mark()
    assert await post(webhook_world, update, right) == 200
    assert await stored(webhook_world, POSTED_UPDATE_ID)  # stored before the 200
    await emu.wait_for(BUDI, contains="Kios Desa Leping", after=before)
    assert await post(webhook_world, update, right) == 200  # Telegram posts it again
    # A later update of Budi's is handled after the repeated one would have been.
    emu.send_text(BUDI, "/cart")
    await emu.wait_for(BUDI)
    assert welcomes(webhook_world, BUDI) == 1


async def test_back_to_long_polling_the_webhook_is_removed(
    emu: BotApiEmulator, sqlite_url: str
) -> None:
    emu.state.webhook_url = f"{PUBLIC}/{BOT_ID}"  # left by a run in webhook mode
    async with world_on(emu, sqlite_url):
        await join(emu, SITI)  # answered: polling gets the updates again
    assert emu.default_bot.webhook.url == ""


async def test_an_address_in_use_is_refused_in_one_line(
    emu: BotApiEmulator, sqlite_url: str
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        listen = f"127.0.0.1:{taken.getsockname()[1]}"
        settings = Settings(
            bot_token=TOKEN,
            database_url=sqlite_url,
            telegram_api_url=emu.url,
            webhook_url=PUBLIC,
            webhook_listen=listen,
        )
        with pytest.raises(ConfigError, match=f"cannot listen on {listen} for the webhook"):
            await run_bot(settings, asyncio.Event())
    assert emu.default_bot.webhook.url == ""  # Telegram was not asked to post anywhere
