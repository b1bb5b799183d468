"""The inbox: each bot's updates, stored before Telegram is told they arrived.

A row is written when an update arrives (getUpdates' answer, before the next call confirms
it), marked handled by the first write of its handling (storage/update_claim.py) or, for an
update whose handling wrote nothing, right after it; handled rows are deleted by the
retention job. Rows are keyed by the bot (the numeric id of its token) and Telegram's
update_id.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from storage.clock import now
from storage.db import Database
from storage.notices import INBOX_CHANNEL, BotWakeups, announce
from storage.schema import inbox


@dataclass(frozen=True)
class ArrivedUpdate:
    """One update as it arrived: whose it is and its JSON as Telegram sent it."""

    update_id: int
    user_id: int | None
    payload: str


_UNHANDLED = (
    sa.select(inbox.c.update_id, inbox.c.user_id, inbox.c.payload)
    .where(
        inbox.c.bot_id == sa.bindparam("bot", type_=inbox.c.bot_id.type),
        inbox.c.handled_at.is_(None),
    )
    .order_by(inbox.c.update_id)
)
_LAST = sa.select(sa.func.max(inbox.c.update_id)).where(
    inbox.c.bot_id == sa.bindparam("bot", type_=inbox.c.bot_id.type)
)
_MARK_MANY = (
    sa.update(inbox)
    .where(
        inbox.c.bot_id == sa.bindparam("bot", type_=inbox.c.bot_id.type),
        inbox.c.update_id.in_(sa.bindparam("updates", expanding=True)),
        inbox.c.handled_at.is_(None),
    )
    # What the update said is needed only to handle it: kept no longer (docs/privacy.md).
    .values(handled_at=sa.bindparam("at", type_=inbox.c.handled_at.type), payload="")
)


class Inbox:
    """Updates of every bot, from arrival to handled."""

    def __init__(self, db: Database) -> None:
        self.db = db
        insert = (sqlite.insert if db.is_sqlite else postgresql.insert)(inbox)
        # Built once: one statement for every answer, however many updates it holds.
        self._insert = insert.on_conflict_do_nothing(index_elements=["bot_id", "update_id"])
        # Webhook mode: the feeds of the bots served here, woken when updates arrive.
        self._feeds = BotWakeups()

    def listen(self, bot_id: int) -> asyncio.Event:
        """An event of one's own for the feed of bot `bot_id`, set when its updates arrive
        (stored by this process or, on PostgreSQL, by another: a notice)."""
        return self._feeds.listen(bot_id)

    def forget(self, event: asyncio.Event) -> None:
        """A feed stopped: its event is set no more."""
        self._feeds.forget(event)

    def wake(self, bot_id: int) -> None:
        """Updates of bot `bot_id` were stored (call it after the commit)."""
        self._feeds.wake(bot_id)

    def notified(self, payload: str) -> None:
        """A notice (storage/notices.py): another process stored updates of this bot."""
        self._feeds.wake(int(payload))

    def missed_notices(self) -> None:
        """Notices may have been missed (listening began again): every feed looks."""
        self._feeds.wake_all()

    async def receive(
        self,
        bot_id: int,
        updates: Sequence[ArrivedUpdate],
        handled: Sequence[int] = (),
        *,
        announce_to_holder: bool = False,
    ) -> None:
        """Store the updates of one getUpdates answer in one transaction; those the inbox
        holds already (Telegram sends again what was not confirmed) are left as they are.
        Updates `handled` meanwhile (without a write of their own) are marked with them.
        `announce_to_holder` (webhook mode, where any process may store any bot's updates):
        a notice in the transaction wakes the bot's feed in whichever process holds it."""
        arrived = now()
        rows = [
            {
                "bot_id": bot_id,
                "update_id": update.update_id,
                "user_id": update.user_id,
                "payload": update.payload,
                "received_at": arrived,
            }
            for update in updates
        ]
        if not rows and not handled:
            return
        async with self.db.write() as conn:
            if rows:
                await conn.execute(self._insert, rows)
                if announce_to_holder:
                    await announce(conn, INBOX_CHANNEL, str(bot_id))
            if handled:
                marks = {"bot": bot_id, "updates": list(handled), "at": arrived}
                await conn.execute(_MARK_MANY, marks)

    async def last_update_id(self, bot_id: int) -> int:
        """The highest update_id the inbox holds for the bot (0 if none): Telegram sends
        again only updates up to it, never a newer one."""
        rows = await self.db.fetch(_LAST, {"bot": bot_id})
        return int(rows[0][0] or 0)

    async def unhandled(self, bot_id: int) -> list[ArrivedUpdate]:
        """The bot's updates not handled yet, in the order Telegram numbered them."""
        rows = await self.db.fetch(_UNHANDLED, {"bot": bot_id})
        return [ArrivedUpdate(int(r.update_id), r.user_id, r.payload) for r in rows]

    async def mark_handled(self, bot_id: int, update_ids: Sequence[int]) -> int:
        """Mark these updates handled (those that were not yet); returns how many were."""
        if not update_ids:
            return 0
        params = {"bot": bot_id, "updates": list(update_ids), "at": now()}
        async with self.db.write() as conn:
            return int((await conn.execute(_MARK_MANY, params)).rowcount)

    async def forget_handled(self, before: float) -> int:
        """Delete the updates of every bot handled before `before` (epoch seconds)."""
        stale = sa.delete(inbox).where(inbox.c.handled_at < before)
        async with self.db.write() as conn:
            return int((await conn.execute(stale)).rowcount)
