"""`kiosdesa backup FILE` and `kiosdesa restore FILE`: the database to a file and back."""

from __future__ import annotations

import argparse
import asyncio
import shlex
import sys
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.cli.common import CliError
from bot.config import database_url_from_env
from storage.backup import (
    PG_DUMP_HEADER,
    SQLITE_HEADER,
    backup_sqlite,
    have_tool,
    held_counts,
    libpq_target,
    pg_backup_revision,
    pg_dump_command,
    pg_restore_command,
    restore_sqlite,
    run_tool,
    sqlite_backup_revision,
    sqlite_path,
)
from storage.database_url import safe_url
from storage.db import Database
from storage.migration_check import known_revisions, migration_problems, revision_of
from storage.running import no_bot_running

BACKUP_HELP = (
    "copy the database to FILE while the bot runs. SQLite: SQLite's online backup, a "
    "consistent snapshot. PostgreSQL: runs pg_dump --format=custom when pg_dump is on PATH, "
    "else prints the exact pg_dump command to run"
)
RESTORE_HELP = (
    "replace the database with a backup made by `kiosdesa backup` (refused while the bot "
    "runs on it), then check its migrations. PostgreSQL backups need pg_restore on PATH"
)


def add_backup_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """backup FILE | restore FILE [--replace]."""
    backup = commands.add_parser("backup", help=BACKUP_HELP, description=BACKUP_HELP)
    backup.add_argument("file", type=Path, metavar="FILE", help="where to write the backup")
    restore = commands.add_parser("restore", help=RESTORE_HELP, description=RESTORE_HELP)
    restore.add_argument("file", type=Path, metavar="FILE", help="a backup file to restore")
    restore.add_argument(
        "--replace",
        action="store_true",
        help="overwrite a database that already holds centers or requests",
    )


async def cmd_backup(args: argparse.Namespace) -> int:
    """Back the configured database up into FILE."""
    url = database_url_from_env()
    db = Database(url)
    try:
        if db.is_sqlite:
            await asyncio.to_thread(backup_sqlite, sqlite_path(db.url), args.file)
            revision = sqlite_backup_revision(args.file, known_revisions())
        elif have_tool("pg_dump"):
            await asyncio.to_thread(run_tool, pg_dump_command(db.url, args.file), db.url)
            revision = pg_backup_revision(args.file, known_revisions(), libpq_target(db.url)[1])
        else:
            print(_pg_dump_advice(db.url, args.file), file=sys.stderr)
            return 1
    finally:
        await db.close()
    size = args.file.stat().st_size
    print(f"backed up {safe_url(url)} to {args.file} ({_size(size)}, migration {revision})")
    return 0


def _pg_dump_advice(database_url: str, target: Path) -> str:
    """What to run where pg_dump is not installed."""
    command = shlex.join(pg_dump_command(database_url, target))
    needs = " (with the password in PGPASSWORD)" if make_url(database_url).password else ""
    return (
        "kiosdesa: pg_dump is not on PATH; install PostgreSQL's client tools "
        f"(apt install postgresql-client) and run{needs}:\n  {command}"
    )


async def cmd_restore(args: argparse.Namespace) -> int:
    """Replace the configured database with the backup in FILE."""
    url = database_url_from_env()
    db = Database(url)
    try:
        revision = _backup_revision(args.file, db)
        await db.probe()
        async with no_bot_running(db):
            await _refuse_to_overwrite(db, url, args.replace)
            await _restore(args.file, db)
            await db.migrate()  # an older backup is brought to this version's schema
            problems = await migration_problems(db)
            if problems:
                raise CliError(f"the restored database fails the migration check: {problems[0]}")
            now = await revision_of(db)
            held = _holdings(await held_counts(db))
        print(
            f"restored {args.file} (migration {revision}) into {safe_url(url)}: "
            f"migration check passed at {now}; {held}"
        )
        return 0
    finally:
        await db.close()


def _backup_revision(backup: Path, db: Database) -> str:
    """Check that FILE is a backup this database can take; its migration revision."""
    try:
        with backup.open("rb") as file:
            header = file.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise CliError(f"cannot read {backup}: {exc.strerror}") from None
    if header.startswith(PG_DUMP_HEADER) and db.is_sqlite:
        raise CliError(f"{backup} is a PostgreSQL backup and DATABASE_URL is SQLite")
    if header == SQLITE_HEADER and not db.is_sqlite:
        raise CliError(
            f"{backup} is a SQLite backup and DATABASE_URL is PostgreSQL: restore it into a "
            "SQLite file, then move it with `kiosdesa copy-data`"
        )
    if db.is_sqlite:
        return sqlite_backup_revision(backup, known_revisions())
    if not have_tool("pg_restore"):
        raise CliError("pg_restore is not on PATH: install PostgreSQL's client tools")
    return pg_backup_revision(backup, known_revisions(), libpq_target(db.url)[1])


async def _refuse_to_overwrite(db: Database, url: str, replace: bool) -> None:
    """Refuse to overwrite a database that holds centers or requests, unless told to."""
    counts = await held_counts(db)
    if counts and sum(counts) and not replace:
        raise CliError(
            f"{safe_url(url)} holds {_holdings(counts)}: "
            "add --replace to overwrite them with the backup"
        )


async def _restore(backup: Path, db: Database) -> None:
    """Write the backup into the database, SQLite's way or pg_restore's."""
    if db.is_sqlite:
        await db.close()  # no pooled connection keeps an old view of the file
        await asyncio.to_thread(restore_sqlite, backup, sqlite_path(db.url))
    else:
        await asyncio.to_thread(run_tool, pg_restore_command(db.url, backup), db.url)


def _holdings(counts: tuple[int, int] | None) -> str:
    """What a database holds, in a few words."""
    centers, requests = counts or (0, 0)
    return f"centers: {centers}, requests: {requests}"


def _size(size: int) -> str:
    """A file size in KB or MB."""
    return f"{size / 1e6:.1f} MB" if size >= 1e6 else f"{max(1, round(size / 1e3))} KB"
