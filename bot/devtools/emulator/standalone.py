"""The emulator as a program: serve the Bot API on a port, and with `--chat` play its users.

`python -m bot.devtools.emulator` and `kiosdesa emulator` both end up here.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from bot.devtools.emulator.server import BotApiEmulator

DESCRIPTION = (
    "A local Telegram Bot API for a bot to talk to instead of Telegram. With --chat, you "
    "play Telegram users at this terminal while the bot runs in another one."
)
LANGUAGES = ("id", "en", "zh")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The emulator's options: where it listens, the token it takes, and the chat."""
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    parser.add_argument("--port", type=int, default=8081, help="port to listen on (8081)")
    parser.add_argument(
        "--token",
        default=None,
        help="accept only this bot token (without it any token is taken, a wrong one too)",
    )
    parser.add_argument("--bot-username", default="kiosdesa_bot", help="the bot's @username")
    parser.add_argument(
        "--chat", action="store_true", help="play Telegram users at this terminal (see --as)"
    )
    parser.add_argument(
        "--as",
        dest="user_id",
        type=int,
        metavar="USER_ID",
        help="with --chat: the Telegram user id you play first (the manager's, say)",
    )
    parser.add_argument("--name", default="", help="with --chat: that user's first name")
    parser.add_argument(
        "--language", default="en", choices=LANGUAGES, help="the users' Telegram language (en)"
    )


def add_test_arguments(parser: argparse.ArgumentParser) -> None:
    """Options for tests and benchmarks: rate limits, strictness, more bots, webhooks."""
    parser.add_argument("--global-rate", type=float, default=None, help="messages/s, all chats")
    parser.add_argument("--per-chat-rate", type=float, default=None, help="messages/s per chat")
    parser.add_argument(
        "--lenient-html", action="store_true", help="accept bare '&' like real Telegram"
    )
    parser.add_argument(
        "--bot",
        action="append",
        default=[],
        metavar="TOKEN[=USERNAME]",
        help="serve this bot too (repeatable); then unknown tokens get 401",
    )
    parser.add_argument(
        "--route-webhook",
        action="append",
        default=[],
        metavar="PUBLIC_PREFIX=LOCAL_PREFIX[,LOCAL_PREFIX...]",
        help="post webhooks set under PUBLIC_PREFIX to LOCAL_PREFIX, or to the first of several "
        "that takes the connection (repeatable)",
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options mirroring the BotApiEmulator constructor, and the chat's."""
    parser = argparse.ArgumentParser(
        prog="python -m bot.devtools.emulator", description=DESCRIPTION
    )
    add_arguments(parser)
    add_test_arguments(parser)
    args = parser.parse_args(argv)
    problem = chat_arguments_problem(args)
    if problem is not None:
        parser.error(problem)
    return args


def chat_arguments_problem(args: argparse.Namespace) -> str | None:
    """What is wrong with --chat, --as and --name together, or None."""
    if args.chat and args.user_id is None:
        return "--chat needs --as USER_ID: the Telegram user you play first"
    if args.user_id is not None and args.user_id <= 0:
        return "--as takes a Telegram user id, a positive number"
    if not args.chat and (args.user_id is not None or args.name):
        return "--as and --name go with --chat"
    return None


def add_bots(emulator: BotApiEmulator, bots: list[str], routes: list[str]) -> None:
    """Serve the --bot tokens and map the --route-webhook prefixes."""
    for spec in bots:
        token, _, username = spec.partition("=")
        emulator.add_bot(token, username=username or None)
    for route in routes:
        public, _, locals_ = route.partition("=")
        emulator.route_webhook(public, *locals_.split(","))


async def serve(args: argparse.Namespace) -> int:
    """Start the emulator; chat with --chat until the person leaves, else run until cancelled."""
    emulator = BotApiEmulator(
        bot_username=args.bot_username,
        token=args.token,
        global_rate_per_s=getattr(args, "global_rate", None),
        per_chat_rate_per_s=getattr(args, "per_chat_rate", None),
        strict_html=not getattr(args, "lenient_html", False),
    )
    add_bots(emulator, getattr(args, "bot", []), getattr(args, "route_webhook", []))
    await emulator.start(args.host, args.port)
    print(f"Bot API emulator listening on {emulator.url}", flush=True)
    if args.token is None:
        print("It takes any bot token (--token makes it refuse all others).", flush=True)
    print(f"Point the bot at TELEGRAM_API_URL={emulator.url}", flush=True)
    try:
        if args.chat:
            # Imported here: the chat's terminal is not needed to serve tests and benchmarks.
            from bot.devtools.demo.live import run_chat

            return await run_chat(emulator, args.user_id, args.name, args.language)
        await asyncio.Event().wait()
        return 0
    finally:
        await emulator.stop()


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    with contextlib.suppress(KeyboardInterrupt):
        return asyncio.run(serve(parse_args(argv)))
    return 0  # Ctrl-C is how a served emulator is meant to stop
