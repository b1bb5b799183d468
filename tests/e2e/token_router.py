"""One Bot API address in front of several emulators, each serving one bot's token.

`kiosdesa run` reaches every bot through one TELEGRAM_API_URL; this forwards each request to
the emulator of its token, as Telegram routes by token.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType

import aiohttp
from aiohttp import web

from bot.devtools.emulator import BotApiEmulator

# Long polls stay open for seconds; the bot's own timeouts end them.
_NO_TIMEOUT = aiohttp.ClientTimeout(total=None)


class TokenRouter:
    """Forwards /bot{token}/... and /file/bot{token}/... to the emulator of that token."""

    def __init__(self, emulators: Mapping[str, BotApiEmulator]) -> None:
        self.emulators = dict(emulators)
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self.url = ""

    async def __aenter__(self) -> TokenRouter:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._forward)
        app.router.add_get("/file/bot{token}/{path:.+}", self._forward)
        self._session = aiohttp.ClientSession(timeout=_NO_TIMEOUT)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    async def _forward(self, request: web.Request) -> web.StreamResponse:
        """Send the request on to its token's emulator and hand back the answer."""
        emulator = self.emulators.get(request.match_info["token"])
        if emulator is None:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        assert self._session is not None
        headers = {k: v for k, v in request.headers.items() if k.lower() == "content-type"}
        async with self._session.request(
            request.method,
            emulator.url + request.rel_url.path_qs,
            data=await request.read(),
            headers=headers,
        ) as answer:
            body = await answer.read()
            return web.Response(body=body, status=answer.status, content_type=answer.content_type)
