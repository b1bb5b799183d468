"""`kiosdesa migrate` and `kiosdesa copy-data`: the database's schema and its move."""

from __future__ import annotations

import argparse
from contextlib import AsyncExitStack

from bot.cli.common import CliError
from bot.config import database_url_from_env
from storage.backup import sqlite_path
from storage.database_url import safe_url
from storage.db import Database
from storage.migration_check import migrations_between, revision_of
from storage.running import no_bot_running
from storage.transfer import copy_database

MIGRATE_HELP = (
    "apply the migrations this version brings and print them, or say the database is up to "
    "date (`kiosdesa run` applies them at start too)"
)
COPY_HELP = (
    "copy every table from one database to another, e.g. SQLite to PostgreSQL: the target is "
    "migrated first and must be empty; neither may have a bot running on it"
)


def add_data_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """migrate | copy-data --from URL --to URL."""
    commands.add_parser("migrate", help=MIGRATE_HELP, description=MIGRATE_HELP)
    copy = commands.add_parser("copy-data", help=COPY_HELP, description=COPY_HELP)
    copy.add_argument(
        "--from",
        dest="source",
        metavar="URL",
        help="the DATABASE_URL to copy from (default: DATABASE_URL from the environment or .env)",
    )
    copy.add_argument(
        "--to",
        dest="target",
        metavar="URL",
        required=True,
        help="the DATABASE_URL to copy into, e.g. postgresql://kiosdesa@localhost/kiosdesa",
    )


async def cmd_migrate(args: argparse.Namespace) -> int:
    """Bring the configured database to the newest migration; say what was applied."""
    url = database_url_from_env()
    db = Database(url)
    try:
        await db.probe()
        before = await revision_of(db)
        await db.migrate()
        after = await revision_of(db)
    finally:
        await db.close()
    applied = migrations_between(before, after)
    for migration in applied:
        print(f"applied {migration.revision}: {migration.title}")
    if applied:
        print(f"{safe_url(url)} is now at migration {after}")
    else:
        print(f"{safe_url(url)} is up to date (migration {after})")
    return 0


async def cmd_copy_data(args: argparse.Namespace) -> int:
    """Copy every table from --from into the empty database --to."""
    source_url = args.source or database_url_from_env()
    source, target = Database(source_url), Database(args.target)
    async with AsyncExitStack() as stack:
        stack.push_async_callback(source.close)
        stack.push_async_callback(target.close)
        if source.url == target.url:
            raise CliError("--from and --to are the same database")
        if source.is_sqlite and not sqlite_path(source.url).exists():
            raise CliError(f"there is no database at {sqlite_path(source.url)}")
        await source.probe()
        await target.probe()
        await stack.enter_async_context(no_bot_running(source))
        await stack.enter_async_context(no_bot_running(target))
        copied = await copy_database(source, target)
    for table, rows in copied.items():
        if rows:
            print(f"{table}: {rows} rows")
    print(
        f"copied {sum(copied.values())} rows in {len(copied)} tables from "
        f"{safe_url(source_url)} to {safe_url(args.target)}"
    )
    return 0
