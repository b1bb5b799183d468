"""The inbox gate on the wire: PTB sees a getUpdates answer only once the inbox holds it, and
a replayed press whose answer Telegram no longer takes still does its work."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Sequence
from typing import Any

import pytest
from aiohttp import web
from telegram import Bot, Update
from telegram.error import BadRequest, NetworkError

from bot.transport.inbox_gate import InboxGate, arrival, bot_id_of, sender_of
from bot.transport.wire import BotRequest, UpdatesRequest, stored_update
from bot.views.callbacks import PRESSED_SHOWED
from storage.inbox import ArrivedUpdate

SITI = 7001
TEXT = {
    "update_id": 10,
    "message": {
        "message_id": 1,
        "date": 0,
        "text": "minyak a\ud800",
        "from": {"id": SITI, "is_bot": False, "first_name": "Siti"},
        "chat": {"id": SITI, "type": "private"},
    },
}
PRESS = {
    "update_id": 11,
    "callback_query": {
        "id": "q1",
        "chat_instance": "c",
        "data": "a:1",
        "from": {"id": SITI, "is_bot": False, "first_name": "Siti"},
        "message": {
            "message_id": 2,
            "date": 0,
            "text": "Beras",
            "chat": {"id": SITI, "type": "private"},
            "reply_markup": {"inline_keyboard": [[{"text": "+", "callback_data": "a:1"}]]},
        },
    },
}


class RecordingInbox:
    """Stores what it is given, or fails as a database that went away does."""

    def __init__(self, *, failing: bool = False) -> None:
        self.failing = failing
        self.stored: dict[int, ArrivedUpdate] = {}
        self.handled: set[int] = set()

    async def receive(
        self,
        bot_id: int,
        updates: Sequence[ArrivedUpdate],
        handled: Sequence[int] = (),
        *,
        announce_to_holder: bool = False,
    ) -> None:
        if self.failing:
            raise OSError("database unreachable")
        self.handled.update(handled)
        for update in updates:
            self.stored.setdefault(update.update_id, update)

    async def last_update_id(self, bot_id: int) -> int:
        return max(self.stored, default=0)

    async def mark_handled(self, bot_id: int, update_ids: Sequence[int]) -> int:
        self.handled.update(update_ids)
        return len(update_ids)

    async def unhandled(self, bot_id: int) -> list[ArrivedUpdate]:
        return [u for i, u in sorted(self.stored.items()) if i not in self.handled]


@pytest.fixture
async def telegram_url() -> AsyncIterator[str]:
    """A Bot API that answers getUpdates with Siti's text and press."""

    async def get_updates(_request: web.Request) -> web.Response:
        return web.json_response({"ok": True, "result": [TEXT, PRESS]}, dumps=json.dumps)

    app = web.Application()
    app.router.add_post("/bot1:x/getUpdates", get_updates)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}/bot1:x/getUpdates"
    await runner.cleanup()


async def fetch(gate: InboxGate, url: str) -> Any:
    """One getUpdates as PTB makes it."""
    request = UpdatesRequest(gate)
    await request.initialize()
    try:
        return await request.post(url)
    finally:
        await request.shutdown()


async def test_an_answer_is_stored_before_ptb_sees_it(telegram_url: str) -> None:
    inbox = RecordingInbox()
    gate = InboxGate(inbox, bot_id=1)  # type: ignore[arg-type]
    result = await fetch(gate, telegram_url)
    assert [u["update_id"] for u in result] == [10, 11]
    assert [(u.update_id, u.user_id) for u in inbox.stored.values()] == [(10, SITI), (11, SITI)]
    assert json.loads(inbox.stored[11].payload) == PRESS  # as Telegram sent it


async def test_an_answer_the_inbox_cannot_store_is_not_given_to_ptb(telegram_url: str) -> None:
    gate = InboxGate(RecordingInbox(failing=True), bot_id=1)  # type: ignore[arg-type]
    with pytest.raises(NetworkError, match="not stored"):
        await fetch(gate, telegram_url)


