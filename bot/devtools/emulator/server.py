"""The aiohttp server answering Bot API requests for one or more bots, and its facade."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any

from aiohttp import web

from bot.devtools.emulator import methods_bot, methods_edit, methods_send
from bot.devtools.emulator.actions import UserActionsMixin
from bot.devtools.emulator.bots import BotRecordsMixin, EmulatedBot, bot_id_of
from bot.devtools.emulator.faults import Fault, FaultKind, FaultSchedule
from bot.devtools.emulator.models import JSON, ApiError, ApiErrorRecord, EmulatedUser
from bot.devtools.emulator.params import Call, read_call
from bot.devtools.emulator.rate_limit import RateLimiter
from bot.devtools.emulator.reading import ReadingMixin
from bot.devtools.emulator.state import DEFAULT_BOT_ID, EmulatorState
from bot.devtools.emulator.webhook import RetryPolicy, WebhookRoutes

Handler = Callable[[EmulatorState, Call], Awaitable[Any]]
METHODS: dict[str, Handler] = {
    **methods_bot.METHODS,
    **methods_send.METHODS,
    **methods_edit.METHODS,
}
_LOG = logging.getLogger(__name__)


class BotApiEmulator(UserActionsMixin, ReadingMixin, BotRecordsMixin):
    """A local Telegram Bot API: bots talk HTTP to it, tests play the users.

    The emulator itself acts for its default bot (`emu.send_text(...)`, `emu.wait_for(...)`),
    which answers any token until a token is fixed (`token=`) or `add_bot` adds bots; from
    then on an unknown token is 401 Unauthorized, as in Telegram.
    """

    def __init__(
        self,
        *,
        bot_username: str = "kiosdesa_bot",
        bot_name: str = "Kios Desa",
        token: str | None = None,
        global_rate_per_s: float | None = None,
        per_chat_rate_per_s: float | None = None,
        rate_burst: float | None = None,
        strict_html: bool = True,
        webhook_retry: RetryPolicy | None = None,
    ) -> None:
        self._rates = (global_rate_per_s, per_chat_rate_per_s, rate_burst)
        self._strict_html = strict_html
        self._users: dict[int, EmulatedUser] = {}
        self._routes = WebhookRoutes()
        self._retry = webhook_retry or RetryPolicy()
        self._bots: dict[str, EmulatedBot] = {}
        self.default_bot = self._new_bot(token, bot_username, bot_name, self._rates)
        self.state = self.default_bot.state
        # Until a token is fixed or a bot is added, any token is the default bot's (learnt).
        self._open = token is None
        if token is not None:
            self._bots[token] = self.default_bot
        self._runner: web.AppRunner | None = None
        self._url = ""

    def add_bot(
        self,
        token: str,
        *,
        username: str | None = None,
        name: str | None = None,
        global_rate_per_s: float | None = None,
        per_chat_rate_per_s: float | None = None,
        rate_burst: float | None = None,
    ) -> EmulatedBot:
        """Serve another bot token; rates left None are the emulator's (0 turns one off).

        The first bot added to an emulator that has no token yet becomes its default bot.
        """
        rates = _rates_or(self._rates, (global_rate_per_s, per_chat_rate_per_s, rate_burst))
        if self._open:
            self._open = False
            learnt = self.default_bot.token
            if learnt is None or learnt == token:
                self.default_bot.token = token
                self.state.learn_token(token)
                self.default_bot.limiter = RateLimiter(*rates)
                self._bots[token] = self.default_bot
            else:
                self._bots[learnt] = self.default_bot
        known = self._bots.get(token)
        if known is not None:
            known.rename(username, name)
            return known
        bot = self._new_bot(token, username, name or self.default_bot.name, rates)
        self._bots[token] = bot
        return bot

    def _new_bot(
        self,
        token: str | None,
        username: str | None,
        name: str,
        rates: tuple[float | None, float | None, float | None],
    ) -> EmulatedBot:
        """A bot with its own state over the shared people, and its own limits."""
        bot_id = (bot_id_of(token) if token else None) or DEFAULT_BOT_ID + len(self._bots)
        username = username or f"kiosdesa_{bot_id}_bot"
        state = EmulatorState(username, name, self._strict_html, users=self._users, bot_id=bot_id)
        return EmulatedBot(state, token, RateLimiter(*rates), self._routes, self._retry)

    @property
    def bots(self) -> list[EmulatedBot]:
        """Every bot served, the default one first."""
        others = [b for b in self._bots.values() if b is not self.default_bot]
        return [self.default_bot, *others]

    def bot(self, token: str) -> EmulatedBot:
        """The bot with this token (KeyError if it was never added or learnt)."""
        if self.default_bot.token == token:
            return self.default_bot
        return self._bots[token]

    def route_webhook(self, public_prefix: str, local_prefix: str, *more: str) -> None:
        """Deliver webhooks set under public_prefix (https://...) to local_prefix instead; with
        `more`, to the first of them all that takes the connection, as a load balancer does."""
        self._routes.add(public_prefix, local_prefix, *more)

    @property
    def faults(self) -> FaultSchedule:
        """Failures planned for the default bot (each bot has its own `faults`)."""
        return self.default_bot.faults

    @faults.setter
    def faults(self, schedule: FaultSchedule) -> None:
        self.default_bot.faults = schedule

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Listen on host:port; port 0 picks a free port (see `url`)."""
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        # A short shutdown timeout: pending long polls are woken in stop() anyway.
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        bound_host, bound_port = self._runner.addresses[0][:2]
        self._url = f"http://{bound_host}:{bound_port}"
        for bot in self.bots:
            bot.state.closing = False
            bot.poster.ensure_running()

    @property
    def url(self) -> str:
        """Root URL, e.g. http://127.0.0.1:54321 (bot base_url is url + "/bot")."""
        if not self._url:
            raise RuntimeError("BotApiEmulator is not started")
        return self._url

    async def stop(self) -> None:
        """End pending long polls and webhook deliveries, and shut the server down."""
        for bot in self.bots:
            bot.state.closing = True
            bot.state.notifier.wake()
        for bot in self.bots:
            await bot.poster.stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> BotApiEmulator:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    async def _handle_method(self, request: web.Request) -> web.Response:
        """Dispatch /bot{token}/{method} to the token's bot."""
        token, method = request.match_info["token"], request.match_info["method"]
        params: JSON = {}
        bot = self.default_bot  # unknown tokens are recorded with the default bot
        try:
            bot = self._bot_for(token)
            bot.state.stats.requests[method] += 1
            call = await read_call(request, method, token)
            params = call.params
            handler = METHODS.get(method.lower())
            if handler is None:
                raise ApiError(404, "Not Found")
            self._check_rate(bot, method.lower(), call)
            fault = bot.faults.take(method.lower(), _chat_key(call))
            if fault is None:
                result = await handler(bot.state, call)
            else:
                result = await self._misbehave(bot.state, fault, handler, call)
        except ApiError as exc:
            return self._error_response(bot.state, method, exc, params)
        except ConnectionResetError:  # the caller died mid-request (kill -9): nobody to answer
            _LOG.info("caller of %s went away before its request was read", method)
            return web.Response(status=499)
        except Exception as exc:  # an emulator bug must not look like a network problem
            _LOG.exception("emulator failed on %s %s", method, params)
            description = f"Internal Server Error: {exc!r}"
            body = {"ok": False, "error_code": 500, "description": description}
            return web.json_response(body, status=500)
        bot.poster.ensure_running()  # a no-op unless a webhook is set
        return web.json_response({"ok": True, "result": result})

    async def _handle_file(self, request: web.Request) -> web.Response:
        """Serve /file/bot{token}/{file_path} downloads from that bot's files."""
        try:
            bot = self._bot_for(request.match_info["token"])
        except ApiError as exc:
            return self._error_response(self.state, "file", exc, {})
        path = request.match_info["path"]
        stored = next((f for f in bot.state.files.values() if f.file_path == path), None)
        if stored is None:
            error = ApiError(404, "Not Found")
            return self._error_response(bot.state, "file", error, {"path": path})
        content_type = stored.mime_type or "application/octet-stream"
        return web.Response(body=stored.data, content_type=content_type)

    def _bot_for(self, token: str) -> EmulatedBot:
        """The token's bot; while the emulator is open, any token is the default bot."""
        bot = self._bots.get(token)
        if bot is not None:
            return bot
        if not self._open:
            raise ApiError(401, "Unauthorized")
        self.default_bot.token = token
        self.state.learn_token(token)
        return self.default_bot

    def _check_rate(self, bot: EmulatedBot, method: str, call: Call) -> None:
        """Answer 429 when one of the bot's configured flood limits is exceeded."""
        retry_after = bot.limiter.check(method, _chat_key(call))
        if retry_after is not None:
            bot.state.stats.rate_limited += 1
            raise ApiError(
                429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after
            )

    async def _misbehave(
        self, state: EmulatorState, fault: Fault, handler: Handler, call: Call
    ) -> Any:
        """Answer as the planned fault says (a delivered hang does the work first)."""
        if fault.kind is FaultKind.FLOOD:
            state.stats.rate_limited += 1
            retry_after = fault.retry_after or 1
            raise ApiError(
                429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after
            )
        if fault.kind is FaultKind.HANG:
            if fault.delivered:
                await handler(state, call)
            await asyncio.sleep(fault.seconds)
            raise ApiError(fault.code, "Gateway Timeout")
        raise ApiError(fault.code, "Internal Server Error")

    @staticmethod
    def _error_response(
        state: EmulatorState, method: str, exc: ApiError, params: JSON
    ) -> web.Response:
        """Record the error with the bot and answer in Telegram's error format."""
        state.stats.errors += 1
        record = ApiErrorRecord(method, exc.code, exc.description, dict(params))
        if 400 <= exc.code < 500:
            state.errors.append(record)
        _LOG.debug("emulator %s -> %s %s", method, exc.code, exc.description)
        body: JSON = {"ok": False, "error_code": exc.code, "description": exc.description}
        if exc.retry_after is not None:
            body["parameters"] = {"retry_after": exc.retry_after}
        return web.json_response(body, status=exc.code)


def _chat_key(call: Call) -> str | None:
    """The call's chat_id as text, if it names one."""
    chat = call.raw("chat_id")
    return None if chat is None else str(chat)


def _rates_or(
    defaults: tuple[float | None, float | None, float | None],
    given: tuple[float | None, float | None, float | None],
) -> tuple[float | None, float | None, float | None]:
    """Each given rate option, or the emulator's where it was left None."""
    return (
        given[0] if given[0] is not None else defaults[0],
        given[1] if given[1] is not None else defaults[1],
        given[2] if given[2] is not None else defaults[2],
    )
