"""Updates of different users handled at once; each user's own one at a time, in order.

PTB handles updates one after another by default, so one slow answer from Telegram (a send
hanging until its timeout) holds up every villager behind it, and the bot idles while it
waits for each answer. Its `concurrent_updates` runs them all at once, but then two presses
of one user can overtake each other, and a dialog (ConversationHandler) must see its steps in
order. This processor keeps a queue a user: an update waits for the one before it from the
same user (or, with no user, for the one before it without a user), and at most
`running` updates are handled at the same time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# Updates being handled at once; the database pool (5 + 10 connections) stays ahead of it.
RUNNING_UPDATES = 8
# Waiting updates PTB's own limit lets through: the waiting happens here, a queue a user, so
# one user's burst waits in their queue instead of filling PTB's slots.
WAITING_UPDATES = 100_000


def user_key(update: object) -> int | None:
    """Whose queue the update joins: its user's, or the shared one when it has none."""
    if isinstance(update, Update) and update.effective_user is not None:
        return update.effective_user.id
    return None


class PerUserOrder(BaseUpdateProcessor):
    """BaseUpdateProcessor that orders updates by user and runs up to `running` at once."""

    def __init__(self, running: int = RUNNING_UPDATES) -> None:
        super().__init__(max_concurrent_updates=WAITING_UPDATES)
        self._running = asyncio.BoundedSemaphore(running)
        # A user's lock while one of their updates is handled or waits; gone once none is.
        self._turns: dict[int | None, asyncio.Lock] = {}
        self._queued: dict[int | None, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Wait for this user's earlier updates and for a free slot, then handle the update.

        Updates reach this point in the order PTB received them, without pausing on the way
        (PTB's own semaphore is never full), and asyncio's locks serve waiters first come
        first served: so a user's updates are handled in the order they were sent.
        """
        key = user_key(update)
        turn = self._turns.setdefault(key, asyncio.Lock())
        self._queued[key] = self._queued.get(key, 0) + 1
        try:
            async with turn, self._running:
                await coroutine
        finally:
            self._queued[key] -= 1
            if not self._queued[key]:
                del self._queued[key], self._turns[key]

    @property
    def users_in_hand(self) -> int:
        """How many users have an update being handled or waiting."""
        return len(self._turns)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to free: PTB waits for the updates in hand before it stops."""