async def test_after_a_restart_updates_sent_again_are_replayed_or_dropped(
    telegram_url: str,
) -> None:
    inbox = RecordingInbox()
    first_life = InboxGate(inbox, bot_id=1)  # type: ignore[arg-type]
    await fetch(first_life, telegram_url)
    inbox.handled.add(10)  # the text was handled, the press not: then a kill
    gate = InboxGate(inbox, bot_id=1)  # type: ignore[arg-type]
    bot = Bot("1:x")
    replayed = await gate.replay(bot)
    assert [u.update_id for u in replayed] == [11]
    assert replayed[0].callback_query is not None
    assert gate.claim(replayed[0]) is not None
    # Telegram sends both again (never confirmed): neither is handled again.
    again = [Update.de_json(u, bot) for u in await fetch(gate, telegram_url)]
    assert [gate.claim(u) for u in again] == [None, None]
    newer = Update.de_json({**TEXT, "update_id": 12}, bot)
    assert gate.claim(newer) is not None


def test_a_stored_update_is_cleaned_as_a_received_one_is() -> None:
    for update in (TEXT, PRESS):
        received = UpdatesRequest.parse_json_payload(
            json.dumps({"ok": True, "result": [update]}).encode()
        )["result"][0]
        assert stored_update(arrival(update).payload) == received
    assert stored_update(arrival(TEXT).payload)["message"]["text"] == "minyak a\ufffd"
    assert PRESSED_SHOWED in stored_update(arrival(PRESS).payload)["callback_query"]["message"]


def test_whose_update_and_which_bot() -> None:
    assert sender_of(TEXT) == SITI
    assert sender_of(PRESS) == SITI
    assert sender_of({"update_id": 1, "poll": {"id": "p"}}) is None
    assert bot_id_of("123456:TEST-TOKEN") == 123456
    assert bot_id_of("not-a-token") == 0


@pytest.fixture
async def telegram_refusing_answers() -> AsyncIterator[str]:
    """A Bot API that refuses every answer to a press, and every message, as too old."""

    async def too_old(_request: web.Request) -> web.Response:
        description = (
            "Bad Request: query is too old and response timeout expired or query ID is invalid"
        )
        return web.json_response(
            {"ok": False, "error_code": 400, "description": description}, status=400
        )

    app = web.Application()
    app.router.add_post("/bot1:x/{method}", too_old)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}/bot1:x/"
    await runner.cleanup()


async def test_a_replayed_press_telegram_no_longer_takes_an_answer_for_counts_as_answered(
    telegram_refusing_answers: str,
) -> None:
    request = BotRequest()
    await request.initialize()
    try:
        assert await request.post(telegram_refusing_answers + "answerCallbackQuery") is True
        with pytest.raises(BadRequest, match="too old"):  # anything else stays refused
            await request.post(telegram_refusing_answers + "sendMessage")
    finally:
        await request.shutdown()


async def test_a_read_is_marked_handled_with_the_next_answer_stored(telegram_url: str) -> None:
    inbox = RecordingInbox()
    gate = InboxGate(inbox, bot_id=1)  # type: ignore[arg-type]
    bot = Bot("1:x")
    search, press = [Update.de_json(u, bot) for u in await fetch(gate, telegram_url)]
    for update in (search, press):
        claim = gate.claim(update)
        assert claim is not None
        gate.handled(claim)  # wrote nothing: a search, a press that only showed something
    assert inbox.handled == set()
    await fetch(gate, telegram_url)  # the next answer's insert carries the marks
    assert inbox.handled == {10, 11}
    await gate.close()


class SlowInbox(RecordingInbox):
    """Stores an answer only once let go, saying when it began."""

    def __init__(self) -> None:
        super().__init__()
        self.began = asyncio.Event()
        self.go = asyncio.Event()
        self.done = asyncio.Event()

    async def receive(
        self,
        bot_id: int,
        updates: Sequence[ArrivedUpdate],
        handled: Sequence[int] = (),
        *,
        announce_to_holder: bool = False,
    ) -> None:
        self.began.set()
        await self.go.wait()
        await super().receive(bot_id, updates, handled)
        self.done.set()


async def test_a_poll_stopped_while_its_answer_is_stored_stores_the_answer_whole(
    telegram_url: str,
) -> None:
    inbox = SlowInbox()
    gate = InboxGate(inbox, 1)  # type: ignore[arg-type]
    polling = asyncio.create_task(fetch(gate, telegram_url))
    await asyncio.wait_for(inbox.began.wait(), 5)
    polling.cancel()  # the bot is stopped (its lease given back) mid-write
    with pytest.raises(asyncio.CancelledError):
        await polling
    inbox.go.set()
    await asyncio.wait_for(inbox.done.wait(), 5)  # it goes on by itself, as a transaction would
    assert sorted(inbox.stored) == [10, 11]
