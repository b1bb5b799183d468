"""`kiosdesa doctor`: is everything in place for the bot to run? One line a check, ok or FAIL.

It reads and asks, never changes: no database file is created, no migration applied.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.cli.checks import Check, fail, ok
from bot.cli.doctor_bots import registry_checks
from bot.cli.doctor_telegram import telegram_checks
from bot.cli.logs import log_level_from_env
from bot.cli.webhook import with_webhook_options
from bot.config import ConfigError, Settings, database_url_from_env, load_settings
from bot.domain.clock import center_zone
from bot.domain.entities import Center
from storage import Storage, StorageUnavailable
from storage.database_url import masked_url
from storage.db import Database
from storage.revision import SchemaRevision, schema_revision

NO_CENTERS = "none yet: add one with kiosdesa center add CODE --name NAME --manager ID"


async def cmd_doctor(args: argparse.Namespace) -> int:
    """Print one line a check; exit status 1 when any failed."""
    settings, read = settings_check(args)
    checks = [read]
    username = None
    if settings is not None:
        telegram, username = await telegram_checks(settings)
        checks += telegram
    checks += await database_checks(database_url_from_env(), username, settings)
    for check in checks:
        print(check.line)
    return 0 if all(check.passed for check in checks) else 1


def settings_check(args: argparse.Namespace | None = None) -> tuple[Settings | None, Check]:
    """The settings `kiosdesa run` reads (with doctor's --webhook), and where from."""
    try:
        settings = load_settings()
        if args is not None:
            settings = with_webhook_options(settings, args)
        log_level_from_env()
    except ConfigError as exc:
        return None, fail("settings", str(exc))
    env = Path.cwd() / ".env"
    where = f"and {env}" if env.is_file() else f"(no .env file in {Path.cwd()})"
    return settings, ok("settings", f"read from the environment {where}")


async def database_checks(
    url: str, username: str | None, settings: Settings | None = None
) -> list[Check]:
    """The database reachable, its migrations, each center's manager, and (with `settings`,
    to reach Telegram) the webhook of each bot of the registry."""
    shown = masked_url(url)
    try:
        db = Database(url)
    except StorageUnavailable as exc:
        return [fail("database", str(exc))]
    try:
        if db.is_sqlite and not _sqlite_file_exists(url):
            return [fail("database", f"{shown} does not exist yet: kiosdesa run creates it")]
        await db.probe()
        revision = await schema_revision(db)
        checks = [ok("database", f"{shown} answers"), migrations_check(revision)]
        if revision.at_head:
            store = Storage(db)
            checks += await center_checks(store, username)
            if settings is not None:
                checks += await registry_checks(settings, await store.bots.all_bots())
        return checks
    except StorageUnavailable as exc:
        return [fail("database", str(exc))]
    finally:
        await db.close()


def migrations_check(revision: SchemaRevision) -> Check:
    """Whether the database is at the migration this version brings (nothing is migrated)."""
    if revision.at_head:
        return ok("migrations", f"at {revision.head}, the latest")
    if revision.current is None:
        return fail("migrations", "the database is empty: kiosdesa run creates its tables")
    if not revision.known:
        return fail(
            "migrations",
            f"the database is at {revision.current}, from a newer kiosdesa than this one "
            f"(which knows up to {revision.head}): upgrade kiosdesa",
        )
    return fail(
        "migrations",
        f"the database is at {revision.current}, this version needs {revision.head}: "
        "kiosdesa run upgrades it at start",
    )


async def center_checks(store: Storage, username: str | None) -> list[Check]:
    """One line a center: whether its manager can get the bot's messages, and its clock."""
    centers = await store.centers.all_centers()
    if not centers:
        return [fail("centers", NO_CENTERS)]
    bot = f"@{username}" if username else "the bot"
    return [await manager_check(store, center, bot) for center in centers]


async def manager_check(store: Storage, center: Center, bot: str) -> Check:
    """Telegram lets a bot write only to users who wrote to it first and did not block it."""
    topic, manager = f"center {center.code}", f"manager {center.manager_id}"
    user = await store.users.get(center.manager_id)
    if user is None:
        return fail(topic, f"{manager} has not opened the bot: ask them to send /start to {bot}")
    who = f"{manager} ({user.display_name})"
    if user.blocked(center.bot_id):
        return fail(topic, f"{who} blocked the bot: ask them to unblock {bot} and send /start")
    zone = center_zone(center.currency).key
    return ok(topic, f"{who} has opened the bot; the center's days run on {zone} time")


def _sqlite_file_exists(url: str) -> bool:
    """Whether a SQLite URL's file is there (an in-memory database always is)."""
    database = make_url(url).database
    return not database or database == ":memory:" or Path(database).exists()
