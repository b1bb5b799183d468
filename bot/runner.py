"""Running the bots of the deployment with long polling (or a webhook), until SIGINT or SIGTERM.

The default bot (BOT_TOKEN) and each bot of the bots table get an Application of their own:
each its own send budget, update order and dialogs; one database for all. On SQLite one
process serves them all; on PostgreSQL the processes sharing the database share the bots
through leases (bot/serving.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import warnings
from collections.abc import AsyncIterator, Callable

from telegram import Bot
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.warnings import PTBUserWarning

from bot.app import BotSeat, KiosApplication, build_application, stop_services
from bot.config import ConfigError, Settings, listen_address, masked_token
from bot.context import SERVICES_KEY
from bot.domain.bots import BotAccount
from bot.domain.bots import masked_token as shown_token
from bot.roster import ROSTER_POLL_S, BotRoster
from bot.serving import (
    serve_by_leases,
    start_serving,
    stop_receiving,
    stop_serving,
    webhook_seats,
)
from bot.transport.inbox_gate import InboxUnavailable
from bot.transport.webhook import WebhookServer, local_path
from storage import Storage, StorageUnavailable
from storage.database_url import first_line, masked_url
from storage.db import Database
from storage.revision import schema_revision
from storage.running import bot_running

log = logging.getLogger(__name__)


class TelegramUnavailable(Exception):
    """Telegram rejected a token or could not be reached at start; one line, token masked."""


async def run_bot(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Open the database, poll every bot until `stop` is set or a signal arrives, then close
    cleanly.

    A database that cannot be opened fails first (StorageUnavailable), then a rejected token
    or an unreachable Telegram (TelegramUnavailable), before the schema is upgraded.
    """
    stop = stop or asyncio.Event()
    _stop_on_signals(stop)
    # PTB's advice on the dialogs' per_message setting is for developers, not the operator.
    warnings.filterwarnings("ignore", "If 'per_message=False'", PTBUserWarning)
    store = Storage(Database(settings.database_url))
    apps = [build_application(settings, store)]
    # Held while the bots live, so `kiosdesa restore` can tell that they run.
    running = contextlib.AsyncExitStack()
    try:
        await store.db.probe()
        await running.enter_async_context(bot_running(store.db))
        await _reach_telegram(apps[0].bot, settings, settings.bot_token, "BOT_TOKEN")
        await _migrate(store.db)
        await _add_other_bots(apps, settings, store)
        _introduce(apps)
        for app in apps:
            await app.initialize()
        if settings.webhook_url:  # before any bot asks Telegram to post to it
            await running.enter_async_context(_webhook_server(apps, settings))
        if store.db.is_sqlite:  # one process serves every bot
            await _serve(BotRoster(apps, settings, store), stop, settings.webhook_url)
        else:  # each bot by one of the processes sharing the database, through its lease
            await running.enter_async_context(_listening(store))
            await serve_by_leases(apps, settings, store, stop, _polling_failed)
    finally:
        for app in apps:  # `apps` holds each bot's latest Application
            await app.shutdown()  # a no-op for one never initialized
            # PTB leaves the bot's connections open when getMe fails; a no-op once shut down.
            await app.bot.shutdown()
        await running.aclose()
        await store.close()


async def _add_other_bots(apps: list[KiosApplication], settings: Settings, store: Storage) -> None:
    """Add an Application for each bot of the table to `apps`, each checked with getMe.

    Each is added before its getMe, so a refused one is shut down with the others.
    """
    default = apps[0].bot
    for account in await store.bots.all_bots():
        if account.id == default.id:
            raise TelegramUnavailable(
                f"bot {account.name} (@{account.username}) is the bot of BOT_TOKEN too: "
                f"remove it with `kiosdesa bot remove {account.name}`"
            )
        app = build_application(settings, store, BotSeat(account.token, account.id))
        apps.append(app)
        await _reach_telegram(app.bot, settings, account.token, _named(account))


def _named(account: BotAccount) -> str:
    """How the operator reads a bot of the table in a failure line."""
    return f"the token of bot {account.name}"


def _introduce(apps: list[KiosApplication]) -> None:
    """Tell each bot's services about the others: the default's @username, and every bot."""
    peers = {app.bot_data[SERVICES_KEY].bot_id: app.bot for app in apps}
    for app in apps:
        services = app.bot_data[SERVICES_KEY]
        services.default_bot_username = apps[0].bot.username
        services.peers = peers


@contextlib.asynccontextmanager
async def _webhook_server(apps: list[KiosApplication], settings: Settings) -> AsyncIterator[None]:
    """This process's web server for the bots' webhook posts, while the block runs."""
    host, port = listen_address(settings.webhook_listen)
    server = WebhookServer(host, port, local_path(settings.webhook_url), webhook_seats(apps))
    try:
        await server.start()
    except OSError as exc:  # the address in use, or not this machine's
        raise ConfigError(
            f"cannot listen on {settings.webhook_listen} for the webhook "
            f"({exc.strerror or exc}): choose another --listen"
        ) from None
    try:
        yield
    finally:
        await server.stop()


@contextlib.asynccontextmanager
async def _listening(store: Storage) -> AsyncIterator[None]:
    """PostgreSQL: listen for other processes' notices (storage/notices.py) while the block
    runs, so their messages and updates for the bots served here wake them at once."""
    done = asyncio.Event()
    listener = asyncio.create_task(store.notices.run(done), name="notice listener")
    try:
        yield
    finally:
        done.set()
        await listener


