"""The inbox: each bot's updates, stored before Telegram is told they arrived.

A row is written when an update arrives (getUpdates' answer, before the next call confirms
it), marked handled by the first write of its handling (storage/update_claim.py) or, for an
update whose handling wrote nothing, right after it; handled rows are deleted by the
retention job. Rows are keyed by the bot (the numeric id of its token) and Telegram's
update_id.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from storage.clock import now
from storage.db import Database
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
        self._insert = (postgresql.insert if not db.is_sqlite else sqlite.insert)(inbox)

    async def receive(self, bot_id: int, updates: Sequence[ArrivedUpdate]) -> set[int]:
        """Store the updates of one getUpdates answer in one transaction; returns the ids of
        those new to the inbox (Telegram sends again what was not confirmed)."""
        if not updates:
            return set()
        arrived = now()
        rows = [
            {
                "bot_id": bot_id,
                "update_id": update.update_id,
                "user_id": update.user_id,
                "payload": update.payload,
                "received_at": arrived,
                "handled_at": None,
            }
            for update in updates
        ]
        insert = self._insert.values(rows).on_conflict_do_nothing().returning(inbox.c.update_id)
        async with self.db.write() as conn:
            return {int(row.update_id) for row in (await conn.execute(insert)).all()}

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
