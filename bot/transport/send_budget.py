"""One send budget per bot, shared by everything that puts a message into a chat, by priority.

Telegram lets a bot send about 30 messages a second in all, 20 a minute to one group, and
about one a second to one chat with short bursts. Every request that puts something into a
chat (send*, edit*, copy, forward) takes a slot here; the next free slot goes to the most
urgent waiter: a reply to the user who just wrote or pressed, then a notification card (the
outbox), then an announcement (the broadcaster). Calls that put nothing into a chat
(answerCallbackQuery, getUpdates, sendChatAction...) never wait here, so a button's spinner
stops at once even during an announcement.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import time
from collections.abc import Callable, Coroutine
from enum import IntEnum
from typing import Any

from telegram.constants import FloodLimit
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.transport.telegram_answers import retry_seconds

log = logging.getLogger(__name__)

# Only methods that put something into a chat count against Telegram's limits.
_COUNTED_PREFIXES = ("send", "edit", "copy", "forward")
_NOT_COUNTED = frozenset({"sendchataction"})
# Slots saved up while nobody sent, usable at once: 0.3 s worth (9 at 30 a second), so a few
# users answered at the same moment do not queue, and far from the 30 Telegram lets pass at once.
BURST_S = 0.3
# A private chat: one message a second, with a few at once (a reply and its card, say).
CHAT_RATE_PER_S = 1.0
CHAT_BURST = 4.0
# Chats remembered before those with a full bucket again are forgotten.
PRUNE_ABOVE = 1000
JSON = bool | dict[str, Any] | list[dict[str, Any]]


class Priority(IntEnum):
    """Who waits for a send slot first (lower first); `rate_limit_args` of a Bot call."""

    REPLY = 0  # the answer to what a user just wrote or pressed (the default)
    CARD = 1  # a notification or a card the outbox delivers
    BULK = 2  # an announcement to many villagers


class Bucket:
    """A token bucket: `rate` slots a second, at most `burst` saved up; can be held."""

    def __init__(self, rate: float, burst: float, clock: Callable[[], float]) -> None:
        self.rate = rate
        self.burst = max(1.0, burst)
        self._clock = clock
        self._tokens = 1.0
        self._updated = clock()

    def wait_s(self) -> float:
        """Seconds until a slot is free (0: one is free now)."""
        current = self._clock()
        if current > self._updated:
            self._tokens = min(self.burst, self._tokens + (current - self._updated) * self.rate)
            self._updated = current
        if self._tokens >= 1.0:
            return 0.0
        return (self._updated - current) + (1.0 - self._tokens) / self.rate

    def take(self) -> None:
        """Use one slot (after wait_s() said one is free)."""
        self._tokens -= 1.0

    def reserve(self) -> float:
        """Book the next slot, free or not; returns the seconds until it is due."""
        self.wait_s()
        self._tokens -= 1.0
        held = max(0.0, self._updated - self._clock())
        return held + max(0.0, -self._tokens / self.rate)

    def hold(self, seconds: float) -> None:
        """No slot for `seconds` from now, and none saved from before (Telegram's 429)."""
        self.wait_s()
        self._updated = max(self._updated, self._clock() + seconds)
        self._tokens = min(self._tokens, 0.0)

    @property
    def full(self) -> bool:
        """Whether the bucket has every slot back (nothing to remember it for)."""
        return self.wait_s() == 0.0 and self._tokens >= self.burst


class SendBudget(BaseRateLimiter[Priority]):
    """PTB's rate limiter for one bot: one overall budget, shared by priority, plus each
    chat's own pace. A 429 holds the whole budget for the time Telegram asks."""

    def __init__(
        self,
        rate_per_s: float = float(FloodLimit.MESSAGES_PER_SECOND),
        *,
        chat_rate_per_s: float = CHAT_RATE_PER_S,
        group_per_minute: float = float(FloodLimit.MESSAGES_PER_MINUTE_PER_GROUP),
        reply_retries: int = 3,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._clock = clock
        self._overall = Bucket(rate_per_s, rate_per_s * BURST_S, clock)
        self._chat_rate = chat_rate_per_s
        self._group_rate = group_per_minute / 60.0
        self._chats: dict[int | str, Bucket] = {}
        self._waiting: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._timer: asyncio.TimerHandle | None = None
        self._reply_retries = reply_retries
        self.rate_limited = 0  # 429s Telegram answered, for benchmarks and tests

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Let every waiter go: the application is stopping."""
        if self._timer is not None:
            self._timer.cancel()
        for _, _, waiter in self._waiting:
            if not waiter.done():
                waiter.cancel()
        self._waiting.clear()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSON]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: Priority | None,
    ) -> JSON:
        """Send when this call's turn comes; a reply retries a 429 a few times, the outbox
        and the broadcaster get it at once (they wait as Telegram asks and try again)."""
        if not _counted(endpoint):
            return await callback(*args, **kwargs)
        priority = Priority.REPLY if rate_limit_args is None else Priority(rate_limit_args)
        retries = self._reply_retries if priority is Priority.REPLY else 0
        chat = _chat_key(data.get("chat_id"))
        for attempt in itertools.count():
            await self._chat_turn(chat)
            await self._turn(priority)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                self.rate_limited += 1
                self._overall.hold(retry_seconds(exc))
                if attempt >= retries:
                    raise
                log.info("429 on %s: waiting %.0f s", endpoint, retry_seconds(exc))
        raise AssertionError("unreachable")  # pragma: no cover

    async def _turn(self, priority: Priority) -> None:
        """Wait until the overall budget gives this priority a slot."""
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (priority, next(self._order), waiter))
        if self._timer is None:
            self._grant()
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():  # granted, then cancelled: hand on
                self._grant()
            raise

    def _grant(self) -> None:
        """Give free slots to the most urgent waiters; come back when the next slot is due."""
        self._timer = None
        while self._waiting:
            if self._waiting[0][2].done():  # its caller gave up
                heapq.heappop(self._waiting)
                continue
            wait = self._overall.wait_s()
            if wait > 0:
                self._timer = asyncio.get_running_loop().call_later(wait, self._grant)
                return
            self._overall.take()
            heapq.heappop(self._waiting)[2].set_result(None)

    async def _chat_turn(self, chat: int | str | None) -> None:
        """Wait for the chat's own pace (a group's 20 a minute, a private chat's one a
        second with short bursts)."""
        if chat is None:
            return
        bucket = self._chats.get(chat)
        if bucket is None:
            bucket = self._chats[chat] = self._chat_bucket(chat)
            self._forget_idle_chats()
        delay = bucket.reserve()  # booked now, so two sends to one chat never share a slot
        if delay > 0:
            await asyncio.sleep(delay)

    def _chat_bucket(self, chat: int | str) -> Bucket:
        """A group or channel is kept to its per-minute limit; a private chat to its pace."""
        if isinstance(chat, str) or chat < 0:
            return Bucket(self._group_rate, 1.0, self._clock)
        return Bucket(self._chat_rate, CHAT_BURST, self._clock)

    def _forget_idle_chats(self) -> None:
        """Keep memory to the chats that are still being paced."""
        if len(self._chats) > PRUNE_ABOVE:
            self._chats = {chat: b for chat, b in self._chats.items() if not b.full}


def _counted(endpoint: str) -> bool:
    """Whether a Bot API method puts something into a chat (and so counts)."""
    method = endpoint.lower()
    return method.startswith(_COUNTED_PREFIXES) and method not in _NOT_COUNTED


def _chat_key(chat_id: object) -> int | str | None:
    """The chat a call is for, as Telegram counts it (an @channel name stays a string)."""
    if chat_id is None:
        return None
    with contextlib.suppress(TypeError, ValueError):
        return int(chat_id)  # type: ignore[call-overload, no-any-return]
    return str(chat_id)
