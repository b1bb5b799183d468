"""The aiohttp server answering Bot API requests, and the BotApiEmulator facade."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any

from aiohttp import web

from bot.devtools.emulator import methods_bot, methods_edit, methods_send
from bot.devtools.emulator.actions import UserActionsMixin
from bot.devtools.emulator.faults import Fault, FaultKind, FaultSchedule
from bot.devtools.emulator.models import JSON, ApiError, ApiErrorRecord, EmulatorStats
from bot.devtools.emulator.params import Call, read_call
from bot.devtools.emulator.rate_limit import RateLimiter
from bot.devtools.emulator.reading import ReadingMixin
from bot.devtools.emulator.state import EmulatorState

Handler = Callable[[EmulatorState, Call], Awaitable[Any]]
METHODS: dict[str, Handler] = {
    **methods_bot.METHODS,
    **methods_send.METHODS,
    **methods_edit.METHODS,
}
_LOG = logging.getLogger(__name__)


class BotApiEmulator(UserActionsMixin, ReadingMixin):
    """A local Telegram Bot API: the bot talks HTTP to it, tests play the users."""

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
    ) -> None:
        self.state = EmulatorState(bot_username, bot_name, strict_html)
        self._token = token
        if token is not None:
            self.state.learn_token(token)
        self._limiter = RateLimiter(global_rate_per_s, per_chat_rate_per_s, rate_burst)
        # Failures a test planned (see bot.devtools.emulator.faults); none by default.
        self.faults = FaultSchedule()
        self._runner: web.AppRunner | None = None
        self._url = ""

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
        self.state.closing = False

    @property
    def url(self) -> str:
        """Root URL, e.g. http://127.0.0.1:54321 (bot base_url is url + "/bot")."""
        if not self._url:
            raise RuntimeError("BotApiEmulator is not started")
        return self._url

    async def stop(self) -> None:
        """End pending long polls and shut the server down."""
        self.state.closing = True
        self.state.notifier.wake()
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

    @property
    def errors(self) -> list[ApiErrorRecord]:
        """Every 4xx answered, oldest first."""
        return self.state.errors

    @property
    def not_modified(self) -> list[ApiErrorRecord]:
        """Every edit answered "message is not modified": a request that changed nothing."""
        return [e for e in self.state.errors if e.description.endswith(methods_edit.NOT_MODIFIED)]

    @property
    def stats(self) -> EmulatorStats:
        """Request counters, including how many 429s were given."""
        return self.state.stats

    async def _handle_method(self, request: web.Request) -> web.Response:
        """Dispatch /bot{token}/{method}."""
        token, method = request.match_info["token"], request.match_info["method"]
        self.state.stats.requests[method] += 1
        params: JSON = {}
        try:
            self._check_token(token)
            call = await read_call(request, method, token)
            params = call.params
            handler = METHODS.get(method.lower())
            if handler is None:
                raise ApiError(404, "Not Found")
            self.state.learn_token(token)
            self._check_rate(method.lower(), call)
            fault = self.faults.take(method.lower(), _chat_key(call))
            if fault is None:
                result = await handler(self.state, call)
            else:
                result = await self._misbehave(fault, handler, call)
        except ApiError as exc:
            return self._error_response(method, exc, params)
        except ConnectionResetError:  # the caller died mid-request (kill -9): nobody to answer
            _LOG.info("caller of %s went away before its request was read", method)
            return web.Response(status=499)
        except Exception as exc:  # an emulator bug must not look like a network problem
            _LOG.exception("emulator failed on %s %s", method, params)
            description = f"Internal Server Error: {exc!r}"
            body = {"ok": False, "error_code": 500, "description": description}
            return web.json_response(body, status=500)
        return web.json_response({"ok": True, "result": result})

    async def _handle_file(self, request: web.Request) -> web.Response:
        """Serve /file/bot{token}/{file_path} downloads."""
        try:
            self._check_token(request.match_info["token"])
        except ApiError as exc:
            return self._error_response("file", exc, {})
        path = request.match_info["path"]
        stored = next((f for f in self.state.files.values() if f.file_path == path), None)
        if stored is None:
            return self._error_response("file", ApiError(404, "Not Found"), {"path": path})
        content_type = stored.mime_type or "application/octet-stream"
        return web.Response(body=stored.data, content_type=content_type)

    def _check_token(self, token: str) -> None:
        """Reject other tokens when the emulator was given a fixed one."""
        if self._token is not None and token != self._token:
            raise ApiError(401, "Unauthorized")

    def _check_rate(self, method: str, call: Call) -> None:
        """Answer 429 when a configured flood limit is exceeded."""
        retry_after = self._limiter.check(method, _chat_key(call))
        if retry_after is not None:
            self.state.stats.rate_limited += 1
            raise ApiError(
                429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after
            )

    async def _misbehave(self, fault: Fault, handler: Handler, call: Call) -> Any:
        """Answer as the planned fault says (a delivered hang does the work first)."""
        if fault.kind is FaultKind.FLOOD:
            self.state.stats.rate_limited += 1
            retry_after = fault.retry_after or 1
            raise ApiError(
                429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after
            )
        if fault.kind is FaultKind.HANG:
            if fault.delivered:
                await handler(self.state, call)
            await asyncio.sleep(fault.seconds)
            raise ApiError(fault.code, "Gateway Timeout")
        raise ApiError(fault.code, "Internal Server Error")

    def _error_response(self, method: str, exc: ApiError, params: JSON) -> web.Response:
        """Record the error and answer in Telegram's error format."""
        self.state.stats.errors += 1
        record = ApiErrorRecord(method, exc.code, exc.description, dict(params))
        if 400 <= exc.code < 500:
            self.state.errors.append(record)
        _LOG.debug("emulator %s -> %s %s", method, exc.code, exc.description)
        body: JSON = {"ok": False, "error_code": exc.code, "description": exc.description}
        if exc.retry_after is not None:
            body["parameters"] = {"retry_after": exc.retry_after}
        return web.json_response(body, status=exc.code)


def _chat_key(call: Call) -> str | None:
    """The call's chat_id as text, if it names one."""
    chat = call.raw("chat_id")
    return None if chat is None else str(chat)
