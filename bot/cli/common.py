"""What every operator command shares: its error, a center code argument, the database."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Coroutine
from typing import Any

from bot.config import database_url_from_env
from bot.domain.center_setup import center_code
from bot.domain.entities import Center
from bot.domain.errors import RecordNotFound
from storage import Storage

CODE_HELP = "the center's code, as in its deep link /start CODE"


class CliError(Exception):
    """A problem the operator can fix; printed as one line."""


def code_arg(value: str) -> str:
    """A center code: letters, digits, '_' or '-', at most 32 (it goes into a deep link)."""
    code = center_code(value) if value == value.strip() else None
    if code is None:
        raise argparse.ArgumentTypeError("a center code is 1-32 letters, digits, '_' or '-'")
    return code


async def with_store(action: Callable[[Storage], Coroutine[Any, Any, int]]) -> int:
    """Open the configured database, run `action`, close it."""
    store = await Storage.open(database_url_from_env())
    try:
        return await action(store)
    finally:
        await store.close()


async def center_by_code(store: Storage, code: str) -> Center:
    """The center with this code, or one clear line for the operator."""
    try:
        return await store.centers.by_code(code)
    except RecordNotFound as exc:
        raise CliError(f"no center with code {code}") from exc
