"""A pacer for bulk sends: slots at a fixed rate, never faster, held back by a 429's retry_after."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable

# Slots saved up while the sender was late (a timer firing a little after its time) may be
# used at once, up to this many seconds' worth; without it every late wake-up is a lost slot.
BURST_S = 0.02
# Shorter naps are plain sleeps; longer ones also end when the pacer is closed.
INTERRUPTIBLE_NAP_S = 0.25
# ChatPace looks for chats that are free again once it remembers more than this many.
PRUNE_ABOVE = 1000


# Telegram: about one message a second to one chat; the outbox keeps each chat to this pace.
DEFAULT_CHAT_RATE = 1.0


class Pacer:
    """A token bucket: one slot every `1/rate` seconds, at most `burst` saved up.

    Over any t seconds it hands out at most `burst + rate * t` slots, so the long-run rate
    never exceeds `rate`. `hold()` stops all slots for a while (Telegram's retry_after);
    `close()` makes every waiter give up, so a stopping sender is not kept asleep.
    """

    def __init__(
        self,
        rate_per_s: float,
        burst: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate_per_s <= 0:
            raise ValueError("the rate must be positive")
        self.rate = rate_per_s
        self.burst = burst if burst is not None else max(1.0, rate_per_s * BURST_S)
        self._clock = clock
        self._tokens = 1.0  # the first slot is free; no burst right at the start
        self._updated = clock()
        self._lock = asyncio.Lock()
        self._closed = asyncio.Event()

    @property
    def closed(self) -> bool:
        """Whether `close()` was called."""
        return self._closed.is_set()

    def close(self) -> None:
        """Wake every waiter; from now on `wait()` and `sleep()` return False at once."""
        self._closed.set()

    def hold(self, seconds: float) -> None:
        """Give no slot for `seconds` from now, and none saved from before (after a 429)."""
        self._refill()
        self._updated = max(self._updated, self._clock() + seconds)
        self._tokens = min(self._tokens, 0.0)

    async def wait(self) -> bool:
        """Wait for the next slot and take it; False if the pacer was closed instead."""
        async with self._lock:  # FIFO: waiters get slots in the order they asked
            while not self.closed:
                delay = self._delay()
                if delay <= 0:
                    self._tokens -= 1.0
                    return True
                await self.sleep(delay)
            return False

    async def past_hold(self) -> bool:
        """Wait out a hold that began after a slot was taken; False if the pacer is closed.

        A send given its slot just before another send's 429 must not go out during the wait
        Telegram asked for: it checks here right before it goes.
        """
        while not self.closed:
            held = self._updated - self._clock()
            if held <= 0:
                return True
            await self.sleep(held)
        return False

    async def sleep(self, seconds: float) -> bool:
        """Sleep `seconds`, or less if the pacer is closed meanwhile; False if it is closed."""
        if seconds < INTERRUPTIBLE_NAP_S:
            await asyncio.sleep(seconds)
        else:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closed.wait(), seconds)
        return not self.closed

    def _refill(self) -> None:
        """Add the slots earned since the last look (none while a hold lasts)."""
        current = self._clock()
        if current > self._updated:
            earned = (current - self._updated) * self.rate
            self._tokens = min(self.burst, self._tokens + earned)
            self._updated = current

    def _delay(self) -> float:
        """Seconds until a slot is free (0 if one is free now)."""
        self._refill()
        if self._tokens >= 1.0:
            return 0.0
        held = max(0.0, self._updated - self._clock())
        return held + (1.0 - self._tokens) / self.rate


class ChatPace:
    """Keeps each chat to `rate` messages a second: the next one only `1/rate` after the last.

    The gap is counted from when the last send was answered, so however late a request
    travels, Telegram never sees two messages to one chat closer than `1/rate` apart.
    A 429 holds only its own chat; the others go on.
    """

    def __init__(self, rate_per_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        if rate_per_s <= 0:
            raise ValueError("the rate must be positive")
        self.interval = 1.0 / rate_per_s
        self._clock = clock
        self._free_at: dict[int, float] = {}
        self._prune_above = PRUNE_ABOVE

    def wait_s(self, chat_id: int) -> float:
        """Seconds until the chat may get its next message (0 if it may now)."""
        return max(0.0, self._free_at.get(chat_id, 0.0) - self._clock())

    def sent(self, chat_id: int) -> None:
        """A send to the chat was just answered: space the next one."""
        self._free_at[chat_id] = max(self._free_at.get(chat_id, 0.0), self._clock() + self.interval)
        self._forget_past()

    def hold(self, chat_id: int, seconds: float) -> None:
        """Send nothing to the chat for `seconds` (Telegram's retry_after)."""
        self._free_at[chat_id] = max(self._free_at.get(chat_id, 0.0), self._clock() + seconds)

    def _forget_past(self) -> None:
        """Drop chats that are free again, so memory stays with the chats in a burst."""
        if len(self._free_at) > self._prune_above:
            current = self._clock()
            self._free_at = {chat: at for chat, at in self._free_at.items() if at > current}
            self._prune_above = max(PRUNE_ABOVE, 2 * len(self._free_at))
