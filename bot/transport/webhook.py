"""Webhook mode: Telegram posts each bot's updates to this process's web server.

One aiohttp server a process, one path a bot (PATH/<bot id>), one secret a bot: Telegram sends
it in the X-Telegram-Bot-Api-Secret-Token header of every post, and a post without it (or
with another) is refused before anything is read or stored. An update is stored in its bot's
inbox, the storage long polling uses, and only after that commit is Telegram answered 200
(otherwise it posts the update again). Then the bot's holder is woken: in this process if it
holds the bot, else by a notice sent with the commit (PostgreSQL), its feed reading the row
from the inbox (bot/transport/inbox_feed.py).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from bot.transport.http_request import AiohttpRequest
from bot.transport.inbox_gate import InboxGate, InboxUnavailable

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# What the secret is derived from besides the token; changing it changes every bot's secret.
_SECRET_PURPOSE = b"kiosdesa webhook secret"
# Telegram's posts are single updates; a photo's caption or a long text stays far below.
MAX_BODY_BYTES = 1024 * 1024


def webhook_secret(token: str) -> str:
    """The bot's secret_token: an HMAC of the token (64 of Telegram's A-Za-z0-9_- characters),
    stable across processes and restarts, from which the token cannot be read back."""
    return hmac.new(token.encode(), _SECRET_PURPOSE, hashlib.sha256).hexdigest()


def bot_webhook_url(webhook_url: str, bot_id: int) -> str:
    """The address Telegram posts one bot's updates to: the operator's URL, then the bot id."""
    return f"{webhook_url.rstrip('/')}/{bot_id}"


def local_path(webhook_url: str) -> str:
    """The path the bots' paths go under, as the proxy passes it on ("" for the root)."""
    return urlsplit(webhook_url).path.rstrip("/")


@dataclass(frozen=True)
class WebhookSeat:
    """What the server needs of one bot: its secret, its inbox door, and how to wake it."""

    secret: str = field(repr=False)
    gate: InboxGate
    wake: Callable[[], None]


def as_update(body: bytes) -> dict[str, Any] | None:
    """The update a post holds (Telegram's JSON object with an update_id), or None."""
    try:
        parsed = AiohttpRequest.parse_json_payload(body)
    except Exception:  # not JSON at all
        return None
    if not isinstance(parsed, dict) or type(parsed.get("update_id")) is not int:
        return None
    return parsed


class WebhookServer:
    """This process's web server for every bot's webhook posts."""

    def __init__(
        self, host: str, port: int, path: str, seat_of: Callable[[int], WebhookSeat | None]
    ) -> None:
        self.host = host
        self.port = port
        self.path = path
        self._seat_of = seat_of
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        """Listen; an address in use fails here, before any bot asks Telegram for posts."""
        app = web.Application(client_max_size=MAX_BODY_BYTES)
        app.router.add_post(self.path + "/{bot_id:[0-9]+}", self._receive)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        log.info("webhook server listening on %s:%s%s/<bot id>", self.host, self.port, self.path)

    async def stop(self) -> None:
        """Stop listening; Telegram keeps the updates and posts them again later."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _receive(self, request: web.Request) -> web.Response:
        """Check the secret, store the update, answer 200 after the commit, wake the holder."""
        seat = self._seat_of(int(request.match_info["bot_id"]))
        if seat is None:
            return web.Response(status=HTTPStatus.NOT_FOUND)
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), seat.secret.encode()):
            log.warning("webhook post to %s refused: wrong or missing secret", request.path)
            return web.Response(status=HTTPStatus.FORBIDDEN)
        update = as_update(await request.read())
        if update is None:
            return web.Response(status=HTTPStatus.BAD_REQUEST, text="not a Telegram update")
        try:
            await seat.gate.receive([update], announce_to_holder=True)
        except InboxUnavailable as exc:  # Telegram posts it again later
            log.warning("%s", exc)
            return web.Response(status=HTTPStatus.SERVICE_UNAVAILABLE)
        seat.wake()
        return web.Response(text="")
