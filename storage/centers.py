"""Centers: created by the operator, each with one manager."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.entities import Center, OutboxMessage
from bot.domain.errors import DuplicateCenter, RecordNotFound
from storage.clock import now
from storage.db import Database
from storage.outbox import Outbox, enqueue
from storage.schema import center_staff, centers

# The messages a new center causes, written in the same transaction (a change of manager is
# storage/handover.py's).
CenterCreated = Callable[[Center], Sequence[OutboxMessage]]


def center_from_row(row: Any) -> Center:
    """Build a Center from a `centers` row."""
    return Center(
        id=row.id,
        code=row.code,
        name=row.name,
        manager_id=row.manager_id,
        currency=row.currency,
        language=row.language,
        lat=row.lat,
        lon=row.lon,
        radius_km=row.radius_km,
        catalog_version=row.catalog_version,
        quote_ttl_s=row.quote_ttl_s,
        places=tuple(place for place in row.places.split("|") if place),
        qris_payload=row.qris_payload,
        payee_qr=row.payee_qr,
        credit_limit_minor=row.credit_limit_minor,
        bot_id=None if row.bot_id is None else int(row.bot_id),
    )


# A center with its staff, one row a helper (or one with no helper), by id (read on most
# presses: it decides who may act) and by join code. Built once.
_WITH_STAFF = sa.select(centers, center_staff.c.user_id.label("staff_id")).select_from(
    centers.outerjoin(center_staff, center_staff.c.center_id == centers.c.id)
)
_CENTER = _WITH_STAFF.where(centers.c.id == sa.bindparam("center_id", type_=centers.c.id.type))
_BY_CODE = _WITH_STAFF.where(centers.c.code == sa.bindparam("code", type_=centers.c.code.type))


def _center_or_not_found(rows: Sequence[Any], key: object) -> Center:
    """The center of _WITH_STAFF's rows, with its staff; RecordNotFound(key) if there is none."""
    if not rows:
        raise RecordNotFound(str(key))
    staff = frozenset(row.staff_id for row in rows if row.staff_id is not None)
    return replace(center_from_row(rows[0]), staff_ids=staff)


class Centers:
    """Repository of centers."""

    def __init__(self, db: Database, outbox: Outbox) -> None:
        self.db = db
        self.outbox = outbox

    async def add_center(
        self,
        code: str,
        name: str,
        manager_id: int,
        *,
        currency: str = "IDR",
        language: str = "id",
        lat: float | None = None,
        lon: float | None = None,
        radius_km: float = 3.0,
        quote_ttl_s: int = 86_400,
        notify: CenterCreated | None = None,
        bot_id: int | None = None,
    ) -> Center:
        """Create a center (with the messages `notify` renders); DuplicateCenter if taken.

        `bot_id`: the bot its villagers talk to; None: the default bot.
        """
        values = dict(
            code=code.upper(),
            name=name,
            manager_id=manager_id,
            currency=currency,
            language=language,
            lat=lat,
            lon=lon,
            radius_km=radius_km,
            catalog_version=0,
            created_at=now(),
            quote_ttl_s=quote_ttl_s,
            bot_id=bot_id,
        )
        try:
            async with self.db.write() as conn:
                await conn.execute(centers.insert().values(**values))
                center = await self._by_code(conn, code)
                if notify is not None:
                    await enqueue(conn, notify(center), center_id=center.id)
        except IntegrityError as exc:
            raise DuplicateCenter(code.upper()) from exc
        self.outbox.wake()
        return center

    async def by_code(self, code: str) -> Center:
        """The center with this join code (case-insensitive); RecordNotFound otherwise."""
        return _center_or_not_found(await self.db.fetch(_BY_CODE, {"code": code.upper()}), code)

    @staticmethod
    async def _by_code(conn: AsyncConnection, code: str) -> Center:
        rows = (await conn.execute(_BY_CODE, {"code": code.upper()})).all()
        return _center_or_not_found(rows, code)

    async def get(self, center_id: int) -> Center:
        """The center with this id; RecordNotFound otherwise."""
        return _center_or_not_found(
            await self.db.fetch(_CENTER, {"center_id": center_id}), center_id
        )

    async def all_centers(self) -> list[Center]:
        """Every center, by code."""
        async with self.db.read() as conn:
            rows = (await conn.execute(centers.select().order_by(centers.c.code))).all()
        return [center_from_row(row) for row in rows]

    async def managed_by(self, user_id: int) -> list[Center]:
        """The centers this user manages."""
        query = centers.select().where(centers.c.manager_id == user_id).order_by(centers.c.code)
        async with self.db.read() as conn:
            rows = (await conn.execute(query)).all()
        return [center_from_row(row) for row in rows]

    async def of_bot(self, bot_id: int | None) -> list[Center]:
        """The centers whose villagers talk to this bot (None: the default bot), by code."""
        mine = centers.c.bot_id.is_(None) if bot_id is None else centers.c.bot_id == bot_id
        rows = await self.db.fetch(centers.select().where(mine).order_by(centers.c.code))
        return [center_from_row(row) for row in rows]

    async def set_bot(self, code: str, bot_id: int | None) -> Center:
        """Give the center to another bot (None: the default bot); RecordNotFound if unknown.

        Messages already written keep the bot they were written for.
        """
        return await self._update(code, bot_id=bot_id)

    async def set_quote_ttl(self, code: str, seconds: int) -> Center:
        """How long the center's quotes wait for an answer; RecordNotFound for an unknown code."""
        return await self._update(code, quote_ttl_s=seconds)

    async def set_places(self, code: str, places: Sequence[str]) -> Center:
        """The center's own travel places; RecordNotFound for an unknown code."""
        return await self._update(code, places="|".join(places))

    async def set_qris(self, code: str, payload: str) -> Center:
        """The center's static QRIS payload (checked by the caller); RecordNotFound if unknown."""
        return await self._update(code, qris_payload=payload)

    async def set_payee_qr(self, code: str, content: str) -> Center:
        """A CNY center's payee QR content; RecordNotFound for an unknown code."""
        return await self._update(code, payee_qr=content)

    async def _update(self, code: str, **values: Any) -> Center:
        query = sa.update(centers).where(centers.c.code == code.upper()).values(**values)
        async with self.db.write() as conn:
            result = await conn.execute(query)
        if result.rowcount == 0:
            raise RecordNotFound(code)
        return await self.by_code(code)
