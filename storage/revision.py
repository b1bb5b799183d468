"""Which migration a database is at and which one the code brings; read only, nothing migrated."""

from __future__ import annotations

from dataclasses import dataclass

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from storage.db import Database, alembic_config


@dataclass(frozen=True)
class SchemaRevision:
    """The database's migration (None: an empty database) and the code's latest one."""

    current: str | None
    head: str
    # False when the database was migrated by a newer version than this one.
    known: bool = True

    @property
    def at_head(self) -> bool:
        """Whether the database needs no migration."""
        return self.current == self.head


def head_revision() -> str:
    """The latest migration the code brings."""
    head = _migrations().get_current_head()
    assert head is not None  # the package ships its migrations
    return head


def _migrations() -> ScriptDirectory:
    """The migrations the code brings."""
    return ScriptDirectory.from_config(alembic_config())


async def schema_revision(db: Database) -> SchemaRevision:
    """Read the database's migration, in a read transaction (StorageUnavailable if it cannot)."""
    with db.unavailable():
        async with db.read() as conn:
            current = await conn.run_sync(_current_revision)
    known = current is None or current in {m.revision for m in _migrations().walk_revisions()}
    return SchemaRevision(current, head_revision(), known)


def _current_revision(connection: Connection) -> str | None:
    """Alembic's record of the applied migration (None when the table is not there)."""
    return MigrationContext.configure(connection).get_current_revision()
