"""Telegram's answers read alike by every sender: how long a 429 asks to wait, an edit that
changed nothing, the backoff after network trouble.
"""

from __future__ import annotations

import warnings
from typing import Any

from telegram.error import RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

# 2**32 seconds outlasts any cap; a larger power would only overflow the float.
_LARGEST_DOUBLING = 32


def retry_seconds(exc: RetryAfter) -> float:
    """Telegram's retry_after in seconds (PTB 22 gives an int, later versions a timedelta)."""
    with warnings.catch_warnings():  # the int form is deprecated; both are read the same
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value: Any = exc.retry_after
    return float(value.total_seconds()) if hasattr(value, "total_seconds") else float(value)


def is_not_modified(exc: TelegramError) -> bool:
    """An edit that changes nothing (PTB capitalizes Telegram's description)."""
    return "message is not modified" in exc.message.lower()


def backoff_s(attempts: int, longest_s: float) -> float:
    """The wait after `attempts` failed tries: 1, 2, 4, ... seconds, at most `longest_s`."""
    return float(min(longest_s, 2.0 ** min(attempts, _LARGEST_DOUBLING)))
