"""Run the emulator standalone: `python -m bot.devtools.emulator --port 8081`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from bot.devtools.emulator.server import BotApiEmulator


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options mirroring the BotApiEmulator constructor."""
    parser = argparse.ArgumentParser(prog="python -m bot.devtools.emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default=None, help="accept only this bot token")
    parser.add_argument("--bot-username", default="kiosdesa_bot")
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
        metavar="PUBLIC_PREFIX=LOCAL_PREFIX",
        help="post webhooks set under PUBLIC_PREFIX to LOCAL_PREFIX (repeatable)",
    )
    return parser.parse_args(argv)


def add_bots(emulator: BotApiEmulator, bots: list[str], routes: list[str]) -> None:
    """Serve the --bot tokens and map the --route-webhook prefixes."""
    for spec in bots:
        token, _, username = spec.partition("=")
        emulator.add_bot(token, username=username or None)
    for route in routes:
        public, _, local = route.partition("=")
        emulator.route_webhook(public, local)


async def serve(args: argparse.Namespace) -> None:
    """Start the emulator and keep it running until cancelled."""
    emulator = BotApiEmulator(
        bot_username=args.bot_username,
        token=args.token,
        global_rate_per_s=args.global_rate,
        per_chat_rate_per_s=args.per_chat_rate,
        strict_html=not args.lenient_html,
    )
    add_bots(emulator, args.bot, args.route_webhook)
    await emulator.start(args.host, args.port)
    print(f"Bot API emulator listening on {emulator.url}", flush=True)
    print(f"Point the bot at TELEGRAM_API_URL={emulator.url}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await emulator.stop()


def main(argv: list[str] | None = None) -> None:
    """Entry point."""
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(parse_args(argv)))


if __name__ == "__main__":
    main()
