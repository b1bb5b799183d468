"""What the bot writes to its log: one line an event, quiet by default, LOG_LEVEL to change it."""

from __future__ import annotations

import logging
import os

from bot.config import ConfigError, masked_token

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Libraries that report their routine work at INFO: the job queue every 30 seconds, each HTTP
# request, each migration step, PTB's start and stop. They speak at WARNING unless LOG_LEVEL
# is DEBUG; the bot's own lines say what the operator needs (running as @name, upgraded).
CHATTY = ("apscheduler", "httpx", "httpcore", "alembic", "telegram.ext")


def log_level_from_env() -> int:
    """`LOG_LEVEL` (DEBUG, INFO, WARNING, ERROR, CRITICAL; INFO when unset) as a logging level."""
    raw = os.environ.get("LOG_LEVEL", "").strip().upper() or "INFO"
    if raw not in LEVELS:
        raise ConfigError(f"LOG_LEVEL must be one of {', '.join(LEVELS)}, got {raw!r}")
    return logging.getLevelNamesMapping()[raw]


def log_operator_command() -> None:
    """Operator commands print their result alone: warnings and errors only."""
    logging.basicConfig(level=logging.WARNING, format=FORMAT)
    _quiet_libraries(logging.WARNING)


def log_the_bot(level: int, token: str) -> None:
    """The running bot's log at `level`, the libraries quiet above DEBUG, the token masked."""
    root = logging.getLogger()
    root.setLevel(level)
    for handler in root.handlers:
        handler.addFilter(TokenMask(token))
    _quiet_libraries(level)


def _quiet_libraries(level: int) -> None:
    """Hold the chatty libraries at WARNING unless DEBUG asks for everything."""
    for name in CHATTY:
        logging.getLogger(name).setLevel(
            logging.DEBUG if level <= logging.DEBUG else logging.WARNING
        )


class TokenMask(logging.Filter):
    """Shows the bot's token masked in any line that would print it whole."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token
        self.masked = masked_token(token)

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message (and traceback text) without the token."""
        message = record.getMessage()
        if self.token in message:
            record.msg, record.args = message.replace(self.token, self.masked), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text and self.token in record.exc_text:
            record.exc_text = record.exc_text.replace(self.token, self.masked)
        return True
