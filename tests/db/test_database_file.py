"""The SQLite file holds villagers' names and phones: only its owner may read it."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage import Storage


@pytest.fixture
def usual_umask() -> Iterator[None]:
    """Files made as on most systems (umask 022: readable by everyone unless asked not to)."""
    before = os.umask(0o022)
    yield
    os.umask(before)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_a_new_database_and_its_journal_are_private(
    tmp_path: Path, usual_umask: None
) -> None:
    path = tmp_path / "kiosdesa.db"

    store = await Storage.open(f"sqlite:///{path}")
    try:
        await store.users.seen(7001, "Siti")
        await store.users.set_phone(7001, "+6281234567890")
        files = [path, path.with_name("kiosdesa.db-wal"), path.with_name("kiosdesa.db-shm")]
        # While the bot runs, SQLite's write-ahead log and shared memory hold the same data.
        modes = {file.name: oct(mode(file)) for file in files}
    finally:
        await store.close()

    assert modes == {file.name: "0o600" for file in files}
    assert mode(path) == 0o600


async def test_an_existing_database_keeps_the_mode_its_operator_chose(
    tmp_path: Path, usual_umask: None
) -> None:
    path = tmp_path / "kiosdesa.db"
    store = await Storage.open(f"sqlite:///{path}")
    await store.close()
    # The operator lets the backup group read it.
    path.chmod(0o640)

    store = await Storage.open(f"sqlite:///{path}")
    await store.close()

    assert mode(path) == 0o640
