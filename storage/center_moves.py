"""A center given to another bot, in one transaction: the bot it leaves tells its people the
new bot's link (a bot cannot write first to someone who never opened it), then the center moves.

Messages already written keep the bot they were written for; the farewells are written before
the move, so the bot the center leaves sends them too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.entities import Center, OutboxMessage, User
from bot.domain.errors import RecordNotFound
from storage.centers import center_from_row
from storage.db import Database
from storage.outbox import Outbox, enqueue
from storage.schema import center_staff, centers, users
from storage.users import user_from_row


@dataclass(frozen=True)
class CenterMove:
    """The center before and after, and the people the bot it left told (none if unchanged)."""

    before: Center
    after: Center
    told: tuple[User, ...] = ()


# Renders what the bot a center leaves tells its people; called inside the move's transaction.
Farewell = Callable[[Center, Sequence[User]], Sequence[OutboxMessage]]


class CenterMoves:
    """Repository of the one change that gives a center to another bot."""

    def __init__(self, db: Database, outbox: Outbox) -> None:
        self.db = db
        self.outbox = outbox

    async def move(self, code: str, bot_id: int | None, farewell: Farewell) -> CenterMove:
        """Give the center to `bot_id` (None: the default bot), with the farewells of the bot
        it leaves to its villagers, manager and helpers who have not blocked that bot;
        RecordNotFound for an unknown code. To the same bot, nothing changes."""
        async with self.db.write() as conn:
            row = (
                await conn.execute(centers.select().where(centers.c.code == code.upper()))
            ).first()
            if row is None:
                raise RecordNotFound(code)
            before = center_from_row(row)
            if before.bot_id == bot_id:
                return CenterMove(before, before)
            people = await _people_of(conn, before)
            await enqueue(conn, farewell(before, people), center_id=before.id)
            await conn.execute(
                sa.update(centers).where(centers.c.id == before.id).values(bot_id=bot_id)
            )
        self.outbox.wake()
        return CenterMove(before, replace(before, bot_id=bot_id), tuple(people))


async def _people_of(conn: AsyncConnection, center: Center) -> list[User]:
    """The center's villagers, manager and helpers that its bot can still write to."""
    helpers = sa.select(center_staff.c.user_id).where(center_staff.c.center_id == center.id)
    blocked_its_bot = sa.and_(
        users.c.blocked_at.is_not(None),
        sa.func.coalesce(users.c.blocked_bot_id, 0) == (center.bot_id or 0),
    )
    query = (
        users.select()
        .where(
            sa.or_(
                users.c.center_id == center.id,
                users.c.id == center.manager_id,
                users.c.id.in_(helpers),
            ),
            sa.not_(blocked_its_bot),
        )
        .order_by(users.c.id)
    )
    return [user_from_row(row) for row in (await conn.execute(query)).all()]
