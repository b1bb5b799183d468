"""Running the bot with long polling until SIGINT or SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import warnings

from telegram import Bot, Update
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.warnings import PTBUserWarning

from bot.app import build_application, replay_inbox, start_services, stop_services
from bot.config import Settings, masked_token
from bot.transport.inbox_gate import InboxUnavailable
from storage import Storage
from storage.database_url import masked_url
from storage.db import Database

log = logging.getLogger(__name__)

# Seconds Telegram holds a getUpdates call open while nothing happens.
LONG_POLL_TIMEOUT_S = 10


class TelegramUnavailable(Exception):
    """Telegram rejected the token or could not be reached at start; one line, token masked."""


async def run_bot(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Open the database, poll until `stop` is set or a signal arrives, then close cleanly.

    A database that cannot be opened fails first (StorageUnavailable), then a rejected token
    or an unreachable Telegram (TelegramUnavailable), before the schema is upgraded.
    """
    stop = stop or asyncio.Event()
    _stop_on_signals(stop)
    # PTB's advice on the dialogs' per_message setting is for developers, not the operator.
    warnings.filterwarnings("ignore", "If 'per_message=False'", PTBUserWarning)
    store = Storage(Database(settings.database_url))
    app = build_application(settings, store)
    try:
        await store.db.probe()
        await _reach_telegram(app.bot, settings)
        await store.db.migrate()
        async with app:
            await start_services(app)
            await replay_inbox(app)  # what a killed process received, before anything new
            await app.start()
            assert app.updater is not None
            await app.updater.start_polling(
                poll_interval=0.0,
                timeout=LONG_POLL_TIMEOUT_S,
                allowed_updates=Update.ALL_TYPES,
                error_callback=_polling_failed,
            )
            log.info("Kios Desa is running as @%s", app.bot.username)
            await stop.wait()
            log.info("stopping")
            await app.updater.stop()
            await app.stop()
            await stop_services(app)
    finally:
        # PTB leaves the bot's connections open when getMe fails; a no-op once shut down.
        await app.bot.shutdown()
        await store.close()


async def _reach_telegram(bot: Bot, settings: Settings) -> None:
    """Ask Telegram who the bot is (getMe); TelegramUnavailable if it refuses or is away."""
    try:
        await bot.initialize()
    except TelegramError as exc:
        # `from None`: PTB's own message (the chained exception) holds the whole token.
        raise TelegramUnavailable(_failure_line(exc, settings)) from None


def _failure_line(exc: TelegramError, settings: Settings) -> str:
    """One line for the operator on a failed getMe, with the token masked."""
    token = masked_token(settings.bot_token)
    if isinstance(exc, InvalidToken):
        return f"Telegram rejected BOT_TOKEN {token}: copy the token from @BotFather again"
    where = masked_url(settings.telegram_api_url)
    detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    detail = detail.replace(settings.bot_token, token)
    if isinstance(exc, NetworkError):
        return f"cannot reach Telegram at {where}: {detail}"
    return f"Telegram at {where} refused to start the bot: {detail}"


def _polling_failed(exc: TelegramError) -> None:
    """Log a failed getUpdates as PTB does; one warning line when the inbox could not store
    its answer (a database busy or away: PTB asks again, after a pause growing to 30 s)."""
    if isinstance(exc, InboxUnavailable):
        log.warning("%s", exc)
    else:
        log.error("Exception happened while polling for updates.", exc_info=exc)


def _stop_on_signals(stop: asyncio.Event) -> None:
    """SIGINT and SIGTERM set `stop`, so the bot finishes the update at hand and exits."""
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        # Not possible off the main thread or off POSIX; the caller's `stop` still works.
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
