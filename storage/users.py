"""Users: everyone who talked to the bot, with their center, phone and language."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from storage.clock import now
from storage.db import Database
from storage.errors import RecordNotFound
from storage.models import User
from storage.outbox import retry_cards_for
from storage.schema import users


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
    )


class Users:
    """Repository of users."""

    def __init__(self, db: Database) -> None:
        self.db = db

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
        profile = dict(
            first_name=first_name[:200],
            last_name=(last_name or None) and last_name[:200],
            username=username,
            telegram_language=telegram_language,
            blocked_at=None,
        )
        known = await self.get(user_id)
        if known is not None and all(getattr(known, k) == v for k, v in profile.items()):
            return known
        async with self.db.write() as conn:
            updated = await conn.execute(
                sa.update(users).where(users.c.id == user_id).values(**profile)
            )
            if updated.rowcount == 0:
                await conn.execute(
                    users.insert().values(id=user_id, muted=False, created_at=now(), **profile)
                )
            if known is None or known.blocked_at is not None:
                await retry_cards_for(conn, user_id)
            row = (await conn.execute(users.select().where(users.c.id == user_id))).one()
        self.db.outbox_ready.set()
        return user_from_row(row)

    async def get(self, user_id: int) -> User | None:
        """The user, or None if they never wrote to the bot."""
        async with self.db.read() as conn:
            row = (await conn.execute(users.select().where(users.c.id == user_id))).first()
        return None if row is None else user_from_row(row)

    async def _set(self, user_id: int, **values: Any) -> User:
        """Update some fields of a user and return the result."""
        async with self.db.write() as conn:
            result = await conn.execute(
                sa.update(users).where(users.c.id == user_id).values(**values)
            )
            if result.rowcount == 0:
                raise RecordNotFound(str(user_id))
            row = (await conn.execute(users.select().where(users.c.id == user_id))).one()
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

    async def set_muted(self, user_id: int, muted: bool) -> User:
        """Opt the user out of (True) or back into (False) their center's announcements."""
        return await self._set(user_id, muted=muted)
