"""The `kiosdesa` command explains itself: its version, arguments, settings and refusals."""

from __future__ import annotations

import argparse
import re
import tomllib
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

from bot.cli import build_parser
from tests.test_cli import ROOT, Kiosdesa, add_leping, assert_one_line_failure

# "Café" in Windows' Western code page, as a spreadsheet saves "CSV" unless told UTF-8.
CATALOG_CP1252 = "sku,name,category,price,unit,stock,aliases\nKPI-1,Café,Minuman,16500,pcs,,\n"
PRICES_CP1252 = "kind,operator,code,name,price,commission\ntopup,telkomsel,TS5,Pulsa Café,6000,\n"


@pytest.fixture
def kiosdesa(tmp_path: Path) -> Kiosdesa:
    return Kiosdesa(tmp_path, f"sqlite:///{tmp_path / 'k.db'}")


def subcommands(parser: argparse.ArgumentParser, path: str) -> Iterator[tuple[str, Any]]:
    """Every parser of the command tree with its command line, depth first."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from subcommands(child, f"{path} {name}")


def test_the_version_is_the_installed_package_version(kiosdesa: Kiosdesa) -> None:
    assert kiosdesa.ok("--version") == f"kiosdesa {metadata.version('kiosdesa')}\n"


def test_every_positional_argument_of_every_command_says_what_it_takes() -> None:
    missing = [
        f"{path} {action.dest}"
        for path, parser in subcommands(build_parser(), "kiosdesa")
        for action in parser._actions
        if not action.option_strings
        and not isinstance(action, argparse._SubParsersAction)
        and not action.help
    ]

    assert missing == []


def test_every_command_answers_help(capsys: pytest.CaptureFixture[str]) -> None:
    paths = [path.split()[1:] for path, _ in subcommands(build_parser(), "kiosdesa")]

    for path in paths:
        with pytest.raises(SystemExit) as exited:
            build_parser().parse_args([*path, "--help"])
        assert exited.value.code == 0
        assert capsys.readouterr().out.startswith(f"usage: kiosdesa {' '.join(path)}")


def test_run_help_names_the_token_and_the_dotenv_file(kiosdesa: Kiosdesa) -> None:
    shown = kiosdesa.ok("run", "--help")

    assert "BOT_TOKEN" in shown
    assert ".env" in shown
    # Every variable the settings read, and the log's level.
    read = re.findall(r'os\.environ\.get\("([A-Z_]+)"', (ROOT / "bot/config.py").read_text())
    assert {*read, "LOG_LEVEL"} - set(re.findall(r"\b[A-Z]+_[A-Z_]+\b", shown)) == set()


def test_listing_no_centers_says_there_are_none(kiosdesa: Kiosdesa) -> None:
    assert kiosdesa.ok("center", "list") == (
        "no centers yet: add one with kiosdesa center add CODE --name NAME --manager ID\n"
    )


@pytest.mark.parametrize(
    ("sheet", "text"), [("catalog", CATALOG_CP1252), ("prices", PRICES_CP1252)]
)
def test_a_csv_that_is_not_utf8_is_named_as_such(
    kiosdesa: Kiosdesa, tmp_path: Path, sheet: str, text: str
) -> None:
    add_leping(kiosdesa)
    (tmp_path / "leping.csv").write_bytes(text.encode("cp1252"))

    done = kiosdesa(sheet, "import", "LEPING", "leping.csv")

    assert assert_one_line_failure(done) == (
        "kiosdesa: leping.csv is not UTF-8: save it as UTF-8 (CSV UTF-8 in a spreadsheet) "
        "and import again"
    )
    assert done.returncode == 2
    assert kiosdesa.ok(sheet, "export", "LEPING").count("Café") == 0


def test_the_license_file_is_the_license_pyproject_declares() -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["license"]
    name = declared if isinstance(declared, str) else declared["text"]

    assert name == "MIT"
    assert (ROOT / "LICENSE").read_text("utf-8").startswith("MIT License\n")
