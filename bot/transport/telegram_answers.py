"""Telegram's answers read alike by every sender: how long a 429 asks to wait, an edit that
changed nothing, the backoff after network trouble, and PTB's log when its limiter gives up.
"""

from __future__ import annotations

import logging
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


class RetriesGivenUpAreWarnings(logging.Filter):
    """PTB's rate limiter logs a traceback when it stops retrying a 429; the caller handles it.

    The outbox and the broadcaster wait as Telegram asked and try again, and a handler's
    error reaches on_error; so a long flood stretch is a warning, not an error.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Downgrade the limiter's "maximum of retries" record to a one-line warning."""
        if record.levelno >= logging.ERROR and record.msg.startswith("Rate limit hit after"):
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.exc_info, record.exc_text = None, None
        return True


def calm_rate_limiter_log() -> None:
    """Install RetriesGivenUpAreWarnings on PTB's rate limiter logger (once)."""
    limiter_log = logging.getLogger("telegram.ext.AIORateLimiter")
    if not any(isinstance(f, RetriesGivenUpAreWarnings) for f in limiter_log.filters):
        limiter_log.addFilter(RetriesGivenUpAreWarnings())
