"""`kiosdesa bot`: the bots of the deployment besides the default one (BOT_TOKEN).

A token is read from standard input or a file, never from the command line (where `ps` and
the shell's history would keep it), and never printed whole.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from telegram import Bot
from telegram.error import InvalidToken, NetworkError, TelegramError

from bot.cli.common import CliError, with_store
from bot.config import telegram_api_url_from_env
from bot.domain.bots import bot_name, masked_token, token_bot_id
from bot.domain.errors import BotInUse, DuplicateBot, RecordNotFound
from storage import Storage
from storage.database_url import masked_url

# The name `center set-bot` and `bot list` give the bot of BOT_TOKEN.
DEFAULT_BOT = "default"


def name_arg(value: str) -> str:
    """A bot's name: 1-32 lower-case letters, digits, '_' or '-' (not "default")."""
    name = bot_name(value)
    if name is None:
        raise argparse.ArgumentTypeError("a bot name is 1-32 letters, digits, '_' or '-'")
    return name


def add_bot_commands(parser: argparse.ArgumentParser) -> None:
    """bot add | list | remove."""
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = sub.add_parser(
        "add", help="add a bot: its token is read from standard input (or --token-file)"
    )
    add.add_argument("name", type=name_arg, help="your short name for it, e.g. klaten")
    add.add_argument(
        "--token-file", type=Path, metavar="PATH", help="read the token from this file instead"
    )
    # Caught to refuse it without echoing it, as argparse's "unrecognized arguments" would.
    add.add_argument("stray", nargs="*", help=argparse.SUPPRESS)
    sub.add_parser("list", help="list the bots, their centers and their tokens (masked)")
    remove = sub.add_parser("remove", help="forget a bot that serves no center any more")
    remove.add_argument("name", type=name_arg, help="the bot's name, as `kiosdesa bot list` shows")


async def cmd_bot(args: argparse.Namespace) -> int:
    """bot add | list | remove."""
    if args.action == "add":
        if args.stray:
            raise CliError(
                "a token on the command line stays in the shell's history: "
                "give it on standard input or with --token-file PATH"
            )
        token = read_token(args.token_file)  # before the database: a typo costs nothing
        return await with_store(lambda store: add_bot(store, args.name, token))
    if args.action == "list":
        return await with_store(list_bots)
    return await with_store(lambda store: remove_bot(store, args.name))


def read_token(path: Path | None) -> str:
    """The token from `path`, or from standard input (typed unseen at a terminal)."""
    if path is not None:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise CliError(f"cannot read the token file {path}: {exc.strerror}") from None
    elif sys.stdin.isatty():
        text = getpass.getpass("token from @BotFather (not shown): ")
    else:
        text = sys.stdin.readline()
    token = text.strip()
    if token_bot_id(token) is None:
        # Not even masked: what was given may be anything, a token of another form included.
        raise CliError("that is not a bot token: @BotFather gives one like 123456789:AAE...")
    return token


async def add_bot(store: Storage, name: str, token: str) -> int:
    """Ask Telegram who the token's bot is (getMe), then keep it under `name`."""
    if name == DEFAULT_BOT:
        raise CliError(f'"{DEFAULT_BOT}" is the name of the bot of BOT_TOKEN: choose another')
    if token_bot_id(token) == token_bot_id(os.environ.get("BOT_TOKEN", "").strip()):
        raise CliError("that is the token of BOT_TOKEN, the default bot: it is served already")
    bot_id, username = await who_is(token)
    try:
        account = await store.bots.add(bot_id, name, token, username)
    except DuplicateBot:
        raise CliError(
            f"a bot named {name}, or @{username} under another name, is there already"
        ) from None
    print(f"added bot {account.name}: @{account.username}, token {account.masked_token}")
    return 0


async def who_is(token: str) -> tuple[int, str]:
    """The id and @username of the token's bot, from getMe at TELEGRAM_API_URL."""
    root = telegram_api_url_from_env()
    bot = Bot(token, base_url=f"{root.rstrip('/')}/bot")
    try:
        async with bot:
            me = bot.bot
    except InvalidToken:
        raise CliError(f"Telegram rejected the token {masked_token(token)}") from None
    except NetworkError as exc:
        detail = str(exc).splitlines()[0].replace(token, masked_token(token))
        raise CliError(f"cannot reach Telegram at {masked_url(root)}: {detail}") from None
    except TelegramError as exc:
        detail = str(exc).splitlines()[0].replace(token, masked_token(token))
        raise CliError(f"Telegram refused the token {masked_token(token)}: {detail}") from None
    return me.id, me.username or str(me.id)  # a bot always has a username; mypy cannot know


async def list_bots(store: Storage) -> int:
    """One line a bot: name, @username, its centers, the token masked; the default bot first."""
    codes = await store.bots.center_codes()
    default_token = os.environ.get("BOT_TOKEN", "").strip()
    token = masked_token(default_token) if default_token else "BOT_TOKEN not set"
    print(f"{DEFAULT_BOT}\t(BOT_TOKEN)\tcenters: {_codes(codes.get(None))}\t{token}")
    for account in await store.bots.all_bots():
        centers = _codes(codes.get(account.id))
        print(f"{account.name}\t@{account.username}\tcenters: {centers}\t{account.masked_token}")
    return 0


def _codes(codes: list[str] | None) -> str:
    return ", ".join(codes) if codes else "-"


async def remove_bot(store: Storage, name: str) -> int:
    """Forget a bot; refused, naming them, while centers belong to it."""
    try:
        account = await store.bots.remove(name)
    except RecordNotFound:
        raise CliError(f"no bot named {name}") from None
    except BotInUse as exc:
        if exc.codes:
            raise CliError(
                f"bot {name} still serves {', '.join(exc.codes)}: "
                f"move them first with `kiosdesa center set-bot CODE BOT`"
            ) from None
        raise CliError(
            f"bot {name} still has {exc.pending} messages to send: "
            f"keep `kiosdesa run` running until they are sent"
        ) from None
    print(f"removed bot {account.name} (@{account.username})")
    return 0


async def bot_id_named(store: Storage, name: str) -> int | None:
    """The id of the bot of this name (None for "default"), or one clear line."""
    if name == DEFAULT_BOT:
        return None
    try:
        return (await store.bots.by_name(name)).id
    except RecordNotFound:
        raise CliError(f"no bot named {name}: see `kiosdesa bot list`") from None
