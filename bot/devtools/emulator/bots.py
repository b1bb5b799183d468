"""One bot of the emulator: a token with its own identity, chats, updates, limits and webhook.

`BotApiEmulator.add_bot(token, username=..., name=...)` returns an `EmulatedBot`; tests play
that bot's users through it exactly as through the emulator itself (`send_text`, `press`,
`wait_for`, `messages`...), and each bot keeps its own message ids, update queue and
getUpdates offset, flood limits, faults, stats and errors. People are shared: user 42 who
writes to two bots is one person with a private chat in each.
"""

from __future__ import annotations

from bot.devtools.emulator.actions import UserActionsMixin
from bot.devtools.emulator.faults import FaultSchedule
from bot.devtools.emulator.methods_edit import NOT_MODIFIED
from bot.devtools.emulator.models import ApiErrorRecord, EmulatorStats, WebhookSettings
from bot.devtools.emulator.rate_limit import RateLimiter
from bot.devtools.emulator.reading import ReadingMixin
from bot.devtools.emulator.state import EmulatorState
from bot.devtools.emulator.webhook import RetryPolicy, WebhookPoster, WebhookRoutes


class BotRecordsMixin:
    """What a bot's traffic left behind, for assertions: errors, edits refused, counters."""

    state: EmulatorState

    @property
    def errors(self) -> list[ApiErrorRecord]:
        """Every 4xx answered to this bot, oldest first."""
        return self.state.errors

    @property
    def not_modified(self) -> list[ApiErrorRecord]:
        """Every edit answered "message is not modified": a request that changed nothing."""
        return [e for e in self.state.errors if e.description.endswith(NOT_MODIFIED)]

    @property
    def stats(self) -> EmulatorStats:
        """Request counters, including 429s given and webhook posts."""
        return self.state.stats

    @property
    def webhook(self) -> WebhookSettings:
        """The webhook this bot set (url "" while it polls) and its latest delivery error."""
        return self.state.webhook


class EmulatedBot(UserActionsMixin, ReadingMixin, BotRecordsMixin):
    """A bot the emulator serves; user actions and reads through it are scoped to it."""

    def __init__(
        self,
        state: EmulatorState,
        token: str | None,
        limiter: RateLimiter,
        routes: WebhookRoutes,
        retry: RetryPolicy,
    ) -> None:
        self.state = state
        self.token = token
        self.limiter = limiter
        # Failures a test planned for this bot only (see bot.devtools.emulator.faults).
        self.faults = FaultSchedule()
        self.poster = WebhookPoster(state, routes, retry)

    @property
    def id(self) -> int:
        """The bot's user id (the token's number, as in Telegram)."""
        return self.state.bot_id

    @property
    def username(self) -> str:
        """The bot's @username, without the @."""
        return self.state.bot_username

    @property
    def name(self) -> str:
        """The bot's display name (getMe first_name)."""
        return self.state.bot_name

    def rename(self, username: str | None, name: str | None) -> None:
        """Change the identity getMe and message senders show."""
        if username is not None:
            self.state.bot_username = username
        if name is not None:
            self.state.bot_name = name

    def __repr__(self) -> str:
        return f"<EmulatedBot @{self.username} id={self.id}>"


def bot_id_of(token: str) -> int | None:
    """The numeric part of a token ("123:ABC" -> 123), as Telegram's bot id."""
    prefix = token.split(":", 1)[0]
    return int(prefix) if prefix.isdigit() else None
