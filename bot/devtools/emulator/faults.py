"""Scheduled Bot API failures: 5xx answers, hangs past the client's timeout, 429 stretches.

A test plans what Telegram does wrong, per method (lower-cased, as in `server.METHODS`, or
"*" for every method but getUpdates) and optionally per chat::

    emu.faults.queue("sendmessage", Fault.server_error(), Fault.server_error())
    emu.faults.stretch("sendmessage", Fault.flood(), seconds=3.0, chat_id=MANAGER)
    emu.faults.queue("sendmessage", Fault.hang(6.0, delivered=True))

`queue` spends one fault per matching call; `stretch` answers every matching call while it
lasts. A hang that was `delivered` does its work (the message reaches the chat) and only then
keeps the caller waiting: Telegram took the message but its answer never came back in time.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

ANY_METHOD = "*"
# Never faulted by "*": a bot whose polling fails cannot be told anything at all.
_UNFAULTED = frozenset({"getupdates"})


class FaultKind(Enum):
    """What goes wrong."""

    SERVER_ERROR = "server_error"
    HANG = "hang"
    FLOOD = "flood"


@dataclass(frozen=True)
class Fault:
    """One wrong answer; build it with the class methods."""

    kind: FaultKind
    code: int = 500
    seconds: float = 0.0
    delivered: bool = False
    retry_after: int | None = None

    @classmethod
    def server_error(cls, code: int = 500) -> Fault:
        """Answer at once with a 5xx, doing nothing."""
        return cls(FaultKind.SERVER_ERROR, code=code)

    @classmethod
    def hang(cls, seconds: float, *, delivered: bool = False) -> Fault:
        """Keep the caller waiting `seconds`, then answer 504; `delivered`: the call took effect."""
        return cls(FaultKind.HANG, code=504, seconds=seconds, delivered=delivered)

    @classmethod
    def flood(cls, retry_after: int | None = None) -> Fault:
        """429 with retry_after; in a stretch, None means the seconds the stretch has left."""
        return cls(FaultKind.FLOOD, code=429, retry_after=retry_after)


@dataclass
class _Plan:
    method: str
    chat_id: int | None
    faults: list[Fault]
    until: float | None = None  # a stretch: answer every call until then

    def matches(self, method: str, chat_id: str | None) -> bool:
        if self.method == ANY_METHOD:
            if method in _UNFAULTED:
                return False
        elif self.method != method:
            return False
        return self.chat_id is None or str(self.chat_id) == chat_id


@dataclass(frozen=True)
class Injected:
    """A fault given to the bot, for tests to count."""

    method: str
    chat_id: str | None
    fault: Fault


@dataclass
class FaultSchedule:
    """The failures still to come, and the ones already given."""

    clock: Callable[[], float] = time.monotonic
    injected: list[Injected] = field(default_factory=list)
    _plans: list[_Plan] = field(default_factory=list)

    def queue(self, method: str, *faults: Fault, chat_id: int | None = None) -> None:
        """The next len(faults) matching calls get these faults, in order."""
        self._plans.append(_Plan(method.lower(), chat_id, list(faults)))

    def stretch(
        self, method: str, fault: Fault, seconds: float, *, chat_id: int | None = None
    ) -> None:
        """Every matching call for the next `seconds` seconds gets `fault`."""
        until = self.clock() + seconds
        self._plans.append(_Plan(method.lower(), chat_id, [fault], until))

    def clear(self) -> None:
        """Forget every planned fault; Telegram behaves again."""
        self._plans.clear()

    def take(self, method: str, chat_id: str | None) -> Fault | None:
        """The fault for this call, if one is planned (and spend it)."""
        current = self.clock()
        self._plans = [
            p for p in self._plans if p.faults and (p.until is None or p.until > current)
        ]
        plan = next((p for p in self._plans if p.matches(method, chat_id)), None)
        if plan is None:
            return None
        if plan.until is None:
            fault = plan.faults.pop(0)
        else:
            fault = plan.faults[0]
            if fault.kind is FaultKind.FLOOD and fault.retry_after is None:
                fault = Fault.flood(max(1, math.ceil(plan.until - current)))
        self.injected.append(Injected(method, chat_id, fault))
        return fault

    def counts(self) -> Counter[FaultKind]:
        """How many faults of each kind were given."""
        return Counter(i.fault.kind for i in self.injected)

    @property
    def pending(self) -> bool:
        """Whether any planned fault is still to come."""
        current = self.clock()
        return any(p.faults and (p.until is None or p.until > current) for p in self._plans)
