"""Webhook delivery: updates POSTed with the secret header, retried in order, 409 for polling."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiohttp import web

from bot.devtools.emulator import SECRET_HEADER, BotApiEmulator, RetryPolicy
from bot.devtools.emulator.webhook import NOT_ROUTED

from .test_bots import BUDI, LEPING_TOKEN, SITI, SUMBER_TOKEN, call, leping, sumber

WEBHOOK_ACTIVE = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)


class Receiver:
    """A bot's webhook endpoint: records each post; answers the planned failures first."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, str | None, dict[str, Any]]] = []
        self.failures: list[int] = []  # statuses to answer before accepting again
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        """Listen on a free loopback port."""
        app = web.Application()
        app.router.add_post("/{path:.*}", self._receive)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"

    async def stop(self) -> None:
        """Shut the endpoint down."""
        if self._runner is not None:
            await self._runner.cleanup()

    async def _receive(self, request: web.Request) -> web.Response:
        """Record the post; fail it if a failure is planned."""
        update = await request.json()
        self.posts.append((request.path, request.headers.get(SECRET_HEADER), update))
        if self.failures:
            return web.Response(status=self.failures.pop(0))
        return web.Response(text="")

    def texts(self, path: str | None = None) -> list[str]:
        """Message texts posted (to one path, if given), in arrival order."""
        return [u["message"]["text"] for p, _, u in self.posts if path in (None, p)]


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    """A running webhook endpoint."""
    endpoint = Receiver()
    await endpoint.start()
    yield endpoint
    await endpoint.stop()


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    """Two bots; failed posts are retried after 10-50 ms."""
    retry = RetryPolicy(first_s=0.01, longest_s=0.05, answer_timeout_s=2.0)
    async with BotApiEmulator(webhook_retry=retry) as emulator:
        emulator.add_bot(LEPING_TOKEN, username="kios_leping_bot")
        emulator.add_bot(SUMBER_TOKEN, username="kios_sumber_bot")
        yield emulator
    await asyncio.sleep(0)
    current = asyncio.current_task()
    stray = [t for t in asyncio.all_tasks() if t is not current and not t.done()]
    assert not stray, f"tasks left running: {stray}"


async def until(check: Callable[[], bool], within: float = 5.0) -> None:
    """Wait (polling) until check() holds; fail after `within` seconds."""
    deadline = asyncio.get_running_loop().time() + within
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "condition never held"
        await asyncio.sleep(0.01)


async def webhook_info(emu: BotApiEmulator, token: str) -> dict[str, Any]:
    """getWebhookInfo's result."""
    result: dict[str, Any] = (await call(emu, token, "getWebhookInfo"))["result"]
    return result


async def test_each_bot_gets_its_updates_posted_with_its_secret(
    emu: BotApiEmulator, receiver: Receiver
) -> None:
    """Two bots, two webhooks: each update reaches its own bot's path with that bot's secret."""
    await call(emu, LEPING_TOKEN, "setWebhook", url=f"{receiver.url}/tg/leping", secret_token="s-1")
    await call(emu, SUMBER_TOKEN, "setWebhook", url=f"{receiver.url}/tg/sumber", secret_token="s-2")
    leping(emu).send_text(BUDI, "minyak")
    sumber(emu).send_text(BUDI, "beras")
    leping(emu).send_text(SITI, "gula")
    await leping(emu).wait_idle()
    await sumber(emu).wait_idle()
    by_path = {(p, secret, u["message"]["text"]) for p, secret, u in receiver.posts}
    assert by_path == {
        ("/tg/leping", "s-1", "minyak"),
        ("/tg/leping", "s-1", "gula"),
        ("/tg/sumber", "s-2", "beras"),
    }
    assert receiver.texts("/tg/leping") == ["minyak", "gula"]
    assert await webhook_info(emu, LEPING_TOKEN) == {
        "url": f"{receiver.url}/tg/leping",
        "has_custom_certificate": False,
        "pending_update_count": 0,
        "max_connections": 40,
    }
    assert leping(emu).stats.webhook_posts == 2 and sumber(emu).stats.webhook_posts == 1


async def test_a_failing_receiver_gets_the_updates_again_in_order(
    emu: BotApiEmulator, receiver: Receiver
) -> None:
    """A 500 and a 502 are retried; nothing later overtakes the update that failed."""
    receiver.failures = [500, 502]
    await call(emu, LEPING_TOKEN, "setWebhook", url=f"{receiver.url}/hook")
    for text in ("satu", "dua", "tiga"):
        leping(emu).send_text(BUDI, text)
    await leping(emu).wait_idle()
    assert receiver.texts() == ["satu", "satu", "satu", "dua", "tiga"]
    assert all(secret is None for _, secret, _ in receiver.posts)  # no secret was set
    info = await webhook_info(emu, LEPING_TOKEN)
    assert info["pending_update_count"] == 0
    assert info["last_error_message"] == "Wrong response from the webhook: 502 Bad Gateway"
    assert isinstance(info["last_error_date"], int)
    assert leping(emu).stats.webhook_failures == 2


async def test_an_unreachable_receiver_keeps_the_updates_pending(emu: BotApiEmulator) -> None:
    """Nobody listening: the error is recorded and the update waits for the receiver."""
    with socket.socket() as probe:  # a port that was free a moment ago, now closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    await call(emu, LEPING_TOKEN, "setWebhook", url=f"http://127.0.0.1:{port}/hook")
    leping(emu).send_text(BUDI, "halo")
    await until(lambda: leping(emu).webhook.last_error_message == "Connection refused")
    info = await webhook_info(emu, LEPING_TOKEN)
    assert info["pending_update_count"] == 1
    assert info["last_error_message"] == "Connection refused"


