"""Token-bucket flood control imitating Telegram's global and per-chat limits."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

# Only methods that put something into a chat count against Telegram's limits.
_LIMITED_PREFIXES = ("send", "edit", "copymessage", "forwardmessage")
_UNLIMITED = frozenset({"sendchataction"})


def is_rate_limited_method(method: str) -> bool:
    """Whether a (lower-cased) method counts against the flood limits."""
    return method.startswith(_LIMITED_PREFIXES) and method not in _UNLIMITED


@dataclass
class _Bucket:
    tokens: float
    updated: float


class TokenBuckets:
    """One bucket per key; capacity is the allowed burst, refilled at `rate` per second."""

    def __init__(
        self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.burst = max(burst, 1.0)
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}

    def _refill(self, key: str) -> _Bucket:
        """Bring a bucket up to date."""
        current = self._clock()
        bucket = self._buckets.setdefault(key, _Bucket(self.burst, current))
        bucket.tokens = min(self.burst, bucket.tokens + (current - bucket.updated) * self.rate)
        bucket.updated = current
        return bucket

    def wait_needed(self, key: str) -> float:
        """Seconds until one token is available (0 if available now)."""
        bucket = self._refill(key)
        return 0.0 if bucket.tokens >= 1.0 else (1.0 - bucket.tokens) / self.rate

    def consume(self, key: str) -> None:
        """Take one token (call only after wait_needed returned 0)."""
        self._refill(key).tokens -= 1.0


class RateLimiter:
    """Global and per-chat limits; either may be off (None)."""

    def __init__(
        self,
        global_rate_per_s: float | None,
        per_chat_rate_per_s: float | None,
        burst: float | None = None,
    ) -> None:
        self._global = (
            TokenBuckets(global_rate_per_s, burst or global_rate_per_s)
            if global_rate_per_s
            else None
        )
        self._chat = (
            TokenBuckets(per_chat_rate_per_s, burst or 1.0) if per_chat_rate_per_s else None
        )

    def check(self, method: str, chat_key: str | None) -> int | None:
        """None if allowed (and counted); else retry_after in whole seconds (>= 1)."""
        if not is_rate_limited_method(method):
            return None
        checks: list[tuple[TokenBuckets, str]] = []
        if self._global is not None:
            checks.append((self._global, "*"))
        if self._chat is not None and chat_key is not None:
            checks.append((self._chat, chat_key))
        wait = max((buckets.wait_needed(key) for buckets, key in checks), default=0.0)
        if wait > 0:
            return max(1, math.ceil(wait))
        for buckets, key in checks:
            buckets.consume(key)
        return None
