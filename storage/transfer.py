"""Every table from one database to another (SQLite to PostgreSQL, or back), in one transaction.

The source is read in one read transaction, so the copy is one state of it; the target is
written in one transaction, so a failed copy leaves it as empty as it was. On PostgreSQL the
sequences behind the id columns are moved past the copied ids, so new rows get new ids.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.database_url import StorageUnavailable
from storage.db import Database
from storage.migration_check import migration_problems
from storage.schema import metadata

# Rows read and written at a time: a table need not fit in memory.
BATCH_ROWS = 1000


class TargetNotEmpty(StorageUnavailable):
    """The target database already holds rows; a copy goes only into an empty one."""


async def copy_database(source: Database, target: Database) -> Mapping[str, int]:
    """Copy every table of `source` into the empty, migrated `target`; rows copied a table."""
    problems = await migration_problems(source)
    if problems:
        raise StorageUnavailable(
            f"the source {source.shown_url} fails the migration check ({problems[0]}): "
            "run `kiosdesa migrate` with DATABASE_URL set to it first"
        )
    await target.migrate()
    copied: dict[str, int] = {}
    async with source.read() as reading, target.write() as writing:
        await _require_empty(writing, target)
        for table in metadata.sorted_tables:  # parents before the rows that refer to them
            copied[table.name] = await _copy_table(reading, writing, table)
        if writing.dialect.name == "postgresql":
            for table in metadata.sorted_tables:
                await _reset_sequences(writing, table)
    return copied


async def _require_empty(conn: AsyncConnection, target: Database) -> None:
    """TargetNotEmpty if any table of the target holds a row."""
    for table in metadata.sorted_tables:
        if await conn.scalar(sa.select(sa.literal(1)).select_from(table).limit(1)):
            raise TargetNotEmpty(
                f"the target {target.shown_url} is not empty (table {table.name} has rows): "
                "copy-data goes only into an empty database"
            )


async def _copy_table(reading: AsyncConnection, writing: AsyncConnection, table: sa.Table) -> int:
    """Copy one table in batches, in primary key order; the number of rows."""
    order = list(table.primary_key.columns) or list(table.columns)
    done = 0
    while True:
        query = sa.select(table).order_by(*order).limit(BATCH_ROWS).offset(done)
        rows: list[dict[str, Any]] = [dict(r._mapping) for r in await reading.execute(query)]
        if not rows:
            return done
        await writing.execute(table.insert(), rows)
        done += len(rows)


async def _reset_sequences(conn: AsyncConnection, table: sa.Table) -> None:
    """Move the sequence behind each serial or identity column past its highest value."""
    for column in table.primary_key.columns:
        sequence = await conn.scalar(
            sa.text("SELECT pg_get_serial_sequence(:table, :column)"),
            {"table": table.name, "column": column.name},
        )
        if sequence is None:
            continue
        highest = await conn.scalar(sa.select(sa.func.max(column)))
        # setval(seq, n, false): the next id is n itself; for an empty table, 1.
        await conn.execute(
            sa.text("SELECT setval(:sequence, :value, :called)"),
            {"sequence": sequence, "value": highest or 1, "called": highest is not None},
        )
