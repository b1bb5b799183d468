"""The `kiosdesa` command as an operator runs it: a real process, a real database file."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import run_loop
from bot.domain.catalog_csv import CatalogRow
from bot.domain.entities import Checkout
from bot.domain.money import Money
from bot.domain.pipeline import Fulfilment
from bot.services.submissions import submit_order
from bot.views.texts import plain
from tests.conftest import open_storage

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_CATALOG = ROOT / "bot" / "data" / "sample_catalog.csv"
SAMPLE_PRODUCTS = 70
HEADER = "sku,name,category,price,unit,stock,aliases\n"


class Kiosdesa:
    """Runs `python -m bot.cli` in a scratch directory with its own environment."""

    def __init__(self, workdir: Path, database_url: str | None) -> None:
        self.workdir = workdir
        self.env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"BOT_TOKEN", "DATABASE_URL", "TELEGRAM_API_URL", "ADMIN_IDS"}
        }
        self.env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])
        )
        if database_url is not None:
            self.env["DATABASE_URL"] = database_url

    def __call__(self, *args: str | Path, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot.cli", *map(str, args)],
            cwd=self.workdir,
            env={**self.env, **env},
            capture_output=True,
            text=True,
            timeout=120,
        )

    def ok(self, *args: str | Path) -> str:
        """Run a command that must succeed; return what it printed."""
        done = self(*args)
        assert done.returncode == 0, done.stderr
        assert done.stderr == ""
        return done.stdout


@pytest.fixture
def kiosdesa(tmp_path: Path) -> Kiosdesa:
    return Kiosdesa(tmp_path, f"sqlite:///{tmp_path / 'k.db'}")


def add_leping(kiosdesa: Kiosdesa) -> str:
    return kiosdesa.ok(
        "center",
        "add",
        "LEPING",
        "--name",
        "Kios Leping",
        "--manager",
        "42",
        "--lat",
        "-7.56",
        "--lon",
        "110.82",
    )


def assert_one_line_failure(done: subprocess.CompletedProcess[str]) -> str:
    """The command failed with a single readable line and no Python internals."""
    assert done.returncode != 0
    assert "Traceback" not in done.stderr + done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


def test_help_lists_the_operator_commands(kiosdesa: Kiosdesa) -> None:
    shown = kiosdesa.ok("--help")

    for command in ("run", "center", "catalog"):
        assert f"\n    {command} " in shown


def test_operator_creates_a_center_and_hands_it_to_a_new_manager(kiosdesa: Kiosdesa) -> None:
    assert add_leping(kiosdesa) == "created center LEPING (Kios Leping), manager 42\n"

    listed = kiosdesa.ok("center", "list")
    assert listed.splitlines() == ["LEPING\tKios Leping\tmanager=42\tIDR\tid\t-7.56,110.82 r=3km"]

    again = kiosdesa(
        "center",
        "add",
        "leping",
        "--name",
        "Kios Leping",
        "--manager",
        "42",
    )
    assert assert_one_line_failure(again) == "kiosdesa: a center with code LEPING exists already"

    assert kiosdesa.ok("center", "set-manager", "LEPING", "43") == (
        "center LEPING is now managed by 43\n"
    )
    assert "manager=43" in kiosdesa.ok("center", "list")


async def test_a_center_handed_over_by_command_takes_its_open_orders_to_the_new_manager(
    kiosdesa: Kiosdesa,
) -> None:
    add_leping(kiosdesa)
    url = kiosdesa.env["DATABASE_URL"]
    async with open_storage(url) as store:
        center = await store.centers.by_code("LEPING")
        oil = CatalogRow("OIL", "Minyak Goreng", "Sembako", Money(18000, "IDR"), "pcs", None)
        await store.catalog.import_rows(center.id, [oil])
        await store.users.seen(43, "Bayu", telegram_language="en")
        await store.users.set_language(43, "en")  # he chose English; Leping speaks Indonesian
        await store.users.seen(7001, "Siti", telegram_language="id")
        siti = await store.users.join_center(7001, center.id)
        [item] = await store.catalog.search_items(center.id, "IDR")
        await store.carts.add(siti.id, item.product_id, center.id, 1)
        waiting = await submit_order(store, siti, center, Checkout(Fulfilment.PICKUP))

    kiosdesa.ok("center", "set-manager", "LEPING", "43")

    async with open_storage(url) as store:
        due = await store.outbox.due()
        counts = await store.outbox.counts()
    # The card that waited for manager 42 goes to 43 instead, in his language.
    assert [(m.chat_id, m.card_request_id) for m in due] == [(43, waiting.id)]
    assert "Siti" in due[0].text and plain("en", "kind.goods") in due[0].text
    assert counts == {"pending": 1, "dropped": 1}


def test_handing_over_an_unknown_center_says_so(kiosdesa: Kiosdesa) -> None:
    done = kiosdesa("center", "set-manager", "NOWHERE", "43")

    assert assert_one_line_failure(done) == "kiosdesa: no center with code NOWHERE"


def test_catalog_import_reports_the_count_and_its_export_reimports_unchanged(
    kiosdesa: Kiosdesa, tmp_path: Path
) -> None:
    add_leping(kiosdesa)

    imported = kiosdesa.ok("catalog", "import", "LEPING", SAMPLE_CATALOG)
    assert imported == (
        f"imported {SAMPLE_PRODUCTS} products into LEPING: {SAMPLE_PRODUCTS} added, 0 updated\n"
    )

    exported = kiosdesa.ok("catalog", "export", "LEPING")
    assert exported.startswith(HEADER)
    assert len(exported.splitlines()) == 1 + SAMPLE_PRODUCTS
    assert sorted(exported.splitlines()) == sorted(SAMPLE_CATALOG.read_text().splitlines())

    (tmp_path / "exported.csv").write_text(exported, encoding="utf-8")
    reimported = kiosdesa.ok("catalog", "import", "LEPING", "exported.csv")
    assert "0 added" in reimported
    assert kiosdesa.ok("catalog", "export", "LEPING") == exported


def test_a_csv_with_bad_lines_imports_nothing_and_names_every_bad_line(
    kiosdesa: Kiosdesa, tmp_path: Path
) -> None:
    add_leping(kiosdesa)
    kiosdesa.ok("catalog", "import", "LEPING", SAMPLE_CATALOG)
    before = kiosdesa.ok("catalog", "export", "LEPING")
    (tmp_path / "prices.csv").write_text(
        HEADER
        + "NEW-1,Apel Malang,Buah,12000,kg,,\n"  # line 2: fine on its own
        + "SBK-IMG,Indomie Goreng,Sembako,abc,pcs,120,\n"  # line 3: price is not a number
        + "NEW-2,Bayam,Sayur,3000,ikat,,\n"
        + "NEW-3,,Sayur,2000,ikat,,\n",  # line 5: no name
        encoding="utf-8",
    )

    done = kiosdesa("catalog", "import", "LEPING", "prices.csv")

    assert done.returncode == 1
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    problems = done.stderr.splitlines()
    assert [line.split(":")[:2] for line in problems[:-1]] == [
        ["prices.csv", "3"],
        ["prices.csv", "5"],
    ]
    assert "price" in problems[0]
    assert "name is empty" in problems[1]
    assert problems[-1] == "nothing imported: 2 problems in prices.csv"
    assert kiosdesa.ok("catalog", "export", "LEPING") == before


def test_importing_into_an_unknown_center_says_so(kiosdesa: Kiosdesa) -> None:
    done = kiosdesa("catalog", "import", "NOWHERE", SAMPLE_CATALOG)

    assert assert_one_line_failure(done) == "kiosdesa: no center with code NOWHERE"


def test_importing_a_missing_file_says_which(kiosdesa: Kiosdesa) -> None:
    add_leping(kiosdesa)

    line = assert_one_line_failure(kiosdesa("catalog", "import", "LEPING", "nope.csv"))

    assert line.startswith("kiosdesa: cannot read nope.csv")


def test_run_without_a_bot_token_explains_what_is_missing(kiosdesa: Kiosdesa) -> None:
    line = assert_one_line_failure(kiosdesa("run"))

    assert "BOT_TOKEN" in line


@pytest.mark.parametrize(
    ("command", "url", "expected"),
    [
        ("center list", "sqlite:////nonexistent-dir/x.db", "cannot open the database"),
        ("center list", "mysql://x", "sqlite:/// or postgresql://"),
        ("center list", "not a url", "not a database URL"),
        ("center list", "postgresql://postgres@127.0.0.1:1/kiosdesa", "cannot open the database"),
        ("run", "sqlite:////nonexistent-dir/x.db", "cannot open the database"),
        ("run", "mysql://x", "sqlite:/// or postgresql://"),
    ],
)
def test_an_unusable_database_url_is_one_line_not_a_traceback(
    tmp_path: Path, command: str, url: str, expected: str
) -> None:
    kiosdesa = Kiosdesa(tmp_path, url)

    line = assert_one_line_failure(kiosdesa(*command.split(), BOT_TOKEN="123:TEST"))

    assert expected in line
    assert line.startswith("kiosdesa: ")


def test_a_database_password_never_appears_in_the_error(tmp_path: Path) -> None:
    kiosdesa = Kiosdesa(tmp_path, "postgresql://kios:s3cr3t-pw@127.0.0.1:1/kiosdesa")

    line = assert_one_line_failure(kiosdesa("center", "list"))

    assert "cannot open the database" in line
    assert "s3cr3t-pw" not in line


def test_settings_are_read_from_a_dotenv_file_in_the_working_directory(tmp_path: Path) -> None:
    database = tmp_path / "from-dotenv.db"
    (tmp_path / ".env").write_text(f"DATABASE_URL=sqlite:///{database}\n", encoding="utf-8")
    kiosdesa = Kiosdesa(tmp_path, database_url=None)

    add_leping(kiosdesa)

    assert database.exists()
    assert not (tmp_path / "kiosdesa.db").exists()  # not the default
    assert kiosdesa.ok("center", "list").startswith("LEPING\tKios Leping\t")


def test_the_bot_runs_on_uvloop_and_operator_commands_on_the_standard_loop() -> None:
    async def on_uvloop() -> int:
        return int(type(asyncio.get_running_loop()).__module__.startswith("uvloop"))

    assert run_loop(on_uvloop(), fast=True) == 1
    assert run_loop(on_uvloop(), fast=False) == 0


def test_the_sample_catalog_is_printed_wherever_kiosdesa_runs(kiosdesa: Kiosdesa) -> None:
    add_leping(kiosdesa)
    sample = kiosdesa.ok("catalog", "sample")
    (kiosdesa.workdir / "sample.csv").write_text(sample, "utf-8")

    assert sample == SAMPLE_CATALOG.read_text("utf-8")
    imported = kiosdesa.ok("catalog", "import", "LEPING", "sample.csv")
    assert imported == f"imported {SAMPLE_PRODUCTS} products into LEPING: 70 added, 0 updated\n"
