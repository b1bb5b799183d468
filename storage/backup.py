"""Backups of the database, taken while the bot runs, and their restore.

SQLite: SQLite's online backup copies the database page by page in one step, as one read
transaction: a snapshot of what was committed when it began, while the bot goes on writing
(WAL lets readers and the writer pass each other). The copy is an ordinary SQLite file.
PostgreSQL: `pg_dump --format=custom` and `pg_restore`, PostgreSQL's own tools.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Mapping
from contextlib import closing, suppress
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.engine import URL, make_url

from storage.database_url import StorageUnavailable
from storage.db import Database
from storage.schema import centers, requests

SQLITE_HEADER = b"SQLite format 3\x00"
PG_DUMP_HEADER = b"PGDMP"
# Tables every Kios Desa database has had since its first migration.
CORE_TABLES = ("alembic_version", "centers", "users", "products")
# Seconds a backup or restore waits for a lock another process holds a moment.
BUSY_WAIT_S = 15.0


class NotABackup(StorageUnavailable):
    """The file is not a Kios Desa backup (or one this version cannot restore)."""


def sqlite_path(database_url: str) -> Path:
    """The file of a SQLite DATABASE_URL."""
    database = make_url(database_url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise StorageUnavailable("backups need DATABASE_URL to name a SQLite file")
    return Path(database)


def backup_sqlite(database: Path, target: Path) -> None:
    """Copy the live database to `target` (readable by its owner alone), replacing it whole."""
    if not database.exists():
        raise StorageUnavailable(f"there is no database at {database}")
    if target.exists() and target.resolve() == database.resolve():
        raise StorageUnavailable("the backup file is the database itself: name another file")
    partial = target.with_name(f".{target.name}.partial")
    try:
        partial.unlink(missing_ok=True)
        os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except OSError as exc:
        raise StorageUnavailable(f"cannot write the backup to {target}: {exc.strerror}") from None
    try:
        live_db = sqlite3.connect(database, timeout=BUSY_WAIT_S)
        with closing(live_db) as live, closing(sqlite3.connect(partial)) as copy:
            live.backup(copy)  # all pages in one step: one consistent snapshot
            copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
        os.replace(partial, target)  # a reader of `target` never sees half a backup
    except (OSError, sqlite3.Error) as exc:
        raise StorageUnavailable(f"cannot write the backup to {target}: {exc}") from None
    finally:
        partial.unlink(missing_ok=True)


def sqlite_backup_revision(backup: Path, known: set[str]) -> str:
    """The migration a SQLite backup is at; NotABackup unless it is a Kios Desa database."""
    with backup.open("rb") as file:
        if file.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise NotABackup(f"{backup} is not a Kios Desa backup (not a SQLite database)")
    with closing(sqlite3.connect(f"{backup.resolve().as_uri()}?mode=ro", uri=True)) as conn:
        try:
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
            if not set(CORE_TABLES) <= tables:
                raise NotABackup(f"{backup} is a SQLite database, but not a Kios Desa backup")
            if conn.execute("PRAGMA quick_check").fetchone() != ("ok",):
                raise NotABackup(f"{backup} is damaged (SQLite's quick_check fails)")
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.DatabaseError as exc:
            raise NotABackup(f"{backup} cannot be read as a Kios Desa backup: {exc}") from None
    return _known(row[0] if row else None, backup, known)


def restore_sqlite(backup: Path, database: Path) -> None:
    """Replace the database's content with the backup's, through SQLite (its WAL included)."""
    if not database.exists():
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    source = f"{backup.resolve().as_uri()}?mode=ro"
    copy = sqlite3.connect(source, uri=True)
    live = sqlite3.connect(database, timeout=BUSY_WAIT_S)
    with closing(copy), closing(live):
        copy.backup(live)


def _known(revision: str | None, backup: Path, known: set[str]) -> str:
    """The backup's revision, if this version of Kios Desa knows it."""
    if revision is None:
        raise NotABackup(f"{backup} is not a Kios Desa backup (no migration recorded)")
    if revision not in known:
        raise NotABackup(
            f"{backup} comes from a newer Kios Desa (migration {revision}): upgrade first"
        )
    return revision


def libpq_target(database_url: str) -> tuple[str, dict[str, str]]:
    """The URL PostgreSQL's tools take (no password in it) and their environment.

    The password goes in PGPASSWORD, so it shows in no process list.
    """
    url = make_url(database_url)
    plain = URL.create(
        "postgresql", url.username, None, url.host, url.port, url.database, url.query
    )
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return plain.render_as_string(hide_password=False), env


def pg_dump_command(database_url: str, target: Path) -> list[str]:
    """The pg_dump command line that backs the database up into `target`."""
    where, _env = libpq_target(database_url)
    return ["pg_dump", "--format=custom", "--no-owner", f"--file={target}", where]


def pg_restore_command(database_url: str, backup: Path) -> list[str]:
    """The pg_restore command line that replaces the database's tables with the backup's."""
    where, _env = libpq_target(database_url)
    return [
        "pg_restore",
        "--clean",
        "--if-exists",
        "--no-owner",
        "--single-transaction",
        "--exit-on-error",
        f"--dbname={where}",
        str(backup),
    ]


def have_tool(name: str) -> bool:
    """Whether a PostgreSQL client tool is on PATH."""
    return shutil.which(name) is not None


def run_tool(command: list[str], database_url: str) -> str:
    """Run a PostgreSQL tool; its output, or StorageUnavailable with its first error line."""
    _where, env = libpq_target(database_url)
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        raise StorageUnavailable(f"{command[0]} failed: {lines[0] if lines else done.returncode}")
    return done.stdout


def pg_backup_revision(backup: Path, known: set[str], env: Mapping[str, str]) -> str:
    """The migration a pg_dump backup is at; NotABackup unless it is Kios Desa's."""
    with backup.open("rb") as file:
        if file.read(len(PG_DUMP_HEADER)) != PG_DUMP_HEADER:
            raise NotABackup(
                f"{backup} is not a Kios Desa backup of PostgreSQL (not a pg_dump custom file)"
            )
    command = ["pg_restore", "--data-only", "--table=alembic_version", "--file=-", str(backup)]
    done = subprocess.run(command, env=dict(env), capture_output=True, text=True, check=False)
    lines = done.stdout.splitlines()
    copy = [i for i, line in enumerate(lines) if line.startswith("COPY public.alembic_version")]
    if done.returncode != 0 or not copy:
        raise NotABackup(f"{backup} is a pg_dump file, but not a Kios Desa backup")
    with suppress(IndexError):
        return _known(lines[copy[0] + 1].strip(), backup, known)
    raise NotABackup(f"{backup} is not a Kios Desa backup (no migration recorded)")


async def held_counts(db: Database) -> tuple[int, int] | None:
    """The centers and requests a database holds; None where its tables are not there yet."""
    async with db.read() as conn:
        return await conn.run_sync(_counts)


def _counts(conn: Connection) -> tuple[int, int] | None:
    inspector = sa.inspect(conn)
    if not (inspector.has_table("centers") and inspector.has_table("requests")):
        return None
    count = sa.func.count()
    return (
        conn.scalar(sa.select(count).select_from(centers)) or 0,
        conn.scalar(sa.select(count).select_from(requests)) or 0,
    )
