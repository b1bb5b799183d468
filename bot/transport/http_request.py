"""Bot API requests over aiohttp, in place of PTB's default HTTPX transport.

PTB lets the network backend be replaced through its public `BaseRequest` interface. The
bot already ships aiohttp (its local Bot API emulator is an aiohttp server), and a request
through it costs about a quarter of the CPU of one through HTTPX, which matters on a small
server where every villager's press is two or three requests (bench/e2e_bench.py measures
it). Timeouts and errors keep PTB's meaning: a timeout raises `TimedOut`, any other
transport failure `NetworkError`, and Telegram's answer (any status) goes back to PTB,
which turns it into a result or its own errors.

Parameters go as one JSON body, which the Bot API accepts for every method but uploads: one
`json.dumps` of the whole call, where a form costs a dump of each nested value and then
URL-quoting every character of the text (a fifth of a request's CPU). Uploads go as multipart.
JSON both ways is orjson's (a tenth of the standard library's time); what orjson refuses (a
lone surrogate, text that is not UTF-8) takes the standard library's path, as before.
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import orjson
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

# PTB's defaults for HTTPXRequest, in seconds.
READ_TIMEOUT_S = 5.0
WRITE_TIMEOUT_S = 5.0
CONNECT_TIMEOUT_S = 5.0
POOL_TIMEOUT_S = 1.0
MEDIA_WRITE_TIMEOUT_S = 20.0


def json_bytes(value: Any) -> bytes:
    """A call's parameters as JSON: orjson's, or the standard library's for what it refuses."""
    try:
        return orjson.dumps(value)
    except TypeError:  # a lone surrogate, a key that is not a string, a very large number
        return json.dumps(value).encode()


def _seconds(value: ODVInput[float], default: float | None) -> float | None:
    """A timeout PTB passed, or this request's own when it passed its default marker."""
    return default if isinstance(value, DefaultValue) else value


class AiohttpRequest(BaseRequest):
    """One aiohttp session with a pool of `connection_pool_size` keep-alive connections.

    Proxies come from the environment (HTTPS_PROXY, NO_PROXY and friends), as with PTB's
    default; they are looked up once a host (aiohttp's own lookup costs twice a request).
    """

    def __init__(
        self,
        connection_pool_size: int = 256,
        read_timeout: float | None = READ_TIMEOUT_S,
        write_timeout: float | None = WRITE_TIMEOUT_S,
        connect_timeout: float | None = CONNECT_TIMEOUT_S,
        pool_timeout: float | None = POOL_TIMEOUT_S,
        media_write_timeout: float | None = MEDIA_WRITE_TIMEOUT_S,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[str, str | None] = {}

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout; PTB adds getUpdates' long-poll time to it."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Open the session (inside the running event loop)."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": self.USER_AGENT},
                json_serialize_bytes=json_bytes,
            )

    @staticmethod
    def parse_json_payload(payload: bytes) -> dict[str, Any]:
        """Telegram's answer parsed; what orjson refuses goes PTB's way (bad UTF-8 replaced)."""
        try:
            parsed: dict[str, Any] = orjson.loads(payload)
        except orjson.JSONDecodeError:
            return BaseRequest.parse_json_payload(payload)
        return parsed

    async def shutdown(self) -> None:
        """Close the session and its connections."""
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Send one request; returns Telegram's status code and body."""
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data else None
        body: dict[str, Any] | None = None
        form: aiohttp.FormData | None = None
        if files and request_data:
            form = aiohttp.FormData()
            for name, value in request_data.json_parameters.items():
                form.add_field(name, value)
            for name, (filename, content, mimetype) in files.items():
                form.add_field(name, content, filename=filename, content_type=mimetype)
        elif request_data:
            body = request_data.parameters
        timeout = self._timeout(
            read_timeout, write_timeout, connect_timeout, pool_timeout, media=bool(files)
        )
        try:
            async with session.request(
                method, url, data=form, json=body, timeout=timeout, proxy=self._proxy_for(url)
            ) as response:
                return response.status, await response.read()
        except TimeoutError as exc:  # aiohttp's timeouts derive from it
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc

    def _proxy_for(self, url: str) -> str | None:
        """The environment's proxy for the URL's scheme and host, or None to go direct."""
        parts = urlsplit(url)
        key = f"{parts.scheme}://{parts.netloc}"
        if key not in self._proxies:
            proxy = urllib.request.getproxies().get(parts.scheme)
            bypass = proxy is None or urllib.request.proxy_bypass(parts.hostname or "")
            self._proxies[key] = None if bypass else proxy
        return self._proxies[key]

    def _timeout(
        self,
        read: ODVInput[float],
        write: ODVInput[float],
        connect: ODVInput[float],
        pool: ODVInput[float],
        *,
        media: bool,
    ) -> aiohttp.ClientTimeout:
        """PTB's four timeouts in aiohttp's terms.

        aiohttp's `connect` covers waiting for a pooled connection and opening it; it has no
        write timeout, so the whole request is capped at the sum of all four instead.
        """
        read_s = _seconds(read, self._read_timeout)
        write_s = _seconds(write, self._media_write_timeout if media else self._write_timeout)
        connect_s = _seconds(connect, self._connect_timeout)
        pool_s = _seconds(pool, self._pool_timeout)
        parts = (read_s, write_s, connect_s, pool_s)
        total = None if None in parts else sum(part for part in parts if part is not None)
        waiting = None if connect_s is None or pool_s is None else connect_s + pool_s
        return aiohttp.ClientTimeout(
            total=total, connect=waiting, sock_connect=connect_s, sock_read=read_s
        )
