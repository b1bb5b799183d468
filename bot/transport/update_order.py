"""Updates of different users handled at once; each user's own one at a time, in order.

PTB handles updates one after another by default, so one slow answer from Telegram (a send
hanging until its timeout) holds up every villager behind it, and the bot idles while it
waits for each answer. Its `concurrent_updates` runs them all at once, but then two presses
of one user can overtake each other, and a dialog (ConversationHandler) must see its steps in
order. This processor keeps a queue a user: an update waits for the one before it from the
same user (or, with no user, for the one before it without a user), and at most
`running` updates are handled at the same time.

With an inbox gate (bot/transport/inbox_gate.py), an update Telegram sent again is dropped
before it waits, and each update is handled under its claim: its first write marks it handled
in the inbox (storage/update_claim.py), or the gate marks it once its handling is over.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.transport.inbox_gate import InboxGate
from storage.update_claim import UpdateClaim, handling, stop_handling

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

    def __init__(self, running: int = RUNNING_UPDATES, gate: InboxGate | None = None) -> None:
        super().__init__(max_concurrent_updates=WAITING_UPDATES)
        self._gate = gate
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
        claim = None
        if self._gate is not None and isinstance(update, Update):
            claim = self._gate.claim(update)
            if claim is None:  # sent again by Telegram: replayed or handled already
                if inspect.iscoroutine(coroutine):
                    coroutine.close()
                return
        key = user_key(update)
        turn = self._turns.setdefault(key, asyncio.Lock())
        self._queued[key] = self._queued.get(key, 0) + 1
        try:
            async with turn, self._running:
                await self._handle(coroutine, claim)
        finally:
            self._queued[key] -= 1
            if not self._queued[key]:
                del self._queued[key], self._turns[key]

    async def _handle(self, coroutine: Awaitable[Any], claim: UpdateClaim | None) -> None:
        """Handle the update, its writes under its claim; then settle the claim."""
        if claim is None or self._gate is None:
            await coroutine
            return
        token = handling(claim)
        try:
            await coroutine
        finally:
            stop_handling(token)
            self._gate.handled(claim)

    @property
    def users_in_hand(self) -> int:
        """How many users have an update being handled or waiting."""
        return len(self._turns)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Mark what was handled; PTB waits for the updates in hand before it stops."""
        if self._gate is not None:
            await self._gate.close()
