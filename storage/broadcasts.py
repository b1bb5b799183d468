"""Broadcasts: a manager's announcement, and one delivery row per villager it goes to.

The recipients are fixed when the manager presses Send, in the transaction that starts the
broadcast, so a restart resumes the same list and each row says whether that villager has it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.broadcasts import (
    Broadcast,
    BroadcastStatus,
    DeliveryStatus,
    Outcome,
    Recipient,
    Tally,
)
from bot.domain.leases import Lease
from storage.clock import now
from storage.db import Database
from storage.leases import still_held
from storage.schema import broadcast_deliveries, broadcasts, centers, users

deliveries = broadcast_deliveries


# One statement for every outcome of a batch (an executemany); names avoid the column names.
SETTLE = (
    sa.update(deliveries)
    .where(
        deliveries.c.broadcast_id == sa.bindparam("b_id"),
        deliveries.c.user_id == sa.bindparam("u_id"),
        deliveries.c.status == DeliveryStatus.PENDING.value,
    )
    .values(
        status=sa.bindparam("new_status"),
        attempts=deliveries.c.attempts + 1,
        sent_at=sa.bindparam("at"),
    )
)


def broadcast_from_row(row: Any) -> Broadcast:
    """Build a Broadcast from a `broadcasts` row."""
    return Broadcast(
        id=row.id,
        center_id=row.center_id,
        manager_id=row.manager_id,
        text=row.text,
        photo_file_id=row.photo_file_id,
        status=BroadcastStatus(row.status),
        created_at=row.created_at,
        finished_at=row.finished_at,
        progress_chat_id=row.progress_chat_id,
        progress_message_id=row.progress_message_id,
    )


def recipients_of(center_id: int, manager_id: int) -> sa.Select[Any]:
    """Villagers an announcement reaches: in the center, not muted, not the manager, and not
    blocking the center's bot (a block of the bot a moved center left hides nobody)."""
    return sa.select(users.c.id).where(
        users.c.center_id == center_id,
        sa.not_(users.c.muted),
        sa.or_(users.c.blocked_at.is_(None), sa.not_(blocks_bot_of(center_id))),
        users.c.id != manager_id,
    )


def blocks_bot_of(center_id: int) -> sa.ColumnElement[bool]:
    """Whether the user's block (users.blocked_bot_id, NULL: the default bot) is of the
    center's bot."""
    bot_of_center = sa.select(centers.c.bot_id).where(centers.c.id == center_id).scalar_subquery()
    return sa.func.coalesce(users.c.blocked_bot_id, 0) == sa.func.coalesce(bot_of_center, 0)


def _blocked_by_broadcast(outcomes: Sequence[Outcome]) -> dict[int, list[int]]:
    """The villagers who blocked the bot, by the broadcast that found it out."""
    blocked: dict[int, list[int]] = {}
    for o in outcomes:
        if o.status is DeliveryStatus.BLOCKED:
            blocked.setdefault(o.broadcast_id, []).append(o.user_id)
    return blocked


def _bot_of_broadcast(broadcast_id: int) -> sa.ScalarSelect[Any]:
    """The bot that sends the broadcast: its center's (NULL: the default bot)."""
    return (
        sa.select(centers.c.bot_id)
        .join(broadcasts, broadcasts.c.center_id == centers.c.id)
        .where(broadcasts.c.id == broadcast_id)
        .scalar_subquery()
    )


def tally_of(counts: Iterable[tuple[str, int]]) -> Tally:
    """A Tally from (status, count) pairs."""
    return Tally(**{DeliveryStatus(status).value: int(n) for status, n in counts})


