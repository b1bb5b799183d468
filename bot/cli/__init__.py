"""The `kiosdesa` command: run the bot, manage centers, import and export catalogs and prices.

Each command's flow lives in its own module (centers, sheets); this one parses the command
line and runs the command.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
from collections.abc import Callable, Coroutine, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from bot.cli.backup import add_backup_commands, cmd_backup, cmd_restore
from bot.cli.bots import add_bot_commands, cmd_bot
from bot.cli.centers import add_center_commands, cmd_center
from bot.cli.common import CliError
from bot.cli.data import add_data_commands, cmd_copy_data, cmd_migrate
from bot.cli.doctor import cmd_doctor
from bot.cli.logs import log_level_from_env, log_operator_command, log_the_bot
from bot.cli.sheets import add_catalog_commands, add_prices_commands, cmd_catalog, cmd_prices
from bot.cli.webhook import add_webhook_options, with_webhook_options
from bot.config import ConfigError, load_settings
from bot.runner import TelegramUnavailable, run_bot
from bot.views.texts import LOCALES
from storage import StorageUnavailable
from storage.running import DatabaseBusy, files_a_start_creates, forget_failed_start

Command = Callable[[argparse.Namespace], Coroutine[Any, Any, int]]

RUN_EPILOG = """\
settings, from the environment or a .env file in the working directory:
  BOT_TOKEN         the bot's token from @BotFather (required)
  DATABASE_URL      sqlite:///kiosdesa.db (default) or postgresql://user:pw@host/db
  TELEGRAM_API_URL  the Bot API server (default https://api.telegram.org)
  ADMIN_IDS         comma-separated Telegram user ids of the operators
  LOG_LEVEL         DEBUG, INFO (default), WARNING or ERROR; DEBUG also shows the
                    libraries' own messages (scheduler, HTTP requests, migrations)
  BROADCAST_RATE    announcements sent a second (default 30)
  OUTBOX_CHAT_RATE  notifications a second to one chat (default 1)
  FLOOD_BURST, FLOOD_PER_MINUTE
                    updates one user may send at once (30) and a minute (60)
  OUTBOX_KEEP_DAYS  days a delivered notification is kept (default 30)
  LEASE_TTL         PostgreSQL, several processes: seconds a bot's lease lasts unrenewed
                    (default 15); a killed process's bots answer again within about that
  WEBHOOK_URL, WEBHOOK_LISTEN
                    as --webhook and --listen (the options win)

webhook mode (Telegram posts the updates; long polling is the default):
  kiosdesa run --webhook https://kios.example/telegram --listen 127.0.0.1:8080
  Each bot gets the path /telegram/<bot id> and a secret of its own, derived from its
  token; Telegram sends it with every post, and posts without it are refused. HTTPS ends
  at your reverse proxy (nginx, Caddy), which passes /telegram/ on to the --listen address.
  Every process needs the same --webhook; any of them may receive any bot's posts.

Check the settings first with `kiosdesa doctor`."""


def build_parser() -> argparse.ArgumentParser:
    """The command line, with one subcommand per operator task."""
    parser = argparse.ArgumentParser(
        prog="kiosdesa", description="Kios Desa: village service center bot"
    )
    parser.add_argument("--version", action="version", version=f"kiosdesa {package_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = commands.add_parser(
        "run",
        help="start the bots (long polling, or a webhook) until Ctrl-C or SIGTERM",
        description=(
            "Start the bot of BOT_TOKEN and every bot of `kiosdesa bot list` with long polling"
            " (or, with --webhook, with Telegram posting their updates); they run until Ctrl-C"
            " or SIGTERM."
        ),
        epilog=RUN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_webhook_options(run)
    add_bot_commands(commands.add_parser("bot", help="add, list and remove bots"))
    add_center_commands(commands.add_parser("center", help="create, list and change centers"))
    add_catalog_commands(
        commands.add_parser("catalog", help="import or export a center's catalog (CSV)")
    )
    add_prices_commands(
        commands.add_parser("prices", help="import or export a center's service prices (CSV)")
    )
    doctor = commands.add_parser(
        "doctor",
        help="check the token, webhook, clock, database and managers; change nothing",
        description="Check what `kiosdesa run` needs, one line a check (ok or FAIL); "
        "the exit status is 1 when any check failed. Nothing is changed. Give the --webhook "
        "that `kiosdesa run` is given (or set WEBHOOK_URL) to check webhook mode.",
    )
    doctor.add_argument(
        "--webhook", metavar="URL", help="the bots run with `kiosdesa run --webhook URL`"
    )
    _add_demo_command(
        commands.add_parser("demo", help="chat with the bot in the terminal, no Telegram needed")
    )
    _add_emulator_command(
        commands.add_parser(
            "emulator",
            help="a local stand-in for Telegram; with --chat you play its users",
            description="Serve the Telegram Bot API locally for `kiosdesa run` to talk to "
            "(TELEGRAM_API_URL=http://127.0.0.1:8081). With --chat you play Telegram users "
            "at this terminal. Without --token it takes any token, a wrong one too.",
        )
    )
    add_data_commands(commands)
    add_backup_commands(commands)
    return parser


def package_version() -> str:
    """The installed package's version (pyproject.toml's), or "unknown" when not installed."""
    try:
        return metadata.version("kiosdesa")
    except metadata.PackageNotFoundError:
        return "unknown"


def _add_demo_command(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--script", type=Path, metavar="FILE", help="replay FILE's steps and print the transcript"
    )
    parser.add_argument(
        "--language", default="en", choices=LOCALES, help="the villager's Telegram language"
    )


def _add_emulator_command(parser: argparse.ArgumentParser) -> None:
    # Imported here: the other commands do without the emulator's web server.
    from bot.devtools.emulator.standalone import add_arguments

    add_arguments(parser)


async def cmd_run(args: argparse.Namespace) -> int:
    """Start the bot."""
    settings = with_webhook_options(load_settings(), args)
    log_the_bot(log_level_from_env(), settings.bot_token)
    created = files_a_start_creates(settings.database_url)
    try:
        await run_bot(settings)
    except DatabaseBusy:
        raise  # the files are another process's, made by it at the same moment
    except BaseException:
        forget_failed_start(created)  # a failed first start leaves no empty database behind
        raise
    return 0


async def cmd_demo(args: argparse.Namespace) -> int:
    """Run the bot against the local emulator on a throw-away database."""
    # Imported here: the emulator's web server is not needed by the other commands.
    from bot.devtools.demo import DemoError, ScriptError, run_demo

    try:
        return await run_demo(args.script, args.language)
    except (ScriptError, DemoError) as exc:
        raise CliError(str(exc)) from exc


async def cmd_emulator(args: argparse.Namespace) -> int:
    """Serve the Bot API locally; with --chat, play its users until :quit."""
    from bot.devtools.emulator.standalone import chat_arguments_problem, serve

    problem = chat_arguments_problem(args)
    if problem is not None:
        raise CliError(problem)
    return await serve(args)


COMMANDS: dict[str, Command] = {
    "run": cmd_run,
    "bot": cmd_bot,
    "center": cmd_center,
    "catalog": cmd_catalog,
    "prices": cmd_prices,
    "demo": cmd_demo,
    "emulator": cmd_emulator,
    "doctor": cmd_doctor,
    "migrate": cmd_migrate,
    "copy-data": cmd_copy_data,
    "backup": cmd_backup,
    "restore": cmd_restore,
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
    # Only the long-running bot logs progress (cmd_run sets its level); the rest print results.
    log_operator_command()
    try:
        return run_loop(COMMANDS[args.command](args), fast=args.command == "run")
    except (ConfigError, StorageUnavailable, TelegramUnavailable, CliError) as exc:
        print(f"kiosdesa: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
