"""The `kiosdesa` command: run the bot, manage centers, import and export catalogs."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import sys
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

from bot.config import ConfigError, database_url_from_env, load_settings
from bot.domain.catalog_csv import CatalogCsvError, RowError, export_catalog_csv, parse_catalog_csv
from bot.domain.center_setup import center_code
from bot.domain.entities import Center
from bot.domain.errors import DuplicateCenter, RecordNotFound
from bot.domain.money import SUPPORTED_CURRENCIES
from bot.domain.prices_csv import (
    PricesCsvError,
    default_price_rows,
    export_prices_csv,
    parse_prices_csv,
)
from bot.runner import TelegramUnavailable, run_bot
from bot.views.texts import LOCALES
from storage import Storage, StorageUnavailable

Command = Callable[[argparse.Namespace], Coroutine[Any, Any, int]]


class CliError(Exception):
    """A problem the operator can fix; printed as one line."""


def code_arg(value: str) -> str:
    """A center code: letters, digits, '_' or '-', at most 32 (it goes into a deep link)."""
    code = center_code(value) if value == value.strip() else None
    if code is None:
        raise argparse.ArgumentTypeError("a center code is 1-32 letters, digits, '_' or '-'")
    return code


def build_parser() -> argparse.ArgumentParser:
    """The command line, with one subcommand per operator task."""
    parser = argparse.ArgumentParser(
        prog="kiosdesa", description="Kios Desa: village service center bot"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("run", help="start the bot (long polling) until Ctrl-C or SIGTERM")
    _add_center_commands(commands.add_parser("center", help="create, list and change centers"))
    _add_catalog_commands(
        commands.add_parser("catalog", help="import or export a center's catalog (CSV)")
    )
    _add_prices_commands(
        commands.add_parser("prices", help="import or export a center's service prices (CSV)")
    )
    _add_demo_command(
        commands.add_parser("demo", help="chat with the bot in the terminal, no Telegram needed")
    )
    return parser


def _add_center_commands(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = sub.add_parser("add", help="create a center")
    add.add_argument("code", type=code_arg, help="join code, used in the deep link /start CODE")
    add.add_argument("--name", required=True, help="the center's name as villagers know it")
    add.add_argument("--manager", required=True, type=int, help="the manager's Telegram user id")
    add.add_argument("--currency", default="IDR", choices=SUPPORTED_CURRENCIES)
    add.add_argument(
        "--language", default="id", choices=LOCALES, help="default language of its villagers"
    )
    add.add_argument("--lat", type=float, help="the center's latitude (needed for delivery)")
    add.add_argument("--lon", type=float, help="the center's longitude (needed for delivery)")
    add.add_argument("--radius-km", type=float, default=3.0, help="delivery radius (default 3)")
    add.add_argument(
        "--quote-hours",
        type=float,
        default=24.0,
        help="how long a quoted price waits for the villager's answer (default 24)",
    )
    sub.add_parser("list", help="list every center")
    places = sub.add_parser("set-places", help="the places its villagers travel to (tickets)")
    places.add_argument("code", type=code_arg)
    places.add_argument("places", help='comma-separated, e.g. "Solo,Terminal Tirtonadi,Klaten"')
    ttl = sub.add_parser("set-quote-hours", help="how long the center's quotes wait for an answer")
    ttl.add_argument("code", type=code_arg)
    ttl.add_argument("hours", type=float)
    manager = sub.add_parser("set-manager", help="give a center to another manager")
    manager.add_argument("code", type=code_arg)
    manager.add_argument("manager", type=int, help="the new manager's Telegram user id")


def _add_catalog_commands(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    importer = sub.add_parser(
        "import", help="add or update products from a CSV file (all or nothing)"
    )
    importer.add_argument("code", type=code_arg)
    importer.add_argument("file", type=Path)
    exporter = sub.add_parser("export", help="write the catalog as CSV to standard output")
    exporter.add_argument("code", type=code_arg)


def _add_prices_commands(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    importer = sub.add_parser(
        "import", help="add or update service prices from a CSV file (all or nothing)"
    )
    importer.add_argument("code", type=code_arg)
    importer.add_argument("file", type=Path)
    exporter = sub.add_parser("export", help="write the service prices as CSV to standard output")
    exporter.add_argument("code", type=code_arg)
    defaults = sub.add_parser(
        "defaults", help="write the default prices for the center's currency (nothing stored)"
    )
    defaults.add_argument("code", type=code_arg)


def _add_demo_command(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--script", type=Path, metavar="FILE", help="replay FILE's steps and print the transcript"
    )
    parser.add_argument(
        "--language", default="en", choices=LOCALES, help="the villager's Telegram language"
    )


async def with_store(action: Callable[[Storage], Coroutine[Any, Any, int]]) -> int:
    """Open the configured database, run `action`, close it."""
    store = await Storage.open(database_url_from_env())
    try:
        return await action(store)
    finally:
        await store.close()


async def cmd_run(args: argparse.Namespace) -> int:
    """Start the bot."""
    await run_bot(load_settings())
    return 0


async def cmd_center(args: argparse.Namespace) -> int:
    """center add | list | set-manager."""
    return await with_store(lambda store: _center(store, args))


async def _center(store: Storage, args: argparse.Namespace) -> int:
    if args.action == "add":
        _check_location(args)
        try:
            center = await store.centers.add_center(
                args.code,
                args.name,
                args.manager,
                currency=args.currency,
                language=args.language,
                lat=args.lat,
                lon=args.lon,
                radius_km=args.radius_km,
                quote_ttl_s=quote_seconds(args.quote_hours),
            )
        except DuplicateCenter as exc:
            raise CliError(f"a center with code {exc} exists already") from exc
        print(f"created center {center.code} ({center.name}), manager {center.manager_id}")
    elif args.action == "list":
        for c in await store.centers.all_centers():
            where = f"{c.lat},{c.lon} r={c.radius_km:g}km" if c.has_location else "no location"
            print(
                f"{c.code}\t{c.name}\tmanager={c.manager_id}\t{c.currency}\t{c.language}\t{where}"
            )
    elif args.action == "set-places":
        names = [" ".join(name.split())[:60] for name in args.places.split(",")]
        try:
            center = await store.centers.set_places(args.code, [name for name in names if name])
        except RecordNotFound as exc:
            raise CliError(f"no center with code {args.code}") from exc
        print(f"{center.code} lists {len(center.places)} places: {', '.join(center.places)}")
    elif args.action == "set-quote-hours":
        try:
            center = await store.centers.set_quote_ttl(args.code, quote_seconds(args.hours))
        except RecordNotFound as exc:
            raise CliError(f"no center with code {args.code}") from exc
        print(f"quotes of {center.code} now wait {center.quote_ttl_s / 3600:g} hours for an answer")
    else:
        try:
            center = await store.centers.set_manager(args.code, args.manager)
        except RecordNotFound as exc:
            raise CliError(f"no center with code {args.code}") from exc
        print(f"center {center.code} is now managed by {center.manager_id}")
    return 0


def quote_seconds(hours: float) -> int:
    """Quote lifetime in seconds: from a minute to 30 days."""
    if not 1 / 60 <= hours <= 720:
        raise CliError("quote hours must be from 0.02 (a minute) to 720 (30 days)")
    return round(hours * 3600)


def _check_location(args: argparse.Namespace) -> None:
    if (args.lat is None) != (args.lon is None):
        raise CliError("give both --lat and --lon, or neither")
    if args.lat is not None and not (-90 <= args.lat <= 90 and -180 <= args.lon <= 180):
        raise CliError("--lat must be within -90..90 and --lon within -180..180")
    if not 0 < args.radius_km <= 100:
        raise CliError("--radius-km must be more than 0 and at most 100")


async def center_by_code(store: Storage, code: str) -> Center:
    """The center with this code, or one clear line for the operator."""
    try:
        return await store.centers.by_code(code)
    except RecordNotFound as exc:
        raise CliError(f"no center with code {code}") from exc


def read_csv_file(path: Path) -> str:
    """A UTF-8 CSV file's text (a spreadsheet's byte-order mark is dropped)."""
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"cannot read {path}: {exc}") from exc


def report_bad_rows(path: Path, errors: Sequence[RowError]) -> int:
    """Name every bad line and why; nothing was imported (exit code 1)."""
    for error in errors:
        print(f"{path}:{error.line}: {error.message}", file=sys.stderr)
    print(f"nothing imported: {len(errors)} problem(s) in {path}", file=sys.stderr)
    return 1


async def cmd_catalog(args: argparse.Namespace) -> int:
    """catalog import | export."""
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
    except CatalogCsvError as exc:
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
    except PricesCsvError as exc:
        return report_bad_rows(args.file, exc.errors)
    result = await store.services.import_prices(center, rows)
    counts = f"{result.added} added, {result.updated} updated"
    print(f"imported {len(rows)} prices into {center.code}: {counts}")
    return 0


async def cmd_demo(args: argparse.Namespace) -> int:
    """Run the bot against the local emulator on a throw-away database."""
    # Imported here: the emulator's web server is not needed by the other commands.
    from bot.devtools.demo import DemoError, ScriptError, run_demo

    try:
        return await run_demo(args.script, args.language)
    except (ScriptError, DemoError) as exc:
        raise CliError(str(exc)) from exc


COMMANDS: dict[str, Command] = {
    "run": cmd_run,
    "center": cmd_center,
    "catalog": cmd_catalog,
    "prices": cmd_prices,
    "demo": cmd_demo,
}


def run_loop(main: Coroutine[Any, Any, int], *, fast: bool) -> int:
    """Run the command; the bot itself on uvloop where it is installed (not on Windows).

    uvloop's event loop costs the bot about a tenth less CPU an update than asyncio's own
    (bench/e2e_bench.py); short operator commands keep the standard loop. The modules loaded
    by then (some 120,000 objects) live as long as the bot: they are frozen out of the
    garbage collector's full sweeps, which otherwise walk them all every few seconds.
    """
    if fast:
        gc.freeze()
        try:
            import uvloop
        except ImportError:
            pass
        else:
            return uvloop.run(main)
    return asyncio.run(main)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `kiosdesa` command."""
    args = build_parser().parse_args(argv)
    # Only the long-running bot logs progress; operator commands print their result alone.
    level = logging.INFO if args.command == "run" else logging.WARNING
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        return run_loop(COMMANDS[args.command](args), fast=args.command == "run")
    except (ConfigError, StorageUnavailable, TelegramUnavailable, CliError) as exc:
        print(f"kiosdesa: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
