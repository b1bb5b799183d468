"""How fast one user may write: a token bucket a user, so one villager cannot bury the others.

A person types, presses and reads; they do not send twenty updates in a few seconds and keep it
up. Each user holds up to `burst` tokens, an update spends one, and tokens come back at
`per_minute`. An update with no token left is refused; the user is told why at most once a
minute, not on every refused update (a notice is a message too).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

# A burst a person can make (a few quick presses on + and -), and a pace no person keeps up.
DEFAULT_BURST = 30
DEFAULT_PER_MINUTE = 60
# A refused user hears why at most this often.
NOTICE_EVERY_S = 60.0
# Users not seen for this long have a full bucket again, so their entry can be forgotten.
FORGET_AFTER_S = 600.0


class Verdict(Enum):
    """What to do with a user's update."""

    ALLOW = "allow"
    REFUSE_AND_TELL = "refuse_and_tell"  # say why (at most once a minute)
    REFUSE = "refuse"  # drop quietly: the user was told a moment ago


@dataclass
class _Bucket:
    tokens: float
    at: float
    told_at: float | None = None


@dataclass
class FloodGate:
    """Token buckets by user id; `check` is called once for every update a user sends."""

    burst: int = DEFAULT_BURST
    per_minute: float = DEFAULT_PER_MINUTE
    _buckets: dict[int, _Bucket] = field(default_factory=dict)
    _swept_at: float = 0.0

    def check(self, user_id: int, now: float) -> Verdict:
        """Spend one of the user's tokens if they have one; say whether the update may go on."""
        bucket = self._refilled(user_id, now)
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return Verdict.ALLOW
        if bucket.told_at is not None and now - bucket.told_at < NOTICE_EVERY_S:
            return Verdict.REFUSE
        bucket.told_at = now
        return Verdict.REFUSE_AND_TELL

    def _refilled(self, user_id: int, now: float) -> _Bucket:
        self._sweep(now)
        bucket = self._buckets.get(user_id)
        if bucket is None:
            bucket = self._buckets[user_id] = _Bucket(tokens=float(self.burst), at=now)
            return bucket
        gained = max(0.0, now - bucket.at) * self.per_minute / 60.0
        bucket.tokens, bucket.at = min(float(self.burst), bucket.tokens + gained), now
        return bucket

    def _sweep(self, now: float) -> None:
        """Forget users quiet for a while (their bucket is full again): memory stays bounded."""
        if now - self._swept_at < FORGET_AFTER_S:
            return
        self._swept_at = now
        quiet = [user for user, bucket in self._buckets.items() if now - bucket.at > FORGET_AFTER_S]
        for user in quiet:
            del self._buckets[user]

    def __len__(self) -> int:
        return len(self._buckets)
