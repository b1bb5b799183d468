"""The lock a running bot holds on its database, and a restore's lock that excludes it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage.db import Database
from storage.running import (
    DatabaseBusy,
    bot_running,
    files_a_start_creates,
    forget_failed_start,
    no_bot_running,
)


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


def test_a_failed_start_removes_what_it_created_only_while_it_is_empty(tmp_path: Path) -> None:
    database, lock = tmp_path / "k.db", tmp_path / "k.db.lock"
    created = files_a_start_creates(f"sqlite:///{database}")
    assert created == [database, lock]
    database.write_bytes(b"SQLite format 3\x00")  # the start got as far as writing
    lock.touch()

    forget_failed_start(created)
    assert database.exists() and lock.exists()

    database.write_bytes(b"")  # opened, nothing written: as a start refused by Telegram
    forget_failed_start(created)
    assert not database.exists() and not lock.exists()
    assert files_a_start_creates(f"postgresql://kios@{tmp_path.name}/kiosdesa") == []


def test_an_existing_database_is_never_removed_by_a_failed_start(tmp_path: Path) -> None:
    database = tmp_path / "k.db"
    database.write_bytes(b"")

    created = files_a_start_creates(f"sqlite:///{database}")
    forget_failed_start(created)

    assert created == [tmp_path / "k.db.lock"]
    assert database.exists()