class Broadcasts:
    """Repository of broadcasts and their deliveries."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def compose(
        self, center_id: int, manager_id: int, text: str, photo_file_id: str | None = None
    ) -> Broadcast:
        """Store a new draft; the center's older drafts are dropped, so only the newest can go."""
        async with self.db.write() as conn:
            await self._cancel_drafts(conn, center_id)
            inserted = await conn.execute(
                broadcasts.insert()
                .values(
                    center_id=center_id,
                    manager_id=manager_id,
                    text=text,
                    photo_file_id=photo_file_id,
                    status=BroadcastStatus.DRAFT.value,
                    created_at=now(),
                )
                .returning(*broadcasts.c)
            )
            return broadcast_from_row(inserted.one())

    async def get(self, broadcast_id: int) -> Broadcast | None:
        """The broadcast, or None."""
        async with self.db.read() as conn:
            row = (
                await conn.execute(broadcasts.select().where(broadcasts.c.id == broadcast_id))
            ).first()
        return None if row is None else broadcast_from_row(row)

    async def cancel_drafts(self, center_id: int) -> int:
        """Drop the center's unsent drafts; returns how many there were."""
        async with self.db.write() as conn:
            return await self._cancel_drafts(conn, center_id)

    async def _cancel_drafts(self, conn: AsyncConnection, center_id: int) -> int:
        result = await conn.execute(
            sa.update(broadcasts)
            .where(
                broadcasts.c.center_id == center_id,
                broadcasts.c.status == BroadcastStatus.DRAFT.value,
            )
            .values(status=BroadcastStatus.CANCELLED.value, finished_at=now())
        )
        return int(result.rowcount)

    async def count_recipients(self, center_id: int, manager_id: int) -> int:
        """How many villagers an announcement would reach now."""
        query = sa.select(sa.func.count()).select_from(
            recipients_of(center_id, manager_id).subquery()
        )
        async with self.db.read() as conn:
            return int((await conn.execute(query)).scalar_one())

    async def start_sending(
        self, broadcast_id: int, manager_id: int, chat_id: int, message_id: int
    ) -> int | None:
        """Turn a draft of this manager's center into a broadcast and fix its recipients.

        One transaction: the status change and the recipient list commit together, and only
        once (None if it is not a draft of a center `manager_id` manages now). Returns how many
        villagers it goes to.
        """
        managed = sa.select(centers.c.id).where(centers.c.manager_id == manager_id)
        async with self.db.write() as conn:
            started = await conn.execute(
                sa.update(broadcasts)
                .where(
                    broadcasts.c.id == broadcast_id,
                    broadcasts.c.status == BroadcastStatus.DRAFT.value,
                    broadcasts.c.center_id.in_(managed),
                )
                .values(
                    status=BroadcastStatus.SENDING.value,
                    progress_chat_id=chat_id,
                    progress_message_id=message_id,
                )
                .returning(broadcasts.c.center_id)
            )
            center_id = started.scalar_one_or_none()
            if center_id is None:
                return None
            await self._snapshot(conn, broadcast_id, center_id, manager_id)
            count = sa.select(sa.func.count()).where(deliveries.c.broadcast_id == broadcast_id)
            return int((await conn.execute(count)).scalar_one())

    async def _snapshot(
        self, conn: AsyncConnection, broadcast_id: int, center_id: int, manager_id: int
    ) -> None:
        """One pending delivery per villager the announcement reaches now."""
        rows = recipients_of(center_id, manager_id).with_only_columns(
            sa.literal(broadcast_id, sa.Integer),
            users.c.id,
            sa.literal(DeliveryStatus.PENDING.value, sa.String),
            sa.literal(0, sa.Integer),
        )
        await conn.execute(
            deliveries.insert().from_select(["broadcast_id", "user_id", "status", "attempts"], rows)
        )

    async def sending(self, bot_id: int | None = None) -> list[Broadcast]:
        """Broadcasts going out (including those a restart interrupted), oldest first: those
        of the centers of bot `bot_id` (None: the default bot), which sends them."""
        of_bot = centers.c.bot_id.is_(None) if bot_id is None else centers.c.bot_id == bot_id
        query = (
            broadcasts.select()
            .join(centers, centers.c.id == broadcasts.c.center_id)
            .where(broadcasts.c.status == BroadcastStatus.SENDING.value, of_bot)
            .order_by(broadcasts.c.id)
        )
        async with self.db.read() as conn:
            return [broadcast_from_row(row) for row in (await conn.execute(query)).all()]

    async def pending(
        self,
        broadcast_id: int,
        after_user_id: int | None = None,
        limit: int = 200,
        fence: Lease | None = None,
    ) -> list[Recipient]:
        """Villagers still waiting for this broadcast, by user id, after `after_user_id`.

        `fence`: this process's lease of the broadcast's bot (PostgreSQL, several processes):
        none are given once it is no longer current, and the deliveries are read with
        `FOR UPDATE SKIP LOCKED`, so a process still reading them keeps them from another.
        """
        query = (
            sa.select(users.c.id, users.c.language, users.c.telegram_language)
            .select_from(deliveries.join(users, users.c.id == deliveries.c.user_id))
            .where(
                deliveries.c.broadcast_id == broadcast_id,
                deliveries.c.status == DeliveryStatus.PENDING.value,
            )
            .order_by(deliveries.c.user_id)
            .limit(limit)
        )
        if after_user_id is not None:
            query = query.where(deliveries.c.user_id > after_user_id)
        if fence is None:
            async with self.db.read() as conn:
                rows = (await conn.execute(query)).all()
        else:
            query = query.where(still_held(self.db, fence))
            if not self.db.is_sqlite:
                query = query.with_for_update(skip_locked=True, of=deliveries)
            async with self.db.write() as conn:
                rows = (await conn.execute(query)).all()
        return [Recipient(row.id, row.language, row.telegram_language) for row in rows]

    async def mark_sent(self, broadcast_id: int, user_id: int) -> None:
        """Telegram accepted the announcement for this villager."""
        await self.settle_many([Outcome(broadcast_id, user_id, DeliveryStatus.SENT)])

    async def mark_failed(self, broadcast_id: int, user_id: int) -> None:
        """Telegram refused the announcement for this villager for good."""
        await self.settle_many([Outcome(broadcast_id, user_id, DeliveryStatus.FAILED)])

    async def mark_blocked(self, broadcast_id: int, user_id: int) -> None:
        """The villager blocked the bot: record it, so later broadcasts skip them."""
        await self.settle_many([Outcome(broadcast_id, user_id, DeliveryStatus.BLOCKED)])

    async def settle_many(self, outcomes: Sequence[Outcome]) -> None:
        """Record what became of several deliveries, in one transaction.

        Villagers who blocked the bot get `blocked_at` in the same transaction, as the outbox
        does, so one who writes again meanwhile (which clears it) is never left marked blocked
        by a half-done update. A delivery already settled stays as it was.
        """
        if not outcomes:
            return
        settled_at = now()
        rows = [
            dict(
                b_id=o.broadcast_id,
                u_id=o.user_id,
                new_status=o.status.value,
                at=settled_at if o.status is DeliveryStatus.SENT else None,
            )
            for o in outcomes
        ]
        async with self.db.write() as conn:
            await conn.execute(SETTLE, rows)
            for broadcast_id, blocked in _blocked_by_broadcast(outcomes).items():
                await conn.execute(
                    sa.update(users)
                    .where(users.c.id.in_(blocked))
                    .values(blocked_at=settled_at, blocked_bot_id=_bot_of_broadcast(broadcast_id))
                )

    async def tally(self, broadcast_id: int) -> Tally:
        """The broadcast's deliveries counted by status."""
        query = (
            sa.select(deliveries.c.status, sa.func.count())
            .where(deliveries.c.broadcast_id == broadcast_id)
            .group_by(deliveries.c.status)
        )
        async with self.db.read() as conn:
            rows = (await conn.execute(query)).all()
        return tally_of((status, n) for status, n in rows)

    async def finish(self, broadcast_id: int) -> None:
        """Every delivery is settled: the broadcast is done."""
        async with self.db.write() as conn:
            await conn.execute(
                sa.update(broadcasts)
                .where(
                    broadcasts.c.id == broadcast_id,
                    broadcasts.c.status == BroadcastStatus.SENDING.value,
                )
                .values(status=BroadcastStatus.DONE.value, finished_at=now())
            )

    async def recent(self, center_id: int, limit: int = 10) -> list[tuple[Broadcast, Tally]]:
        """The center's latest broadcasts that went out, newest first, with their figures."""
        query = (
            broadcasts.select()
            .where(
                broadcasts.c.center_id == center_id,
                broadcasts.c.status.in_(
                    [BroadcastStatus.SENDING.value, BroadcastStatus.DONE.value]
                ),
            )
            .order_by(broadcasts.c.id.desc())
            .limit(limit)
        )
        async with self.db.read() as conn:
            found = [broadcast_from_row(row) for row in (await conn.execute(query)).all()]
            counts = (
                await conn.execute(
                    sa.select(deliveries.c.broadcast_id, deliveries.c.status, sa.func.count())
                    .where(deliveries.c.broadcast_id.in_([b.id for b in found]))
                    .group_by(deliveries.c.broadcast_id, deliveries.c.status)
                )
            ).all()
        by_id: dict[int, list[tuple[str, int]]] = {b.id: [] for b in found}
        for broadcast_id, status, n in counts:
            by_id[broadcast_id].append((status, n))
        return [(b, tally_of(by_id[b.id])) for b in found]
