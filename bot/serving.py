"""Serving a bot: start and stop its polling, its Application and its senders; and, on
PostgreSQL, serving only the bots whose leases this process holds.

SQLite is one process: it serves every bot. On PostgreSQL several processes share the bots
through leases (storage/leases.py, bot/transport/lease_keeper.py): a bot's updates, outbox and
broadcasts are handled by its lease holder alone, and the jobs that must run once per
deployment (expiry, retention) run in the holder of the default bot's lease.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Callable
from functools import partial

from telegram import Update
from telegram.error import TelegramError

from bot.app import (
    INBOX_KEY,
    BotSeat,
    KiosApplication,
    build_application,
    replay_inbox,
    start_services,
    stop_services,
)
from bot.config import Settings
from bot.context import SERVICES_KEY
from bot.domain.leases import Lease
from bot.roster import BotRoster
from bot.transport.inbox_feed import FEED_POLL_S, LONE_FEED_POLL_S, InboxFeed
from bot.transport.inbox_gate import InboxGate
from bot.transport.lease_keeper import LeaseKeeper
from bot.transport.webhook import WebhookSeat, bot_webhook_url, webhook_secret
from storage import Storage
from storage.leases import Leases

log = logging.getLogger(__name__)

# Seconds Telegram holds a getUpdates call open while nothing happens.
LONG_POLL_TIMEOUT_S = 10

# Webhook mode: the feed from a served bot's inbox to its Application.
FEED_KEY = "inbox_feed"

PollingFailed = Callable[[str], Callable[[TelegramError], None]]


async def start_serving(
    app: KiosApplication,
    polling_failed: PollingFailed,
    fence: Lease | None = None,
    webhook_url: str = "",
) -> None:
    """Start the bot's senders and jobs, its Application, then its long polling, or with
    `webhook_url` its feed from the inbox and its webhook at Telegram."""
    await start_services(app, fence)
    await replay_inbox(app)  # what a killed holder received, before anything new
    await app.start()
    if webhook_url:
        await _receive_by_webhook(app, webhook_url)
        return
    # PTB's start_polling removes a webhook left set, so Telegram gives updates to polling.
    assert app.updater is not None
    await app.updater.start_polling(
        poll_interval=0.0,
        timeout=LONG_POLL_TIMEOUT_S,
        allowed_updates=Update.ALL_TYPES,
        error_callback=polling_failed(app.bot.token),
    )


async def _receive_by_webhook(app: KiosApplication, webhook_url: str) -> None:
    """Feed the bot what its inbox receives, then ask Telegram to post its updates (once the
    feed is there, so nothing posted meanwhile waits for the next poll)."""
    gate: InboxGate = app.bot_data[INBOX_KEY]
    alone = app.bot_data[SERVICES_KEY].store.db.is_sqlite  # no other process stores updates
    feed = InboxFeed(gate, app.bot, app.update_queue, LONE_FEED_POLL_S if alone else FEED_POLL_S)
    feed.start()
    app.bot_data[FEED_KEY] = feed
    await app.bot.set_webhook(
        bot_webhook_url(webhook_url, gate.bot_id),
        secret_token=webhook_secret(app.bot.token),
        allowed_updates=Update.ALL_TYPES,
    )


def webhook_seats(apps: list[KiosApplication]) -> Callable[[int], WebhookSeat | None]:
    """How the webhook server finds a bot of this process by its id (its latest Application,
    served here or not: any process stores a bot's updates)."""

    def seat_of(bot_id: int) -> WebhookSeat | None:
        for app in apps:
            gate: InboxGate = app.bot_data[INBOX_KEY]
            if gate.bot_id == bot_id:
                return WebhookSeat(webhook_secret(app.bot.token), gate, partial(_wake, app))
        return None

    return seat_of


def _wake(app: KiosApplication) -> None:
    """Wake the bot's feed, if this process serves the bot."""
    feed: InboxFeed | None = app.bot_data.get(FEED_KEY)
    if feed is not None:
        feed.wake()


async def stop_receiving(app: KiosApplication) -> None:
    """Stop polling, or the feed from the inbox: no new update reaches the bot after this."""
    if app.updater is not None and app.updater.running:
        await app.updater.stop()
    feed: InboxFeed | None = app.bot_data.pop(FEED_KEY, None)
    if feed is not None:
        await feed.stop()


async def stop_serving(app: KiosApplication) -> None:
    """Stop receiving, finish the updates at hand, then stop the senders (nothing sent after)."""
    await stop_receiving(app)
    if app.running:
        await app.stop()
    await stop_services(app)


class LeasedSeats:
    """The bots of this process, each started when its lease is taken and stopped when it
    is given back; each taken is built afresh, so its dialogs are read from the database as
    the last holder left them."""

    def __init__(
        self, apps: list[KiosApplication], settings: Settings, polling_failed: PollingFailed
    ) -> None:
        self.apps = apps  # replaced in place when a bot is built afresh
        self.settings = settings
        self.polling_failed = polling_failed

    def bot_ids(self) -> list[int]:
        """The Telegram ids of the bots, the default bot's first."""
        return [app.bot.id for app in self.apps]

    async def start(self, lease: Lease) -> None:
        """Serve the bot of `lease`, fenced by it."""
        index = self.bot_ids().index(lease.bot_id)
        # Built afresh every time: the dialogs are read now, as the last holder left them
        # (the Application built at start read them when this process started).
        self.apps[index] = await self._rebuilt(self.apps[index])
        app = self.apps[index]
        await start_serving(app, self.polling_failed, lease, self.settings.webhook_url)
        log.info("serving @%s", self.apps[index].bot.username)

    async def stop(self, bot_id: int) -> None:
        """Stop serving `bot_id`."""
        app = self.apps[self.bot_ids().index(bot_id)]
        await stop_serving(app)
        log.info("no longer serving @%s", app.bot.username)

    async def _rebuilt(self, old: KiosApplication) -> KiosApplication:
        """A fresh Application for the bot, known to its peers in its stead."""
        services = old.bot_data[SERVICES_KEY]
        store: Storage = services.store
        fresh = build_application(self.settings, store, BotSeat(old.bot.token, services.bot_id))
        await fresh.initialize()
        renewed = fresh.bot_data[SERVICES_KEY]
        renewed.default_bot_username = services.default_bot_username
        renewed.peers = services.peers  # one map shared by every bot of the process
        renewed.peers[services.bot_id] = fresh.bot
        # One whose start failed half-way may still run (PTB refuses to shut it down then):
        # stopped first, or every later start of the bot would fail here.
        if old.running or (old.updater is not None and old.updater.running):
            log.warning("@%s was still running: stopping it first", old.bot.username)
            await stop_serving(old)
        await old.shutdown()
        return fresh


async def serve_by_leases(
    apps: list[KiosApplication],
    settings: Settings,
    store: Storage,
    stop: asyncio.Event,
    polling_failed: PollingFailed,
) -> None:
    """Serve this process's share of the bots until `stop`, then give every lease back."""
    seats = LeasedSeats(apps, settings, polling_failed)
    # Bots added or removed while the processes run are shared from the next round on.
    roster = BotRoster(apps, settings, store)
    # Connections of their own: a renewal never waits behind the bots' work for one.
    lease_db = store.db.separate()
    try:
        keeper = LeaseKeeper(
            Leases(lease_db), seats.bot_ids(), seats, settings.lease_ttl_s, roster.bot_ids
        )
        await keeper.join(socket.gethostname(), os.getpid())
        names = ", ".join(f"@{app.bot.username}" for app in apps)
        log.info(
            "Kios Desa is running as process %s, sharing %s with the other processes"
            " (leases of %g s)",
            keeper.process_id,
            names,
            settings.lease_ttl_s,
        )
        await keeper.run(stop)
    finally:
        await roster.close()
        await lease_db.close()
