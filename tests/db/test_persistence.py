"""Dialog persistence: a step and its draft are saved together, or not at all."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

import storage.db
from storage import Storage
from storage.persistence import DatabasePersistence
from tests.conftest import open_storage

SITI = 700001
BUDI = 700002


async def saved(store: Storage) -> tuple[dict[object, object], dict[int, dict[str, object]]]:
    """What a freshly started bot would load."""
    reloaded = DatabasePersistence(store.db)
    return await reloaded.get_conversations("checkout"), await reloaded.get_user_data()


async def test_step_and_draft_are_written_together_at_flush(store: Storage) -> None:
    dialogs = DatabasePersistence(store.db)
    await dialogs.update_conversation("checkout", (SITI, SITI), "note")
    await dialogs.update_user_data(SITI, {"checkout": {"fulfilment": "pickup"}})
    assert await saved(store) == ({}, {})  # nothing half-written before the flush

    await dialogs.flush()

    assert await saved(store) == (
        {(SITI, SITI): "note"},
        {SITI: {"checkout": {"fulfilment": "pickup"}}},
    )


async def test_ending_a_dialog_clears_its_state_and_empty_data(store: Storage) -> None:
    dialogs = DatabasePersistence(store.db)
    await dialogs.update_conversation("checkout", (SITI, SITI), "confirm")
    await dialogs.update_user_data(SITI, {"checkout": {"fulfilment": "delivery"}})
    await dialogs.flush()

    await dialogs.update_conversation("checkout", (SITI, SITI), None)
    await dialogs.update_user_data(SITI, {})
    await dialogs.flush()

    assert await saved(store) == ({}, {})


async def test_an_update_that_changes_no_dialog_data_writes_nothing(store: Storage) -> None:
    """PTB hands over every update's user; data the database already holds is not rewritten."""
    dialogs = DatabasePersistence(store.db)
    await dialogs.update_user_data(SITI, {"checkout": {"fulfilment": "pickup"}})
    await dialogs.flush()
    statements: list[str] = []
    sa.event.listen(store.db.engine.sync_engine, "before_cursor_execute", _record(statements))

    await dialogs.update_user_data(SITI, {"checkout": {"fulfilment": "pickup"}})
    await dialogs.update_user_data(BUDI, {})  # a user with no dialog data at all
    await dialogs.flush()
    assert statements == []

    await dialogs.update_user_data(SITI, {"checkout": {"fulfilment": "delivery"}})
    await dialogs.flush()
    assert statements  # a real change is written
    assert (await saved(store))[1] == {SITI: {"checkout": {"fulfilment": "delivery"}}}


def _record(statements: list[str]) -> Callable[..., None]:
    """An engine listener that keeps each SQL statement run."""

    def listener(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    return listener


async def test_a_flush_refused_by_a_locked_database_keeps_the_changes_for_the_next(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(storage.db, "SQLITE_BUSY_TIMEOUT_MS", 200)
    path = str(make_url(sqlite_url).database)
    async with open_storage(sqlite_url) as store:
        with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as other:
            dialogs = DatabasePersistence(store.db)
            await dialogs.update_conversation("checkout", (SITI, SITI), "note")
            await dialogs.update_user_data(SITI, {"checkout": {"fulfilment": "pickup"}})
            other.execute("BEGIN IMMEDIATE")  # a backup, say, holds the write lock
            with pytest.raises(OperationalError, match="locked"):
                await dialogs.flush()
            await dialogs.update_user_data(SITI, {"checkout": {"fulfilment": "delivery"}})
            other.execute("ROLLBACK")

            await dialogs.flush()

            assert await saved(store) == (
                {(SITI, SITI): "note"},
                {SITI: {"checkout": {"fulfilment": "delivery"}}},  # the newer draft wins
            )


async def test_a_flush_with_nothing_queued_returns_only_once_an_earlier_one_has_written(
    store: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two users' updates end at once: Budi's flush may find Siti's flush took his step along.

    It must not report his step saved before that earlier flush has written it.
    """
    dialogs = DatabasePersistence(store.db)
    written = dialogs._write
    may_write = asyncio.Event()

    async def slow_write(*args: Any) -> None:  # as a database that takes its time
        await may_write.wait()
        await written(*args)

    monkeypatch.setattr(dialogs, "_write", slow_write)
    await dialogs.update_conversation("checkout", (SITI, SITI), "note")
    await dialogs.update_conversation("checkout", (BUDI, BUDI), "confirm")
    siti = asyncio.create_task(dialogs.flush())  # takes both steps with it
    await asyncio.sleep(0.05)
    budi = asyncio.create_task(dialogs.flush())  # nothing left queued for it
    await asyncio.sleep(0.05)
    assert not budi.done()
    may_write.set()
    await budi
    assert (await saved(store))[0] == {(SITI, SITI): "note", (BUDI, BUDI): "confirm"}
    await siti
