"""The lock a running bot holds on its database, and a restore's lock that excludes it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from storage.db import Database
from storage.running import DatabaseBusy, bot_running, no_bot_running


@pytest.fixture
async def two(database_url: str) -> AsyncIterator[tuple[Database, Database]]:
    """Two handles on one database, as two processes would have."""
    first, second = Database(database_url), Database(database_url)
    await first.probe()
    yield first, second
    await first.close()
    await second.close()


async def test_bots_share_the_database_but_no_restore_goes_on_beside_them(
    two: tuple[Database, Database],
) -> None:
    # On SQLite the bots of one process; on PostgreSQL any process's (another process's
    # `kiosdesa run` on the same SQLite file is refused: tests/test_startup_failures.py).
    first, second = two
    async with bot_running(first), bot_running(second):
        with pytest.raises(DatabaseBusy, match="the bot is running on this database"):
            async with no_bot_running(first):
                pass
    async with no_bot_running(first):  # both bots stopped: the restore goes ahead
        pass


async def test_no_bot_starts_while_a_restore_holds_the_database(
    two: tuple[Database, Database],
) -> None:
    first, second = two
    async with no_bot_running(first):
        with pytest.raises(DatabaseBusy, match=r"a restore or copy of .* is under way"):
            async with bot_running(second):
                pass
    async with bot_running(second):
        pass
