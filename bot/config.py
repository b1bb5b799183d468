"""Configuration read from the environment and an optional `.env` file."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import load_dotenv

from bot.domain.flood import DEFAULT_BURST, DEFAULT_PER_MINUTE
from bot.transport.pacer import DEFAULT_CHAT_RATE

DEFAULT_API_URL = "https://api.telegram.org"
DEFAULT_DATABASE_URL = "sqlite:///kiosdesa.db"
DEFAULT_BROADCAST_RATE = 30.0
DEFAULT_OUTBOX_KEEP_DAYS = 30.0
DEFAULT_LEASE_TTL = 15.0
# Where the webhook server listens when only --webhook is given: a reverse proxy in front.
DEFAULT_WEBHOOK_LISTEN = "127.0.0.1:8080"


class ConfigError(Exception):
    """A setting is missing or malformed; the message is one line for the operator."""


@dataclass(frozen=True)
class Settings:
    """Everything the bot needs to start, resolved from the environment."""

    bot_token: str = field(repr=False)  # so a logged Settings shows no token
    database_url: str = DEFAULT_DATABASE_URL
    telegram_api_url: str = DEFAULT_API_URL
    admin_ids: frozenset[int] = field(default_factory=frozenset)
    # Seconds between outbox sweeps when nothing woke the sender earlier.
    outbox_poll_seconds: float = 2.0
    # Announcements go out at this many messages a second, never faster (Telegram: about 30).
    broadcast_rate_per_s: float = DEFAULT_BROADCAST_RATE
    # Notifications to one chat go at most this many a second (a manager's burst of cards).
    outbox_chat_rate_per_s: float = DEFAULT_CHAT_RATE
    # Seconds between looks for quotes whose time ran out.
    quote_check_seconds: float = 30.0
    # Days a delivered notification (a card may hold a phone number) is kept in the outbox.
    outbox_keep_days: float = DEFAULT_OUTBOX_KEEP_DAYS
    # Seconds between runs of the retention rule (docs/privacy.md).
    retention_check_seconds: float = 3600.0
    # One user's updates: a burst of this many, then this many a minute (more are refused).
    flood_burst: int = DEFAULT_BURST
    flood_per_minute: float = DEFAULT_PER_MINUTE
    # PostgreSQL with several processes: seconds a bot's lease lasts unrenewed, so a killed
    # process's bots are served again by another within about this time (and a third of it).
    lease_ttl_s: float = DEFAULT_LEASE_TTL
    # Webhook mode (empty: long polling): the public https address the bots' paths go under,
    # and the ADDR:PORT this process's web server listens on behind the operator's proxy.
    webhook_url: str = ""
    webhook_listen: str = DEFAULT_WEBHOOK_LISTEN

    @property
    def bot_base_url(self) -> str:
        """Root for Bot API methods, as PTB's `base_url` expects it."""
        return f"{self.telegram_api_url.rstrip('/')}/bot"

    @property
    def file_base_url(self) -> str:
        """Root for file downloads, as PTB's `base_file_url` expects it."""
        return f"{self.telegram_api_url.rstrip('/')}/file/bot"


def masked_token(token: str) -> str:
    """The token as errors show it: the bot's id (public: the bot's user id), then ***."""
    bot_id, colon, _secret = token.partition(":")
    return f"{bot_id}:***" if colon and bot_id.isdigit() else "***"


def parse_admin_ids(raw: str) -> frozenset[int]:
    """Parse `ADMIN_IDS` ("1, 2,3") into Telegram user ids."""
    ids: set[int] = set()
    for part in raw.split(","):
        part = part.strip()
        if not part:
            continue
        if not part.lstrip("-").isdigit():
            raise ConfigError(f"ADMIN_IDS must be comma-separated Telegram user ids, got {part!r}")
        ids.add(int(part))
    return frozenset(ids)


def parse_broadcast_rate(raw: str) -> float:
    """Parse `BROADCAST_RATE` (messages a second, e.g. "30" or "12.5"); empty means the default."""
    return parse_rate("BROADCAST_RATE", raw, DEFAULT_BROADCAST_RATE)


