"""The `kiosdesa` command: run the bot, manage centers, import and export catalogs and prices.

Each command's flow lives in its own module (centers, sheets); this one parses the command
line and runs the command.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import sys
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

from bot.cli.bots import add_bot_commands, cmd_bot
from bot.cli.centers import add_center_commands, cmd_center
from bot.cli.common import CliError
from bot.cli.sheets import add_catalog_commands, add_prices_commands, cmd_catalog, cmd_prices
from bot.config import ConfigError, load_settings
from bot.runner import TelegramUnavailable, run_bot
from bot.views.texts import LOCALES
from storage import StorageUnavailable

Command = Callable[[argparse.Namespace], Coroutine[Any, Any, int]]


def build_parser() -> argparse.ArgumentParser:
    """The command line, with one subcommand per operator task."""
    parser = argparse.ArgumentParser(
        prog="kiosdesa", description="Kios Desa: village service center bot"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("run", help="start the bots (long polling) until Ctrl-C or SIGTERM")
    add_bot_commands(commands.add_parser("bot", help="add, list and remove bots"))
    add_center_commands(commands.add_parser("center", help="create, list and change centers"))
    add_catalog_commands(
        commands.add_parser("catalog", help="import or export a center's catalog (CSV)")
    )
    add_prices_commands(
        commands.add_parser("prices", help="import or export a center's service prices (CSV)")
    )
    _add_demo_command(
        commands.add_parser("demo", help="chat with the bot in the terminal, no Telegram needed")
    )
    return parser


def _add_demo_command(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--script", type=Path, metavar="FILE", help="replay FILE's steps and print the transcript"
    )
    parser.add_argument(
        "--language", default="en", choices=LOCALES, help="the villager's Telegram language"
    )


async def cmd_run(args: argparse.Namespace) -> int:
    """Start the bot."""
    await run_bot(load_settings())
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
    "bot": cmd_bot,
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
