"""The migration check: a database is at the newest migration and holds the tables schema.py
describes, column for column.

Used after a restore and a copy, and by `kiosdesa migrate` to say what it applied.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from storage.db import Database, alembic_config
from storage.schema import metadata

VERSION_TABLE = "alembic_version"


@dataclass(frozen=True)
class Migration:
    """One migration: its revision and the first line of its description."""

    revision: str
    title: str


def scripts() -> ScriptDirectory:
    """The project's migration scripts."""
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    """The newest migration's revision."""
    head = scripts().get_current_head()
    assert head is not None, "the migrations have a single head"
    return head


def known_revisions() -> set[str]:
    """Every revision this version of Kios Desa knows."""
    return {script.revision for script in scripts().walk_revisions()}


def migrations_between(before: str | None, after: str | None) -> list[Migration]:
    """The migrations that take a database from `before` to `after`, oldest first."""
    if after is None or before == after:
        return []
    steps = scripts().iterate_revisions(after, before)
    return [Migration(s.revision, (s.doc or "").strip().splitlines()[0]) for s in steps][::-1]


def current_revision(connection: Connection) -> str | None:
    """The revision recorded in the database; None for a database never migrated."""
    return MigrationContext.configure(connection).get_current_revision()


def schema_differences(connection: Connection) -> list[str]:
    """Where the database's tables and columns differ from schema.py; empty when they agree."""
    inspector = sa.inspect(connection)
    found = {name for name in inspector.get_table_names() if name != VERSION_TABLE}
    problems = [f"table {name} is missing" for name in metadata.tables if name not in found]
    strangers = sorted(found - set(metadata.tables))
    problems += [f"table {name} is not Kios Desa's" for name in strangers]
    for name in sorted(found & set(metadata.tables)):
        columns = [c["name"] for c in inspector.get_columns(name)]
        declared = [c.name for c in metadata.tables[name].columns]
        if sorted(columns) != sorted(declared):
            problems.append(f"table {name} has columns {columns}, expected {declared}")
    return problems


def check_connection(connection: Connection) -> list[str]:
    """The migration check on one connection: the revision, then the tables and columns."""
    revision, head = current_revision(connection), head_revision()
    if revision != head:
        return [f"the database is at migration {revision or 'none'}, not at {head}"]
    return schema_differences(connection)


async def migration_problems(db: Database) -> list[str]:
    """The migration check of an open database; an empty list when it passes."""
    async with db.read() as conn:
        return await conn.run_sync(check_connection)


async def revision_of(db: Database) -> str | None:
    """The database's current revision (None when never migrated)."""
    async with db.read() as conn:
        return await conn.run_sync(current_revision)
