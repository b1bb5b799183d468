"""Leases on PostgreSQL: the live processes, and which process serves each bot.

Every claim is one atomic statement: a lease is taken only when nobody holds it or its time
ran out (an upsert whose update is conditional), renewed only by its holder under the same
epoch before it runs out, given back only by its holder. Times are the database's clock, so
processes on machines whose clocks disagree still agree on who holds a bot.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from bot.domain.leases import Lease
from storage.db import Database
from storage.schema import bot_leases, processes

_PG_NOW = "EXTRACT(EPOCH FROM statement_timestamp())::float8"
_SQLITE_NOW = "((julianday('now') - 2440587.5) * 86400.0)"


def database_now(db: Database) -> sa.ColumnElement[float]:
    """The database's clock, in epoch seconds, read in the statement itself."""
    return sa.literal_column(_SQLITE_NOW if db.is_sqlite else _PG_NOW, sa.Float)


def still_held(db: Database, lease: Lease) -> sa.ColumnElement[bool]:
    """True while `lease` is current: same holder, same epoch, not run out (a fence for a
    claim of outbox rows or deliveries, checked in the claim's own statement)."""
    return sa.exists().where(
        bot_leases.c.bot_id == lease.bot_id,
        bot_leases.c.holder == lease.holder,
        bot_leases.c.epoch == lease.epoch,
        bot_leases.c.expires_at > database_now(db),
    )


def _lease(row: Any) -> Lease:
    return Lease(int(row.bot_id), int(row.holder), int(row.epoch), float(row.expires_at))


class Leases:
    """Repository of processes and bot leases (PostgreSQL deployments of several processes)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def join(self, host: str, pid: int) -> int:
        """Record this process as live; its id, the holder named in its leases."""
        clock = database_now(self.db)
        async with self.db.write() as conn:
            inserted = await conn.execute(
                processes.insert()
                .values(host=host[:255], pid=pid, started_at=clock, heartbeat_at=clock)
                .returning(processes.c.id)
            )
            return int(inserted.scalar_one())

    async def heartbeat(self, process_id: int, host: str, pid: int) -> None:
        """Say that this process still lives (rejoining under its id if it was forgotten)."""
        clock = database_now(self.db)
        async with self.db.write() as conn:
            beat = await conn.execute(
                sa.update(processes).where(processes.c.id == process_id).values(heartbeat_at=clock)
            )
            if beat.rowcount == 0:  # silent so long that it was removed: it lives after all
                await conn.execute(
                    processes.insert().values(
                        id=process_id,
                        host=host[:255],
                        pid=pid,
                        started_at=clock,
                        heartbeat_at=clock,
                    )
                )

    async def live_processes(self, ttl_s: float) -> int:
        """How many processes gave a heartbeat within the last `ttl_s` seconds."""
        query = sa.select(sa.func.count()).where(
            processes.c.heartbeat_at > database_now(self.db) - ttl_s
        )
        async with self.db.read() as conn:
            return int((await conn.execute(query)).scalar_one())

    async def forget_dead(self, older_than_s: float) -> int:
        """Remove processes silent for `older_than_s` seconds; how many were removed."""
        async with self.db.write() as conn:
            removed = await conn.execute(
                sa.delete(processes).where(
                    processes.c.heartbeat_at < database_now(self.db) - older_than_s
                )
            )
            return int(removed.rowcount)

    async def leave(self, process_id: int) -> None:
        """A clean stop: give back every lease of the process and remove it."""
        async with self.db.write() as conn:
            await conn.execute(
                sa.update(bot_leases)
                .where(bot_leases.c.holder == process_id)
                .values(holder=None, expires_at=0.0)
            )
            await conn.execute(sa.delete(processes).where(processes.c.id == process_id))

    async def claim(self, bot_id: int, process_id: int, ttl_s: float) -> Lease | None:
        """Take the lease of `bot_id` if nobody holds it or its time ran out; None if another
        process holds it. A new holding's epoch is one more than the last."""
        clock = database_now(self.db)
        insert = postgresql.insert if not self.db.is_sqlite else sqlite.insert
        statement = insert(bot_leases).values(
            bot_id=bot_id, holder=process_id, epoch=1, expires_at=clock + ttl_s
        )
        upsert = statement.on_conflict_do_update(
            index_elements=[bot_leases.c.bot_id],
            set_=dict(holder=process_id, epoch=bot_leases.c.epoch + 1, expires_at=clock + ttl_s),
            where=sa.or_(bot_leases.c.holder.is_(None), bot_leases.c.expires_at <= clock),
        ).returning(*bot_leases.c)
        async with self.db.write() as conn:
            row = (await conn.execute(upsert)).one_or_none()
        return None if row is None else _lease(row)

    async def renew(self, lease: Lease, ttl_s: float) -> Lease | None:
        """Extend a lease still held under its epoch and not run out; None if it is not."""
        clock = database_now(self.db)
        async with self.db.write() as conn:
            row = (
                await conn.execute(
                    sa.update(bot_leases)
                    .where(
                        bot_leases.c.bot_id == lease.bot_id,
                        bot_leases.c.holder == lease.holder,
                        bot_leases.c.epoch == lease.epoch,
                        bot_leases.c.expires_at > clock,
                    )
                    .values(expires_at=clock + ttl_s)
                    .returning(*bot_leases.c)
                )
            ).one_or_none()
        return None if row is None else _lease(row)

    async def renew_all(self, leases: Sequence[Lease], ttl_s: float) -> dict[int, Lease]:
        """Extend, in one statement, every lease still held under its epoch and not run out;
        the renewed ones by bot (a bot missing from the answer is no longer its holder's)."""
        if not leases:
            return {}
        clock = database_now(self.db)
        holders = {lease.holder for lease in leases}
        held = [(lease.bot_id, lease.epoch) for lease in leases]
        async with self.db.write() as conn:
            rows = (
                await conn.execute(
                    sa.update(bot_leases)
                    .where(
                        bot_leases.c.holder.in_(holders),
                        sa.tuple_(bot_leases.c.bot_id, bot_leases.c.epoch).in_(held),
                        bot_leases.c.expires_at > clock,
                    )
                    .values(expires_at=clock + ttl_s)
                    .returning(*bot_leases.c)
                )
            ).all()
        renewed = {lease.bot_id: lease for lease in map(_lease, rows)}
        # Only the holding asked for: same bot, same epoch, same holder.
        asked = {(lease.bot_id, lease.holder, lease.epoch) for lease in leases}
        return {
            bot_id: lease
            for bot_id, lease in renewed.items()
            if (lease.bot_id, lease.holder, lease.epoch) in asked
        }

    async def give_back(self, lease: Lease) -> bool:
        """Free a lease this holding still has, so another process may take it at once."""
        async with self.db.write() as conn:
            freed = await conn.execute(
                sa.update(bot_leases)
                .where(
                    bot_leases.c.bot_id == lease.bot_id,
                    bot_leases.c.holder == lease.holder,
                    bot_leases.c.epoch == lease.epoch,
                )
                .values(holder=None, expires_at=0.0)
            )
            return bool(freed.rowcount)

    async def holders(self) -> dict[int, int]:
        """Each bot held now (not run out), and the process that holds it."""
        query = sa.select(bot_leases.c.bot_id, bot_leases.c.holder).where(
            bot_leases.c.holder.is_not(None), bot_leases.c.expires_at > database_now(self.db)
        )
        async with self.db.read() as conn:
            return {int(bot): int(holder) for bot, holder in (await conn.execute(query)).all()}
