"""Between Telegram and the handlers: each update stored before it is confirmed, handled once.

Telegram is told an update arrived when the bot asks getUpdates for the offset after it, and
PTB does so on its next call. UpdatesRequest hands every answer to `receive` first: the
updates go into the inbox in one transaction, and only then does PTB see them (so only then
can it confirm them). If they cannot be stored, PTB gets InboxUnavailable (a NetworkError) and
asks for the same updates again. At start, `replay` gives back those a killed process stored
but never handled.

An update Telegram sends again (stored, but not confirmed before a kill) is dropped: it is no
newer than the newest update the inbox held when this process began, so it is replayed or was
handled. Within one process updates only move forward (PTB's offset), so no set of received
ids is kept. While an update is handled, the update processor names its claim
(storage/update_claim.py), so its first write marks it handled; one whose handling wrote
nothing is marked with the next updates stored, in their transaction (replaying a read is
harmless).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from telegram import Bot, Update
from telegram.error import NetworkError

from bot.transport.background import unbroken
from bot.transport.http_request import json_bytes
from bot.transport.wire import stored_update
from storage.inbox import ArrivedUpdate, Inbox
from storage.update_claim import ClaimState, UpdateClaim

log = logging.getLogger(__name__)

# An update handled without a write is marked with the next getUpdates answer's insert, or
# after this many seconds when none comes: replaying it after a kill is harmless.
MARK_DELAY_S = 0.5


class InboxUnavailable(NetworkError):
    """A getUpdates answer could not be stored: PTB asks for the same updates again."""


def bot_id_of(token: str) -> int:
    """The bot's numeric id: the part of its token before ':' (not secret; 0 if none)."""
    prefix = token.partition(":")[0]
    return int(prefix) if prefix.isdigit() else 0


def sender_of(update: dict[str, Any]) -> int | None:
    """The id of the user an update (Telegram's JSON) comes from, if it has one."""
    for field, value in update.items():
        if field != "update_id" and isinstance(value, dict):
            user = value.get("from") or value.get("user")
            if isinstance(user, dict) and isinstance(user.get("id"), int):
                return int(user["id"])
    return None


def arrival(update: dict[str, Any]) -> ArrivedUpdate:
    """One update of a getUpdates answer, as the inbox stores it."""
    payload = json_bytes(update).decode()
    return ArrivedUpdate(int(update["update_id"]), sender_of(update), payload)


class InboxGate:
    """One bot's door between Telegram's answers and its handlers."""

    def __init__(self, inbox: Inbox, bot_id: int) -> None:
        self.inbox = inbox
        self.bot_id = bot_id
        # Updates up to this one were in the inbox when this process began serving the bot:
        # Telegram may send them again, and they are replayed or handled already.
        self._known_up_to = 0
        self._replaying: set[int] = set()
        # Webhook mode: the unhandled updates already given to the Application.
        self._fed: set[int] = set()
        self._unmarked: list[int] = []
        self._marking: asyncio.Task[None] | None = None

    async def receive(self, updates: Sequence[Any], *, announce_to_holder: bool = False) -> None:
        """Store a getUpdates answer's updates; NetworkError (PTB tries again) if that fails.

        Updates handled meanwhile without a write are marked in the same transaction.
        `announce_to_holder`: a webhook post, which any process may store: the holder of the
        bot is woken by a notice at the commit (storage/notices.py).
        """
        arrived = [arrival(u) for u in updates if isinstance(u, dict) and "update_id" in u]
        handled, self._unmarked = self._unmarked, []
        try:
            await self.inbox.receive(
                self.bot_id, arrived, handled, announce_to_holder=announce_to_holder
            )
        except Exception as exc:
            self._unmarked = handled + self._unmarked
            detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise InboxUnavailable(
                f"updates not stored in the inbox, asking again: {detail}"
            ) from exc

    async def replay(self, bot: Bot) -> list[Update]:
        """The updates stored but never handled, in order, cleaned as received ones are."""
        self._known_up_to = await self.inbox.last_update_id(self.bot_id)
        waiting = await self.inbox.unhandled(self.bot_id)
        updates = [Update.de_json(stored_update(u.payload), bot) for u in waiting]
        self._replaying = {u.update_id for u in waiting}
        self._fed = set(self._replaying)
        if waiting:
            log.info("handling %d updates received before a restart", len(waiting))
        return updates

    async def arrived(self, bot: Bot) -> list[Update]:
        """Webhook mode: the unhandled updates not given to the Application yet, in order.

        Stored by any process; each is handed out once (handled ones leave the set, so it
        stays as small as the inbox's unhandled rows), and admitted by `claim` as a replayed
        one is, however its number compares with the others'.
        """
        waiting = await self.inbox.unhandled(self.bot_id)
        fresh = [u for u in waiting if u.update_id not in self._fed]
        self._fed = {u.update_id for u in waiting}
        self._replaying.update(u.update_id for u in fresh)
        return [Update.de_json(stored_update(u.payload), bot) for u in fresh]

    def claim(self, update: Update) -> UpdateClaim | None:
        """The update's claim if it is to be handled; None if it must be dropped."""
        update_id = update.update_id
        if update_id in self._replaying:
            self._replaying.discard(update_id)
        elif update_id <= self._known_up_to:
            log.info("update %d was received before: not handled again", update_id)
            return None
        return UpdateClaim(self.bot_id, update_id)

    def handled(self, claim: UpdateClaim) -> None:
        """The handling is over: an update no write marked is marked with the next updates
        stored, or within MARK_DELAY_S if none come."""
        if claim.state is not ClaimState.PENDING:
            return
        claim.state = ClaimState.CLOSED
        self._unmarked.append(claim.update_id)
        if self._marking is None or self._marking.done():
            self._marking = asyncio.create_task(self._mark_later())

    async def _mark_later(self) -> None:
        """Mark what is still waiting after MARK_DELAY_S (no updates came to carry it)."""
        await asyncio.sleep(MARK_DELAY_S)
        await unbroken(self._mark_waiting())  # `close` cancels the wait, not the write

    async def _mark_waiting(self) -> None:
        """Mark the updates waiting to be marked, in one write."""
        update_ids, self._unmarked = self._unmarked, []
        if not update_ids:
            return
        try:
            await self.inbox.mark_handled(self.bot_id, update_ids)
        except Exception as exc:  # replayed after a restart: they wrote nothing
            log.warning("%d handled updates not marked: %s", len(update_ids), exc)

    async def close(self) -> None:
        """Mark what is waiting before the process stops."""
        if self._marking is not None:
            self._marking.cancel()
        await self._mark_waiting()
