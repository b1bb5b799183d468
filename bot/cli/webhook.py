"""`kiosdesa run --webhook URL --listen ADDR:PORT`: the command line's side of webhook mode."""

from __future__ import annotations

import argparse
import dataclasses

from bot.config import ConfigError, Settings, parse_listen, parse_webhook_url


def add_webhook_options(parser: argparse.ArgumentParser) -> None:
    """`run`'s --webhook and --listen."""
    parser.add_argument(
        "--webhook",
        metavar="https://HOST/PATH",
        help="webhook mode: Telegram posts each bot's updates to https://HOST/PATH/<bot id>",
    )
    parser.add_argument(
        "--listen",
        metavar="ADDR:PORT",
        help="where this process's webhook server listens (default 127.0.0.1:8080)",
    )


def with_webhook_options(settings: Settings, args: argparse.Namespace) -> Settings:
    """The settings with the command line's --webhook and --listen, which win over the
    environment's WEBHOOK_URL and WEBHOOK_LISTEN."""
    webhook = getattr(args, "webhook", None)
    listen = getattr(args, "listen", None)
    if listen is not None and not (webhook or settings.webhook_url):
        raise ConfigError("--listen is for webhook mode: give --webhook https://HOST/PATH too")
    if webhook is not None:
        settings = dataclasses.replace(settings, webhook_url=parse_webhook_url(webhook))
    if listen is not None:
        settings = dataclasses.replace(settings, webhook_listen=parse_listen(listen))
    return settings
