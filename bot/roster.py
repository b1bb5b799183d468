"""The bots of the deployment while it runs: `kiosdesa bot add` and `kiosdesa bot remove` take
effect without a restart.

The bots table is read again every lease round on PostgreSQL (the lease keeper then shares a
new bot like the others, and stops and gives back a removed one), and every ROSTER_POLL_S on
SQLite, whose one process starts a new bot and stops a removed one itself. A new bot gets an
Application of its own, checked with getMe, known to its peers as the bots read at start are.
"""

from __future__ import annotations

import asyncio
import logging
from functools import partial

from bot.app import BotSeat, KiosApplication, build_application
from bot.config import Settings
from bot.context import SERVICES_KEY
from bot.domain.bots import BotAccount, masked_token
from storage import Storage
from storage.database_url import first_line

log = logging.getLogger(__name__)

# SQLite: seconds between reads of the bots table (one process; PostgreSQL reads it each lease
# round).
ROSTER_POLL_S = 5.0
# PostgreSQL: how long a lease round waits for new bots to be built (getMe) before going on.
BUILD_WAIT_S = 1.0


class BotRoster:
    """This process's Applications, kept to the bots table: `apps[0]` is the default bot's,
    then one for each bot of the table (the list is shared with the runner and the seats)."""

    def __init__(self, apps: list[KiosApplication], settings: Settings, store: Storage) -> None:
        self.apps = apps
        self.settings = settings
        self.store = store
        # Removed from the table: dropped once stopped (PostgreSQL: the keeper stops them).
        self._leaving: set[int] = set()
        # Bots whose getMe failed, so the failure is logged once, not every round.
        self._refused: set[int] = set()
        # PostgreSQL: new bots being built meanwhile, so a slow getMe never delays a lease round.
        self._building: dict[int, asyncio.Task[KiosApplication | None]] = {}

    async def bot_ids(self) -> list[int]:
        """The bots to share now (the lease keeper asks every round): the new ones once built
        (in the background), the removed ones left out, and dropped once the keeper stopped
        them."""
        for app in self._of(self._leaving):
            if not app.running:
                await self.drop(app)
        for account in await self._look():
            if account.id not in self._building:
                task = asyncio.create_task(self._built(account), name=f"building {account.name}")
                task.add_done_callback(partial(_log_unread_failure, account))
                self._building[account.id] = task
        if self._building:  # usually built in this round; a slow getMe is waited for no longer
            await asyncio.wait(self._building.values(), timeout=BUILD_WAIT_S)
        for bot_id, task in list(self._building.items()):
            if task.done():
                del self._building[bot_id]
        return [app.bot.id for app in self.apps if app.bot.id not in self._leaving]

    async def changes(self) -> tuple[list[KiosApplication], list[KiosApplication]]:
        """Read the bots table: the Applications built for bots added since the last look
        (initialized, not started), and those of bots removed from it (not dropped yet)."""
        built = [await self._built(account) for account in await self._look()]
        return [app for app in built if app is not None], self._of(self._leaving)

    async def close(self) -> None:
        """Stop building: a bot not built yet is built at the next start."""
        for task in self._building.values():
            task.cancel()
        await asyncio.gather(*self._building.values(), return_exceptions=True)
        self._building.clear()

    async def drop(self, app: KiosApplication) -> None:
        """Forget a bot's Application (removed, or whose start failed; stopped already): no
        peer's any more, then shut down. Forgotten first, so a bot still in the table is built
        anew at the next look even if its shutdown fails."""
        self.apps.remove(app)
        self._leaving.discard(app.bot.id)
        self.apps[0].bot_data[SERVICES_KEY].peers.pop(app.bot.id, None)
        await _shut(app)

    async def _look(self) -> list[BotAccount]:
        """Read the bots table: note the bots removed from it; the bots added to it."""
        accounts = {account.id: account for account in await self.store.bots.all_bots()}
        removed = {app.bot.id for app in self.apps[1:] if app.bot.id not in accounts}
        for app in self._of(removed - self._leaving):
            log.info("bot @%s was removed (kiosdesa bot remove): stopping it", app.bot.username)
        self._leaving = removed
        known = {app.bot.id for app in self.apps}
        default = self.apps[0].bot.id
        return [a for i, a in accounts.items() if i not in known and i != default]

    async def _built(self, account: BotAccount) -> KiosApplication | None:
        """An initialized Application for a bot added to the table, known to the others; None
        if Telegram refuses its token or cannot be reached, or the database fails while its
        dialogs are read (tried again at the next look; logged here, so a failure never waits
        unread in a building task)."""
        app = build_application(self.settings, self.store, BotSeat(account.token, account.id))
        try:
            await app.bot.initialize()  # getMe
            await app.initialize()  # reads its dialogs from the database
        except Exception as exc:
            level = logging.DEBUG if account.id in self._refused else logging.WARNING
            detail = first_line(exc).replace(account.token, masked_token(account.token))
            log.log(level, "bot %s not started, trying again: %s", account.name, detail)
            self._refused.add(account.id)
            await _shut(app)
            return None
        except BaseException:  # cancelled at stop
            await _shut(app)
            raise
        self._refused.discard(account.id)
        first = self.apps[0].bot_data[SERVICES_KEY]
        services = app.bot_data[SERVICES_KEY]
        services.default_bot_username = self.apps[0].bot.username
        services.peers = first.peers  # one map shared by every bot of the process
        services.peers[account.id] = app.bot
        self.apps.append(app)
        log.info("bot %s (@%s) was added (kiosdesa bot add)", account.name, app.bot.username)
        return app

    def _of(self, bot_ids: set[int]) -> list[KiosApplication]:
        return [app for app in self.apps if app.bot.id in bot_ids]


async def _shut(app: KiosApplication) -> None:
    """Close what a (half-)built Application opened; its bot's connections even if the
    Application's shutdown fails."""
    try:
        await app.shutdown()
    finally:
        await app.bot.shutdown()


def _log_unread_failure(account: BotAccount, task: asyncio.Task[KiosApplication | None]) -> None:
    """Log a building task's failure that `_built` did not handle (one line, token masked),
    rather than leave it to "Task exception was never retrieved" at garbage collection."""
    if task.cancelled() or (exc := task.exception()) is None:
        return
    detail = first_line(exc).replace(account.token, masked_token(account.token))
    log.warning("bot %s not started, trying again: %s", account.name, detail)
