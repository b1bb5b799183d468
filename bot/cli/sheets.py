"""`kiosdesa catalog` and `kiosdesa prices`: a center's sheets, imported and exported as CSV.

Every import is all or nothing; a bad file's lines are named in English, the operator's language.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

from bot.cli.common import CODE_HELP, CliError, center_by_code, code_arg, with_store
from bot.domain.catalog_csv import HEADER as CATALOG_HEADER
from bot.domain.catalog_csv import export_catalog_csv, parse_catalog_csv
from bot.domain.prices_csv import HEADER as PRICES_HEADER
from bot.domain.prices_csv import default_price_rows, export_prices_csv, parse_prices_csv
from bot.domain.sheet import RowError, SheetError
from bot.views.sheet_texts import problem_text
from bot.views.texts import counted
from storage import Storage

# Operators run the command line in English, as its help and messages are.
OPERATOR_LOCALE = "en"


def add_catalog_commands(parser: argparse.ArgumentParser) -> None:
    """catalog import CODE FILE | export CODE | sample."""
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    importer = sub.add_parser(
        "import", help="add or update products from a CSV file (all or nothing)"
    )
    importer.add_argument("code", type=code_arg, help=CODE_HELP)
    importer.add_argument("file", type=Path, help=_file_help(CATALOG_HEADER))
    exporter = sub.add_parser("export", help="write the catalog as CSV to standard output")
    exporter.add_argument("code", type=code_arg, help=CODE_HELP)
    sub.add_parser(
        "sample",
        help="write the sample catalog of an Indonesian village shop (70 products) as CSV "
        "to standard output",
    )


def add_prices_commands(parser: argparse.ArgumentParser) -> None:
    """prices import CODE FILE | export CODE | defaults CODE."""
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    importer = sub.add_parser(
        "import", help="add or update service prices from a CSV file (all or nothing)"
    )
    importer.add_argument("code", type=code_arg, help=CODE_HELP)
    importer.add_argument("file", type=Path, help=_file_help(PRICES_HEADER))
    exporter = sub.add_parser("export", help="write the service prices as CSV to standard output")
    exporter.add_argument("code", type=code_arg, help=CODE_HELP)
    defaults = sub.add_parser(
        "defaults", help="write the default prices for the center's currency (nothing stored)"
    )
    defaults.add_argument("code", type=code_arg, help=CODE_HELP)


def _file_help(header: Sequence[str]) -> str:
    """What the FILE argument takes: a UTF-8 CSV with these columns."""
    return f"a UTF-8 CSV file whose first line is {','.join(header)}"


def read_csv_file(path: Path) -> str:
    """A UTF-8 CSV file's text (a spreadsheet's byte-order mark is dropped)."""
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        # Spreadsheets save "CSV" in the computer's own code page unless told otherwise.
        raise CliError(
            f"{path} is not UTF-8: save it as UTF-8 (CSV UTF-8 in a spreadsheet) and import again"
        ) from None
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror or exc}") from None


def report_bad_rows(path: Path, errors: Sequence[RowError]) -> int:
    """Name every bad line and why; nothing was imported (exit code 1)."""
    for error in errors:
        reason = problem_text(OPERATOR_LOCALE, error.problem)
        print(f"{path}:{error.line}: {reason}", file=sys.stderr)
    problems = counted(OPERATOR_LOCALE, "plural.problems", len(errors))
    print(f"nothing imported: {problems} in {path}", file=sys.stderr)
    return 1


async def cmd_catalog(args: argparse.Namespace) -> int:
    """catalog import | export | sample."""
    if args.action == "sample":
        # Packaged with the code, so it is there however kiosdesa was installed.
        sample = resources.files("bot").joinpath("data/sample_catalog.csv")
        sys.stdout.write(sample.read_text("utf-8"))
        return 0
    return await with_store(lambda store: _catalog(store, args))


async def _catalog(store: Storage, args: argparse.Namespace) -> int:
    center = await center_by_code(store, args.code)
    if args.action == "export":
        rows = await store.catalog.export_rows(center.id, center.currency)
        sys.stdout.write(export_catalog_csv(rows))
        return 0
    text = read_csv_file(args.file)
    try:
        rows = parse_catalog_csv(text, center.currency)
    except SheetError as exc:
        return report_bad_rows(args.file, exc.errors)
    result = await store.catalog.import_rows(center.id, rows)
    counts = f"{result.added} added, {result.updated} updated"
    print(f"imported {len(rows)} products into {center.code}: {counts}")
    return 0


async def cmd_prices(args: argparse.Namespace) -> int:
    """prices import | export | defaults."""
    return await with_store(lambda store: _prices(store, args))


async def _prices(store: Storage, args: argparse.Namespace) -> int:
    center = await center_by_code(store, args.code)
    if args.action == "defaults":
        sys.stdout.write(export_prices_csv(default_price_rows(center.currency)))
        return 0
    if args.action == "export":
        sys.stdout.write(export_prices_csv(await store.services.export_prices(center)))
        return 0
    text = read_csv_file(args.file)
    try:
        rows = parse_prices_csv(text, center.currency)
    except SheetError as exc:
        return report_bad_rows(args.file, exc.errors)
    result = await store.services.import_prices(center, rows)
    counts = f"{result.added} added, {result.updated} updated"
    print(f"imported {len(rows)} prices into {center.code}: {counts}")
    return 0
