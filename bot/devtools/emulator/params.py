"""Reading Bot API parameters from any of the encodings Telegram accepts."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.devtools.emulator.models import JSON, ApiError, bad_request


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart request."""

    data: bytes
    filename: str | None
    content_type: str | None


@dataclass
class Call:
    """One API request: method, parameters, uploaded files and connection state."""

    method: str
    token: str
    params: JSON
    files: dict[str, Upload] = field(default_factory=dict)
    connected: Callable[[], bool] = lambda: True

    def raw(self, name: str) -> Any:
        """The value as received (str for form data, typed for JSON bodies), or None."""
        return self.params.get(name)

    def str_opt(self, name: str) -> str | None:
        """Optional string parameter."""
        value = self.raw(name)
        if value is None:
            return None
        return value if isinstance(value, str) else json.dumps(value)

    def int_opt(self, name: str) -> int | None:
        """Optional integer parameter; form data carries numbers as strings."""
        value = self.raw(name)
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            raise bad_request(f'field "{name}" must be of type Integer')
        try:
            return int(value)
        except (TypeError, ValueError):
            try:
                return int(float(value))
            except (TypeError, ValueError):
                raise bad_request(f"invalid {name} specified") from None

    def float_opt(self, name: str) -> float | None:
        """Optional float parameter."""
        value = self.raw(name)
        if value is None or value == "":
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def bool_opt(self, name: str) -> bool:
        """Boolean parameter; absent means False."""
        value = self.raw(name)
        if isinstance(value, str):
            return value.strip().lower() in ("true", "1")
        return bool(value)

    def json_opt(self, name: str) -> Any:
        """A nested object: JSON-encoded string in form data, plain value in JSON bodies."""
        value = self.raw(name)
        if not isinstance(value, str):
            return value
        if value == "":
            return None
        try:
            return json.loads(value)
        except ValueError:
            raise bad_request(f"can't parse {name} JSON object") from None

    def chat_id(self, *, required: bool = True) -> int | None:
        """The chat_id; usernames (@name) are unknown to the emulator."""
        value = self.raw("chat_id")
        if value is None or value == "":
            if required:
                raise bad_request("chat_id is empty")
            return None
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request("chat not found") from None


async def read_call(request: web.Request, method: str, token: str) -> Call:
    """Merge query string and body (urlencoded, JSON or multipart) into a Call."""
    params: JSON = dict(request.query)
    files: dict[str, Upload] = {}
    if request.can_read_body:
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise ApiError(400, "Bad Request: can't parse JSON object") from None
            if not isinstance(body, dict):
                raise ApiError(400, "Bad Request: JSON object expected")
            params.update(body)
        elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    data = value.file.read()
                    files[key] = Upload(data, value.filename, value.content_type)
                else:
                    params[key] = value if isinstance(value, str) else bytes(value).decode()
    return Call(method, token, params, files, lambda: _is_connected(request))


def _is_connected(request: web.Request) -> bool:
    """Whether the client is still waiting for this response."""
    transport = request.transport
    return transport is not None and not transport.is_closing()
