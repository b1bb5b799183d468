"""Running the bot with long polling until SIGINT or SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from telegram import Update

from bot.app import build_application, start_services, stop_services
from bot.config import Settings
from storage import Storage

log = logging.getLogger(__name__)

# Seconds Telegram holds a getUpdates call open while nothing happens.
LONG_POLL_TIMEOUT_S = 10


async def run_bot(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Open the database, poll until `stop` is set or a signal arrives, then close cleanly."""
    stop = stop or asyncio.Event()
    _stop_on_signals(stop)
    store = await Storage.open(settings.database_url)
    try:
        app = build_application(settings, store)
        async with app:
            await start_services(app)
            await app.start()
            assert app.updater is not None
            await app.updater.start_polling(
                poll_interval=0.0, timeout=LONG_POLL_TIMEOUT_S, allowed_updates=Update.ALL_TYPES
            )
            log.info("Kios Desa is running as @%s", app.bot.username)
            await stop.wait()
            log.info("stopping")
            await app.updater.stop()
            await app.stop()
            await stop_services(app)
    finally:
        await store.close()


def _stop_on_signals(stop: asyncio.Event) -> None:
    """SIGINT and SIGTERM set `stop`, so the bot finishes the update at hand and exits."""
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        # Not possible off the main thread or off POSIX; the caller's `stop` still works.
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
