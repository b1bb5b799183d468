"""The bots of a deployment: a token with a name, and how a token may be shown."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# What @BotFather hands out: the bot's numeric id, a colon, then the secret.
_TOKEN = re.compile(r"^(\d{1,20}):([A-Za-z0-9_-]{1,200})$")
# An operator's short name for a bot: it is typed in commands, so plain and short.
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
# How many characters of the secret a masked token keeps at each end.
_SHOWN = 3


@dataclass(frozen=True)
class BotAccount:
    """A bot of the deployment besides the default one (BOT_TOKEN), as the table keeps it."""

    id: int  # the bot's Telegram user id, from getMe
    name: str  # the operator's short name
    username: str  # without the @
    token: str = field(repr=False)  # never shown whole
    added_at: float = 0.0

    @property
    def masked_token(self) -> str:
        """The token as lists and logs show it."""
        return masked_token(self.token)


def token_bot_id(token: str) -> int | None:
    """The bot id a well-formed token starts with; None if it is not a token."""
    match = _TOKEN.match(token)
    return int(match.group(1)) if match else None


def masked_token(token: str) -> str:
    """`123456:ABC…xyz`: the bot id (public) and the secret's ends, never the whole secret."""
    bot_id, colon, secret = token.partition(":")
    if not colon or not bot_id.isdigit():
        return "***"
    if len(secret) <= 4 * _SHOWN:  # too short to show any of it safely
        return f"{bot_id}:***"
    return f"{bot_id}:{secret[:_SHOWN]}…{secret[-_SHOWN:]}"


def bot_name(text: str) -> str | None:
    """The operator's name for a bot, lower-cased; None if it is not a plain short name."""
    name = text.strip().lower()
    return name if _NAME.match(name) else None
