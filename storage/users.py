"""Users: everyone who talked to the bot, with their center, phone and language."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.entities import Standing, User
from bot.domain.errors import RecordNotFound
from storage.centers import center_from_row
from storage.clock import now
from storage.db import Database
from storage.outbox import Outbox, retry_cards_for
from storage.schema import center_staff, centers, users

# The user's row beside each center that is theirs, that they manage or that they help at (or
# one row of nulls), each with whether they help at it. Every update reads it, so it is built
# once; the user is the bound parameter "user_id".
_HELPING = center_staff.alias("helping")
_STANDING = (
    sa.select(users, centers, _HELPING.c.user_id.label("helps"))
    .select_from(
        users.outerjoin(
            centers,
            sa.or_(
                centers.c.id == users.c.center_id,
                centers.c.manager_id == users.c.id,
                centers.c.id.in_(
                    sa.select(center_staff.c.center_id).where(center_staff.c.user_id == users.c.id)
                ),
            ),
        ).outerjoin(
            _HELPING,
            sa.and_(_HELPING.c.center_id == centers.c.id, _HELPING.c.user_id == users.c.id),
        )
    )
    .where(users.c.id == sa.bindparam("user_id", type_=users.c.id.type))
    .order_by(centers.c.code)
)
_USER = users.select().where(users.c.id == sa.bindparam("user_id", type_=users.c.id.type))
# A change to one user: the values to SET are the parameters named as columns.
_USER_UPDATE = users.update().where(users.c.id == sa.bindparam("user", type_=users.c.id.type))


def user_from_row(row: Any) -> User:
    """Build a User from a `users` row."""
    return User(
        id=row.id,
        first_name=row.first_name,
        last_name=row.last_name,
        username=row.username,
        telegram_language=row.telegram_language,
        language=row.language,
        phone=row.phone,
        center_id=row.center_id,
        blocked_at=row.blocked_at,
        muted=bool(row.muted),
        desk_center_id=row.desk_center_id,
        blocked_bot_id=row.blocked_bot_id,
    )


class Users:
    """Repository of users."""

    def __init__(self, db: Database, outbox: Outbox) -> None:
        self.db = db
        self.outbox = outbox

    async def seen(
        self,
        user_id: int,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        telegram_language: str | None = None,
    ) -> User:
        """Record that this Telegram user wrote to us (they are reachable again) and return them.

        Writes only when something changed; a user who was unreachable (new, or had blocked
        the bot) gets the request cards that could not be delivered to them.
        """
        standing = await self.visit(user_id, first_name, last_name, username, telegram_language)
        return standing.user

    async def visit(
        self,
        user_id: int,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        telegram_language: str | None = None,
    ) -> Standing:
        """`seen`, with the user's center and the centers they manage: one read when unchanged.

        Every update starts here, so the usual case is a single statement.
        """
        profile = dict(
            first_name=first_name[:200],
            last_name=(last_name or None) and last_name[:200],
            username=username,
            telegram_language=telegram_language,
            # Writing to any bot lifts the block: a villager who blocked another bot meets at
            # most one more refusal from it, which records the block again.
            blocked_at=None,
        )
        known = _standing_from(await self.db.fetch(_STANDING, {"user_id": user_id}), user_id)
        if known is not None and all(getattr(known.user, k) == v for k, v in profile.items()):
            return known
        # The user's profile, as a replay of the update would write it again: not its step.
        async with self.db.write(replay_safe=True) as conn:
            updated = await conn.execute(_USER_UPDATE, {"user": user_id, **profile})
            if updated.rowcount == 0:
                new = {"id": user_id, "muted": False, "created_at": now(), **profile}
                await conn.execute(users.insert(), new)
            if known is None or known.user.blocked_at is not None:
                await retry_cards_for(conn, user_id)
            standing = await _standing(conn, user_id)
        self.outbox.wake()
        if standing is None:  # cannot happen: written just above, in this transaction
            raise RecordNotFound(str(user_id))
        return standing

    async def get(self, user_id: int) -> User | None:
        """The user, or None if they never wrote to the bot."""
        rows = await self.db.fetch(_USER, {"user_id": user_id})
        return user_from_row(rows[0]) if rows else None

    async def display_names(self, user_ids: Sequence[int]) -> dict[int, str]:
        """The names a manager sees of these users, by id (unknown ids are left out)."""
        wanted = sorted(set(user_ids))
        if not wanted:
            return {}
        rows = await self.db.fetch(users.select().where(users.c.id.in_(wanted)))
        return {row.id: user_from_row(row).display_name for row in rows}

    async def _set(self, user_id: int, **values: Any) -> User:
        """Update some fields of a user and return the result."""
        async with self.db.write() as conn:
            result = await conn.execute(_USER_UPDATE, {"user": user_id, **values})
            if result.rowcount == 0:
                raise RecordNotFound(str(user_id))
            row = (await conn.execute(_USER, {"user_id": user_id})).one()
        return user_from_row(row)

    async def join_center(self, user_id: int, center_id: int) -> User:
        """Make the user a villager of this center."""
        return await self._set(user_id, center_id=center_id)

    async def set_phone(self, user_id: int, phone: str) -> User:
        """Store the phone number the user shared."""
        return await self._set(user_id, phone=phone)

    async def set_language(self, user_id: int, language: str) -> User:
        """Store the language the user chose with /language."""
        return await self._set(user_id, language=language)

    async def set_desk_center(self, user_id: int, center_id: int | None) -> User:
        """The center a manager or helper of several centers is working on now."""
        return await self._set(user_id, desk_center_id=center_id)

    async def set_muted(self, user_id: int, muted: bool) -> User:
        """Opt the user out of (True) or back into (False) their center's announcements."""
        return await self._set(user_id, muted=muted)


async def _standing(conn: AsyncConnection, user_id: int) -> Standing | None:
    """The user with their own and managed centers (by code), or None if never seen."""
    return _standing_from((await conn.execute(_STANDING, {"user_id": user_id})).all(), user_id)


def _standing_from(rows: Sequence[Any], user_id: int) -> Standing | None:
    """The Standing of _STANDING's rows for this user, or None if there are none."""
    if not rows:
        return None
    user = user_from_row(_columns(rows[0], _USER_FIELDS))
    joined = [
        (center_from_row(_columns(row, _CENTER_FIELDS)), row.helps is not None)
        for row in rows
        if row[_CENTER_FIELDS.start] is not None  # the center's id: none joined
    ]
    found = [center for center, _ in joined]
    own = next((center for center in found if center.id == user.center_id), None)
    managed = tuple(center for center in found if center.manager_id == user_id)
    staffed = tuple(c for c, helps in joined if helps and c.manager_id != user_id)
    return Standing(user, own, managed, staffed)


@dataclass(frozen=True)
class _Fields:
    """Where one table's columns sit in a joined row, and their plain names."""

    start: int
    names: tuple[str, ...]


# _STANDING's rows: the user's columns, then the center's.
_USER_FIELDS = _Fields(0, tuple(users.c.keys()))
_CENTER_FIELDS = _Fields(len(users.c), tuple(centers.c.keys()))


def _columns(row: sa.Row[Any], fields: _Fields) -> SimpleNamespace:
    """One table's columns of a joined row, by their plain names."""
    values = row[fields.start : fields.start + len(fields.names)]
    return SimpleNamespace(**dict(zip(fields.names, values, strict=True)))
