"""`kiosdesa migrate`, `copy-data`, `backup` and `restore` as an operator runs them."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bot.domain.catalog_csv import parse_catalog_csv
from bot.domain.pipeline import Action
from bot.services.acting import act
from storage.db import Database
from storage.migration_check import head_revision, migration_problems
from storage.running import bot_running
from storage.schema import metadata
from tests.conftest import open_storage
from tests.db.test_migrations import database_at
from tests.e2e.conftest import MANAGER, place_order
from tests.test_cli import SAMPLE_CATALOG, Kiosdesa

VILLAGERS = range(700101, 700106)


async def a_busy_center(url: str) -> None:
    """A center with the sample catalog, five villagers' orders, one of them approved."""
    async with open_storage(url) as store:
        center = await store.centers.add_center("LEPING", "Kios Desa Leping", MANAGER)
        rows = parse_catalog_csv(SAMPLE_CATALOG.read_text(encoding="utf-8"), "IDR")
        await store.catalog.import_rows(center.id, rows)
        orders = [await place_order(store, v, {"Minyakita 1 liter": 2}) for v in VILLAGERS]
        await act(store, orders[0].id, Action.APPROVE, MANAGER)  # an audit row, outbox rows


async def every_row(url: str) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, ordered by primary key."""
    async with open_storage(url) as store, store.db.read() as conn:
        rows = {}
        for table in metadata.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            result = await conn.execute(sa.select(table).order_by(*order))
            rows[table.name] = [dict(row._mapping) for row in result]
        return rows


@pytest.mark.parametrize(("source", "target"), [("sqlite", "postgres"), ("postgres", "sqlite")])
async def test_copy_data_moves_every_row_and_new_orders_get_new_ids(
    source: str, target: str, sqlite_url: str, postgres_url: str, tmp_path: Path
) -> None:
    urls = {"sqlite": sqlite_url, "postgres": postgres_url}
    await a_busy_center(urls[source])
    before = await every_row(urls[source])

    out = Kiosdesa(tmp_path, urls[source]).ok("copy-data", "--to", urls[target])

    assert "requests: 5 rows" in out and "products: 70 rows" in out
    after = await every_row(urls[target])
    assert {t: len(r) for t, r in after.items()} == {t: len(r) for t, r in before.items()}
    assert after == before
    async with open_storage(urls[target]) as store:
        order = await place_order(store, 700199, {"Minyakita 1 liter": 1})
        assert order.id == max(r["id"] for r in before["requests"]) + 1
        center = await store.centers.add_center("DUA", "Kios Dua", MANAGER)
        assert center.id == 2
        assert await migration_problems(store.db) == []


async def test_copy_data_goes_only_into_an_empty_database(
    sqlite_url: str, postgres_url: str, tmp_path: Path
) -> None:
    await a_busy_center(sqlite_url)
    async with open_storage(postgres_url) as store:
        await store.centers.add_center("ADA", "Sudah Ada", MANAGER)

    done = Kiosdesa(tmp_path, sqlite_url)("copy-data", "--to", postgres_url)

    assert done.returncode == 2
    assert "is not empty (table centers has rows)" in done.stderr
    # The target as the operator typed it, not the driver's postgresql+asyncpg:// form.
    assert f"the target {postgres_url} is not empty" in done.stderr
    assert len(done.stderr.splitlines()) == 1
    async with open_storage(postgres_url) as store:
        assert [c.code for c in await store.centers.all_centers()] == ["ADA"]


async def test_copy_data_is_refused_while_a_bot_runs_on_the_source(
    sqlite_url: str, tmp_path: Path
) -> None:
    await a_busy_center(sqlite_url)
    db = Database(sqlite_url)
    try:
        async with bot_running(db):
            target = f"sqlite:///{tmp_path / 'copy.db'}"
            done = Kiosdesa(tmp_path, sqlite_url)("copy-data", "--to", target)
    finally:
        await db.close()

    assert done.returncode == 2
    assert done.stderr == (
        f"kiosdesa: the bot is running on this database (pid {os.getpid()}): stop it first\n"
    )


def test_migrate_lists_what_it_applied_then_says_up_to_date(tmp_path: Path) -> None:
    kiosdesa = Kiosdesa(tmp_path, f"sqlite:///{tmp_path / 'k.db'}")

    first = kiosdesa.ok("migrate").splitlines()
    again = kiosdesa.ok("migrate")

    assert first[0].startswith("applied 0001: Centers")
    assert first[-1] == f"sqlite:///{tmp_path / 'k.db'} is now at migration {head_revision()}"
    assert again == f"sqlite:///{tmp_path / 'k.db'} is up to date (migration {head_revision()})\n"


async def test_migrate_applies_only_what_an_older_release_lacks(
    database_url: str, tmp_path: Path
) -> None:
    await (await database_at(database_url, "0013")).close()

    out = Kiosdesa(tmp_path, database_url).ok("migrate").splitlines()

    assert out[0].startswith("applied 0014: Payment beside fulfilment")
    # One line for each migration from 0014 to the newest, then where the database is now.
    newer = int(head_revision()) - 13
    assert len(out) == newer + 1
    assert out[-1].endswith(f"is now at migration {head_revision()}")


async def test_a_postgresql_backup_restores_over_later_changes(
    postgres_url: str, tmp_path: Path
) -> None:
    await a_busy_center(postgres_url)
    before = await every_row(postgres_url)
    kiosdesa = Kiosdesa(tmp_path, postgres_url)

    assert "kios.dump (" in kiosdesa.ok("backup", "kios.dump")
    refused = kiosdesa("restore", "kios.dump")
    assert refused.returncode == 2
    assert "holds centers: 1, requests: 5: add --replace" in refused.stderr

    async with open_storage(postgres_url) as store:
        await place_order(store, 700199, {"Minyakita 1 liter": 1})
    out = kiosdesa.ok("restore", "--replace", "kios.dump")

    assert f"migration check passed at {head_revision()}; centers: 1, requests: 5" in out
    assert await every_row(postgres_url) == before


def test_without_pg_dump_the_backup_prints_the_command_to_run(tmp_path: Path) -> None:
    url = "postgresql://kios:rahasia@db.example:5432/kiosdesa"
    done = Kiosdesa(tmp_path, url)("backup", "kios.dump", PATH=str(tmp_path))

    assert done.returncode == 1
    assert done.stderr.splitlines()[1] == (
        "  pg_dump --format=custom --no-owner --file=kios.dump "
        "postgresql://kios@db.example:5432/kiosdesa"
    )
    assert "PGPASSWORD" in done.stderr and "rahasia" not in done.stderr


async def test_restore_refuses_files_that_are_not_kios_desa_backups(tmp_path: Path) -> None:
    kiosdesa = Kiosdesa(tmp_path, f"sqlite:///{tmp_path / 'k.db'}")
    (tmp_path / "notes.txt").write_text("not a database\n")
    with sqlite3.connect(tmp_path / "other.db") as other:
        other.execute("CREATE TABLE songs (title TEXT)")
    newer = tmp_path / "newer.db"
    async with open_storage(f"sqlite:///{newer}") as store, store.db.write() as conn:
        await conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))

    answers = {name: kiosdesa("restore", name) for name in ("notes.txt", "other.db", "newer.db")}

    assert {name: done.returncode for name, done in answers.items()} == dict.fromkeys(answers, 2)
    assert answers["notes.txt"].stderr == (
        "kiosdesa: notes.txt is not a Kios Desa backup (not a SQLite database)\n"
    )
    assert answers["other.db"].stderr == (
        "kiosdesa: other.db is a SQLite database, but not a Kios Desa backup\n"
    )
    assert answers["newer.db"].stderr == (
        "kiosdesa: newer.db comes from a newer Kios Desa (migration 9999): upgrade first\n"
    )
    assert not (tmp_path / "k.db").exists() or (tmp_path / "k.db").stat().st_size == 0


async def test_a_restored_sqlite_backup_of_an_older_release_is_migrated_and_checked(
    tmp_path: Path,
) -> None:
    old = tmp_path / "old.db"
    await (await database_at(f"sqlite:///{old}", "0013")).close()
    restored = f"sqlite:///{tmp_path / 'new.db'}"

    out = Kiosdesa(tmp_path, restored).ok("restore", "old.db")

    assert out.startswith("restored old.db (migration 0013)")
    assert f"migration check passed at {head_revision()}" in out
    async with open_storage(restored) as store:
        assert await migration_problems(store.db) == []


async def test_a_backup_that_cannot_be_written_is_one_line(tmp_path: Path) -> None:
    kiosdesa = Kiosdesa(tmp_path, f"sqlite:///{tmp_path / 'k.db'}")
    kiosdesa.ok("migrate")
    (tmp_path / "a-directory").mkdir()

    nowhere = kiosdesa("backup", tmp_path / "missing" / "kios.db")
    onto_itself = kiosdesa("backup", "k.db")
    onto_a_directory = kiosdesa("backup", "a-directory")

    assert nowhere.returncode == 2
    assert nowhere.stderr.startswith("kiosdesa: cannot write the backup to ")
    assert onto_itself.stderr == (
        "kiosdesa: the backup file is the database itself: name another file\n"
    )
    assert onto_a_directory.stderr.startswith("kiosdesa: cannot write the backup to a-directory")
    assert len(onto_a_directory.stderr.splitlines()) == 1