def parse_rate(name: str, raw: str, default: float, unit: str = "messages") -> float:
    """Parse a rate variable (messages a second, e.g. "30" or "12.5"), or a positive number of
    another `unit`; empty means `default`."""
    if not raw.strip():
        return default
    try:
        rate = float(raw)
    except ValueError:
        rate = float("nan")  # reported below, with the other bad values
    if not 0 < rate < float("inf"):
        raise ConfigError(f"{name} must be a positive number of {unit}, got {raw!r}")
    return rate


def database_url_from_env(env_file: Path | None = None) -> str:
    """Return `DATABASE_URL`, defaulting to a SQLite file in the working directory."""
    load_dotenv(env_file or Path.cwd() / ".env", override=False)
    return os.environ.get("DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL


def telegram_api_url_from_env(env_file: Path | None = None) -> str:
    """Return `TELEGRAM_API_URL`, defaulting to Telegram's own."""
    load_dotenv(env_file or Path.cwd() / ".env", override=False)
    return os.environ.get("TELEGRAM_API_URL", "").strip() or DEFAULT_API_URL


def load_settings(env_file: Path | None = None) -> Settings:
    """Read settings for `kiosdesa run`; a missing token is a ConfigError."""
    database_url = database_url_from_env(env_file)
    token = os.environ.get("BOT_TOKEN", "").strip()
    if not token:
        raise ConfigError(
            "BOT_TOKEN is not set: put the token from @BotFather in .env or the environment"
        )
    return Settings(
        bot_token=token,
        database_url=database_url,
        telegram_api_url=telegram_api_url_from_env(env_file),
        admin_ids=parse_admin_ids(os.environ.get("ADMIN_IDS", "")),
        broadcast_rate_per_s=parse_broadcast_rate(os.environ.get("BROADCAST_RATE", "")),
        outbox_chat_rate_per_s=parse_rate(
            "OUTBOX_CHAT_RATE", os.environ.get("OUTBOX_CHAT_RATE", ""), DEFAULT_CHAT_RATE
        ),
        flood_burst=max(
            1, int(parse_rate("FLOOD_BURST", os.environ.get("FLOOD_BURST", ""), DEFAULT_BURST))
        ),
        flood_per_minute=parse_rate(
            "FLOOD_PER_MINUTE", os.environ.get("FLOOD_PER_MINUTE", ""), DEFAULT_PER_MINUTE
        ),
        outbox_keep_days=parse_rate(
            "OUTBOX_KEEP_DAYS",
            os.environ.get("OUTBOX_KEEP_DAYS", ""),
            DEFAULT_OUTBOX_KEEP_DAYS,
            unit="days",
        ),
        lease_ttl_s=parse_rate(
            "LEASE_TTL", os.environ.get("LEASE_TTL", ""), DEFAULT_LEASE_TTL, unit="seconds"
        ),
        webhook_url=parse_webhook_url(os.environ.get("WEBHOOK_URL", "")),
        webhook_listen=parse_listen(os.environ.get("WEBHOOK_LISTEN", "")),
    )


def parse_webhook_url(raw: str) -> str:
    """Parse `WEBHOOK_URL` or `--webhook` (https://HOST/PATH); empty means long polling."""
    url = raw.strip()
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname or parts.query or parts.fragment:
        raise ConfigError(
            f"the webhook must be an https address such as https://kios.example/telegram "
            f"(Telegram posts only to https), got {url!r}"
        )
    return url.rstrip("/")


def parse_listen(raw: str) -> str:
    """Parse `WEBHOOK_LISTEN` or `--listen` (ADDR:PORT); empty means 127.0.0.1:8080."""
    listen = raw.strip()
    if not listen:
        return DEFAULT_WEBHOOK_LISTEN
    host, _, port = listen.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"--listen must be ADDR:PORT, such as 127.0.0.1:8080, got {listen!r}")
    return listen


def listen_address(listen: str) -> tuple[str, int]:
    """The host and port of a parsed ADDR:PORT ([::1]:8080 gives ::1)."""
    host, _, port = listen.rpartition(":")
    return host.strip("[]"), int(port)
