"""The bots of a deployment besides the default one (BOT_TOKEN), and which centers each serves."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from bot.domain.bots import BotAccount
from bot.domain.errors import BotInUse, DuplicateBot, RecordNotFound
from storage.clock import now
from storage.db import Database
from storage.outbox import PENDING
from storage.schema import bots, centers, outbox


def _account(row: Any) -> BotAccount:
    return BotAccount(
        id=int(row.id),
        name=row.name,
        username=row.username,
        token=row.token,
        added_at=float(row.added_at),
    )


class Bots:
    """Repository of bots: added and removed by the operator, read at start by the runner."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(self, bot_id: int, name: str, token: str, username: str) -> BotAccount:
        """Keep a bot whose token getMe accepted; DuplicateBot if its name or id is taken."""
        values = dict(id=bot_id, name=name, token=token, username=username, added_at=now())
        try:
            async with self.db.write() as conn:
                await conn.execute(bots.insert().values(**values))
        except IntegrityError as exc:
            raise DuplicateBot(name) from exc
        return await self.by_name(name)

    async def all_bots(self) -> list[BotAccount]:
        """Every bot, by name."""
        return [_account(row) for row in await self.db.fetch(bots.select().order_by(bots.c.name))]

    async def by_name(self, name: str) -> BotAccount:
        """The bot of this name; RecordNotFound otherwise."""
        rows = await self.db.fetch(bots.select().where(bots.c.name == name))
        if not rows:
            raise RecordNotFound(name)
        return _account(rows[0])

    async def get(self, bot_id: int) -> BotAccount:
        """The bot with this Telegram id; RecordNotFound otherwise."""
        rows = await self.db.fetch(bots.select().where(bots.c.id == bot_id))
        if not rows:
            raise RecordNotFound(str(bot_id))
        return _account(rows[0])

    async def center_codes(self) -> dict[int | None, list[str]]:
        """The codes of the centers of each bot (None: the default bot), sorted."""
        query = sa.select(centers.c.bot_id, centers.c.code).order_by(centers.c.code)
        codes: dict[int | None, list[str]] = {}
        for row in await self.db.fetch(query):
            codes.setdefault(None if row.bot_id is None else int(row.bot_id), []).append(row.code)
        return codes

    async def remove(self, name: str) -> BotAccount:
        """Forget a bot; RecordNotFound if unknown, BotInUse while it has centers (naming
        them) or messages still to send (no other bot may send them)."""
        async with self.db.write() as conn:
            row = (await conn.execute(bots.select().where(bots.c.name == name))).first()
            if row is None:
                raise RecordNotFound(name)
            query = sa.select(centers.c.code).where(centers.c.bot_id == row.id)
            codes = list((await conn.execute(query.order_by(centers.c.code))).scalars())
            if codes:
                raise BotInUse(name, codes)
            waiting = sa.select(sa.func.count()).where(
                outbox.c.bot_id == row.id, outbox.c.status == PENDING
            )
            pending = int((await conn.execute(waiting)).scalar_one())
            if pending:
                raise BotInUse(name, [], pending)
            await conn.execute(bots.delete().where(bots.c.id == row.id))
        return _account(row)