async def test_polling_is_refused_while_a_webhook_is_set(
    emu: BotApiEmulator, receiver: Receiver
) -> None:
    """getUpdates is 409 with a webhook, a pending long poll ends, and it works once deleted."""
    poll = asyncio.create_task(call(emu, LEPING_TOKEN, "getUpdates", expect=409, timeout=5))
    await until(lambda: leping(emu).stats.requests["getUpdates"] == 1)
    await call(emu, LEPING_TOKEN, "setWebhook", url=f"{receiver.url}/hook")
    assert (await poll)["description"] == "Conflict: terminated by setWebhook request"
    body = await call(emu, LEPING_TOKEN, "getUpdates", expect=409)
    assert body["description"] == WEBHOOK_ACTIVE
    assert (await call(emu, SUMBER_TOKEN, "getUpdates"))["result"] == []  # the other bot polls
    await call(emu, LEPING_TOKEN, "deleteWebhook")
    leping(emu).send_text(BUDI, "lewat polling")
    updates = (await call(emu, LEPING_TOKEN, "getUpdates"))["result"]
    assert [u["message"]["text"] for u in updates] == ["lewat polling"]
    assert receiver.posts == []
    assert (await webhook_info(emu, LEPING_TOKEN))["url"] == ""


async def test_a_public_url_is_delivered_where_it_is_routed(
    emu: BotApiEmulator, receiver: Receiver
) -> None:
    """An https webhook is posted to its route; an unrouted one never leaves the machine."""
    emu.route_webhook("https://kios.example/", f"{receiver.url}/")
    await call(emu, LEPING_TOKEN, "setWebhook", url="https://kios.example/tg/leping")
    await call(emu, SUMBER_TOKEN, "setWebhook", url="https://elsewhere.example/tg")
    leping(emu).send_text(BUDI, "minyak")
    sumber(emu).send_text(BUDI, "beras")
    await leping(emu).wait_idle()
    assert receiver.texts("/tg/leping") == ["minyak"]
    await until(lambda: sumber(emu).webhook.last_error_message == NOT_ROUTED)
    assert sumber(emu).pending_updates == 1
    body = await call(emu, SUMBER_TOKEN, "setWebhook", expect=400, url="http://kios.example/x")
    assert (
        body["description"] == "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
    )
    body = await call(
        emu, SUMBER_TOKEN, "setWebhook", expect=400, url="https://a.b/", secret_token="a b"
    )
    assert body["description"] == "Bad Request: secret token contains unallowed characters"


async def test_a_route_to_several_receivers_falls_to_the_next_when_one_is_down(
    emu: BotApiEmulator,
) -> None:
    """As a load balancer: the first receiver that takes the connection gets each post; one
    that stopped listening is passed over, and nothing is lost on the way."""
    first, second = Receiver(), Receiver()
    for endpoint in (first, second):
        await endpoint.start()
    try:
        emu.route_webhook("https://kios.example/", f"{first.url}/", f"{second.url}/")
        await call(emu, LEPING_TOKEN, "setWebhook", url="https://kios.example/tg/leping")
        leping(emu).send_text(BUDI, "minyak")
        await leping(emu).wait_idle()
        await first.stop()  # its process died: the balancer sends to the other one
        leping(emu).send_text(BUDI, "beras")
        await leping(emu).wait_idle()
    finally:
        await second.stop()
    assert first.texts() == ["minyak"]
    assert second.texts("/tg/leping") == ["beras"]
    stats = leping(emu).stats
    assert stats.webhook_receivers == {first.url[7:]: 1, second.url[7:]: 1}
    assert stats.webhook_failures == 0


async def test_allowed_updates_and_dropping_pending_ones(
    emu: BotApiEmulator, receiver: Receiver
) -> None:
    """Only the update types asked for are posted; drop_pending_updates forgets the queue."""
    leping(emu).send_text(BUDI, "sebelum webhook")
    await call(
        emu,
        LEPING_TOKEN,
        "setWebhook",
        url=f"{receiver.url}/hook",
        allowed_updates=["callback_query"],
        drop_pending_updates=True,
    )
    markup = {"inline_keyboard": [[{"text": "Pesan", "callback_data": "o:1"}]]}
    await call(emu, LEPING_TOKEN, "sendMessage", chat_id=BUDI, text="Beras", reply_markup=markup)
    leping(emu).send_text(BUDI, "teks biasa")
    leping(emu).press(BUDI, button_text="Pesan")
    await leping(emu).wait_idle()
    assert [sorted(set(u) - {"update_id"}) for _, _, u in receiver.posts] == [["callback_query"]]
    assert (await webhook_info(emu, LEPING_TOKEN))["allowed_updates"] == ["callback_query"]


async def test_a_bot_left_in_webhook_mode_can_be_arranged_directly(emu: BotApiEmulator) -> None:
    """A test may start from a webhook set earlier (e.g. by another deployment of the bot)."""
    emu.state.webhook_url = "https://shop.example/hook"
    assert (await webhook_info(emu, LEPING_TOKEN))["url"] == "https://shop.example/hook"
    await call(emu, LEPING_TOKEN, "getUpdates", expect=409)
