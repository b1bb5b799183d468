"""A center's staff: the helpers its manager adds by Telegram user id, and who they are."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from bot.domain.entities import Center, OutboxMessage, StaffMember, User
from storage.clock import now
from storage.db import Database
from storage.outbox import Outbox, enqueue
from storage.schema import center_staff, centers, users
from storage.users import user_from_row

# A center's helpers with their user rows (None for one who never wrote to the bot).
_MEMBERS = (
    sa.select(center_staff.c.user_id, center_staff.c.added_at, users.c.first_name, users.c.id)
    .select_from(center_staff.outerjoin(users, users.c.id == center_staff.c.user_id))
    .where(
        center_staff.c.center_id == sa.bindparam("center_id", type_=center_staff.c.center_id.type)
    )
    .order_by(center_staff.c.added_at, center_staff.c.user_id)
)


@dataclass(frozen=True)
class DeskPeople:
    """Who works a center's requests: its manager (None if they never wrote to the bot), with
    how many centers they work on, and its helpers who have written to the bot."""

    manager: User | None
    manager_desks: int
    helpers: tuple[User, ...]


def _desk_people_query() -> sa.Select[Any]:
    """DeskPeople's one statement: the manager's and the helpers' rows, each with the number
    of centers that person manages or helps at."""
    helped_by = sa.select(center_staff.c.center_id).where(center_staff.c.user_id == users.c.id)
    desks = centers.c.manager_id == users.c.id, centers.c.id.in_(helped_by)
    helpers = sa.select(center_staff.c.user_id).where(
        center_staff.c.center_id == sa.bindparam("center_id", type_=center_staff.c.center_id.type)
    )
    manager = sa.bindparam("manager_id", type_=users.c.id.type)
    return (
        sa.select(users, sa.func.count(sa.distinct(centers.c.id)).label("desks"))
        .select_from(users.outerjoin(centers, sa.or_(*desks)))
        .where(sa.or_(users.c.id == manager, users.c.id.in_(helpers)))
        .group_by(users.c.id)
        .order_by(users.c.id)
    )


_DESK_PEOPLE = _desk_people_query()


class Staff:
    """Repository of the helpers of centers."""

    def __init__(self, db: Database, outbox: Outbox) -> None:
        self.db = db
        self.outbox = outbox

    async def add(
        self,
        center_id: int,
        user_id: int,
        added_by: int | None,
        messages: Sequence[OutboxMessage] = (),
    ) -> bool:
        """Make `user_id` a helper of the center, with `messages`; False if they are one
        already (and nothing is sent)."""
        row = dict(center_id=center_id, user_id=user_id, added_by=added_by, added_at=now())
        try:
            async with self.db.write() as conn:
                await conn.execute(center_staff.insert().values(**row))
                await enqueue(conn, messages, center_id=center_id)
        except IntegrityError:
            return False
        self.outbox.wake()
        return True

    async def remove(
        self, center_id: int, user_id: int, messages: Sequence[OutboxMessage] = ()
    ) -> bool:
        """Take `user_id` off the center's staff, with `messages`; False if they were not on it
        (and nothing is sent)."""
        query = center_staff.delete().where(
            center_staff.c.center_id == center_id, center_staff.c.user_id == user_id
        )
        async with self.db.write() as conn:
            result = await conn.execute(query)
            if result.rowcount:
                await enqueue(conn, messages, center_id=center_id)
        self.outbox.wake()
        return bool(result.rowcount)

    async def members(self, center_id: int) -> list[StaffMember]:
        """The center's helpers, first added first."""
        rows = await self.db.fetch(_MEMBERS, {"center_id": center_id})
        return [StaffMember(row.user_id, row.first_name, row.added_at) for row in rows]

    async def desk_people(self, center: Center) -> DeskPeople:
        """The center's manager and helpers, in one statement (read on every change)."""
        rows = await self.db.fetch(
            _DESK_PEOPLE, {"center_id": center.id, "manager_id": center.manager_id}
        )
        manager = next((row for row in rows if row.id == center.manager_id), None)
        helpers = tuple(user_from_row(row) for row in rows if row.id != center.manager_id)
        if manager is None:  # never wrote to the bot (yet): their centers are counted apart
            return DeskPeople(None, await self._desks_of(center.manager_id), helpers)
        return DeskPeople(user_from_row(manager), int(manager.desks), helpers)

    async def _desks_of(self, user_id: int) -> int:
        """How many centers this user manages or helps at."""
        helped = sa.select(center_staff.c.center_id).where(center_staff.c.user_id == user_id)
        query = (
            sa.select(sa.func.count())
            .select_from(centers)
            .where(sa.or_(centers.c.manager_id == user_id, centers.c.id.in_(helped)))
        )
        return int((await self.db.fetch(query))[0][0])