async def _serve(roster: BotRoster, stop: asyncio.Event, webhook_url: str) -> None:
    """Start every bot, serve until `stop` (starting bots added to the table meanwhile and
    stopping those removed), then stop them all (each finishes its update)."""
    apps = roster.apps
    started: list[KiosApplication] = []
    try:
        for app in apps:
            started.append(app)
            await start_serving(app, _polling_failed, webhook_url=webhook_url)
        names = ", ".join(f"@{app.bot.username}" for app in apps)
        log.info("Kios Desa is running as %s", names)
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), ROSTER_POLL_S)
            if not stop.is_set():
                await _follow_roster(roster, started, webhook_url)
        log.info("stopping")
    finally:
        for app in started:
            await stop_receiving(app)
        for app in reversed(started):
            if app.running:
                await app.stop()
        for app in apps:
            await stop_services(app)


async def _follow_roster(
    roster: BotRoster, started: list[KiosApplication], webhook_url: str
) -> None:
    """Start the bots added to the table, stop and forget those removed (one process).

    One bot that fails to start or stop never stops the others: a failed start is tried again
    at the next look, a failed stop still drops the bot."""
    try:
        added, removed = await roster.changes()
    except Exception as exc:  # the database busy or away: the next look tries again
        log.warning("could not read the bots table: %s", exc)
        return
    for app in removed:
        if app in started:
            started.remove(app)
        await _stop_removed(roster, app)
    for app in added:
        started.append(app)
        try:
            await start_serving(app, _polling_failed, webhook_url=webhook_url)
        except Exception as exc:  # Telegram away, or the database: the next look tries again
            log.warning(
                "bot @%s not started, trying again in %g s: %s",
                app.bot.username,
                ROSTER_POLL_S,
                _masked(exc, app.bot.token),
            )
            started.remove(app)
            await _forget_half_started(roster, app)
            continue
        log.info("serving @%s", app.bot.username)


async def _stop_removed(roster: BotRoster, app: KiosApplication) -> None:
    """Stop a bot removed from the table and drop it, even if it does not stop cleanly."""
    try:
        await stop_serving(app)
    except Exception as exc:
        log.warning(
            "bot @%s did not stop cleanly, dropping it: %s",
            app.bot.username,
            _masked(exc, app.bot.token),
        )
    await _drop(roster, app)
    log.info("no longer serving @%s", app.bot.username)


async def _forget_half_started(roster: BotRoster, app: KiosApplication) -> None:
    """Stop what a failed start began and forget the bot, so the next look builds it anew."""
    with contextlib.suppress(Exception):  # its failure was logged; this is only the cleanup
        await stop_serving(app)
    await _drop(roster, app)


async def _drop(roster: BotRoster, app: KiosApplication) -> None:
    """Forget a bot's Application; a failure to close its connections is logged."""
    try:
        await roster.drop(app)
    except Exception as exc:
        log.warning("bot @%s not shut down cleanly: %s", app.bot.username, first_line(exc))


def _masked(exc: BaseException, token: str) -> str:
    """The first line of any failure, with a bot of the table's token masked."""
    return first_line(exc).replace(token, shown_token(token))


async def _reach_telegram(bot: Bot, settings: Settings, token: str, what: str) -> None:
    """Ask Telegram who the bot is (getMe); TelegramUnavailable if it refuses or is away."""
    try:
        await bot.initialize()
    except TelegramError as exc:
        # `from None`: PTB's own message (the chained exception) holds the whole token.
        raise TelegramUnavailable(_failure_line(exc, settings, token, what)) from None


async def _migrate(db: Database) -> None:
    """Bring the schema up to date; one log line when a migration ran, none when none did."""
    before = await schema_revision(db)
    if not before.known:
        raise StorageUnavailable(
            f"the database is at migration {before.current}, which this kiosdesa does not know "
            f"(it knows up to {before.head}): upgrade kiosdesa, or use a backup of this version"
        )
    await db.migrate()
    if not before.at_head:
        log.info("database upgraded from %s to %s", before.current or "empty", before.head)


def _polling_failed(token: str) -> Callable[[TelegramError], None]:
    """One warning line, token masked, each time getUpdates fails (PTB retries, backing off)."""

    def report(exc: TelegramError) -> None:
        if isinstance(exc, InboxUnavailable):  # the database, not Telegram: PTB asks again
            log.warning("%s", exc)
            return
        # PTB's own report is a whole traceback for every retry while the network is down.
        log.warning("cannot get updates from Telegram, retrying: %s", _detail(exc, token))

    return report


def _detail(exc: TelegramError, token: str) -> str:
    """The first line of a Telegram error, with the token masked."""
    detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return detail.replace(token, masked_token(token))


def _failure_line(exc: TelegramError, settings: Settings, token: str, what: str) -> str:
    """One line for the operator on a failed getMe, with the token masked (a bot of the
    table's as `kiosdesa bot list` shows it)."""
    masked = masked_token(token) if what == "BOT_TOKEN" else shown_token(token)
    if isinstance(exc, InvalidToken):
        return f"Telegram rejected {what} {masked}: copy the token from @BotFather again"
    where = masked_url(settings.telegram_api_url)
    detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    detail = detail.replace(token, masked)
    if isinstance(exc, NetworkError):
        return f"cannot reach Telegram at {where}: {detail}"
    return f"Telegram at {where} refused to start the bot: {detail}"


def _stop_on_signals(stop: asyncio.Event) -> None:
    """SIGINT and SIGTERM set `stop`, so the bots finish the updates at hand and exit."""
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        # Not possible off the main thread or off POSIX; the caller's `stop` still works.
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
