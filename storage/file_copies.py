"""Files another bot received, as each bot of the deployment sent them once.

A Telegram file id is good only with the bot that received the file. The center's rows keep
the file id they were given (a product's photo, an announcement's, a question's voice note);
once another bot has sent the same file, its own file id for it is kept here, keyed by the
original, so it sends that from then on.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from storage.clock import now
from storage.db import Database
from storage.persistence import DEFAULT_BOT_KEY
from storage.schema import file_copies


def bot_key(bot_id: int | None) -> int:
    """The key of a bot in file_copies: its id, or 0 for the default bot."""
    return DEFAULT_BOT_KEY if bot_id is None else bot_id


class FileCopies:
    """Repository of each bot's own file id for files another bot received."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def own_id(self, original: str, bot_id: int | None) -> str | None:
        """This bot's file id for the file first known as `original`, if it sent it already."""
        query = sa.select(file_copies.c.file_id).where(
            file_copies.c.original == original, file_copies.c.bot_id == bot_key(bot_id)
        )
        rows = await self.db.fetch(query)
        return str(rows[0].file_id) if rows else None

    async def holders(self, original: str) -> dict[int | None, str]:
        """Every bot that sent the file already (None: the default bot), with its file id."""
        query = sa.select(file_copies.c.bot_id, file_copies.c.file_id).where(
            file_copies.c.original == original
        )
        return {
            (None if row.bot_id == DEFAULT_BOT_KEY else int(row.bot_id)): str(row.file_id)
            for row in await self.db.fetch(query)
        }

    async def keep(self, original: str, bot_id: int | None, file_id: str) -> None:
        """Remember the file id this bot was given for the file (the first one kept wins)."""
        values = dict(original=original, bot_id=bot_key(bot_id), file_id=file_id, created_at=now())
        try:
            # Bookkeeping beside a handler's work, not its write: it marks no update handled.
            async with self.db.write(replay_safe=True) as conn:
                await conn.execute(file_copies.insert().values(**values))
        except IntegrityError:
            pass  # another send of the same file got there first: either id works
