"""The doctor's questions to Telegram: the token (getMe), the webhook, and its clock.

Plain HTTP calls, not PTB's Bot: two requests need no application, and the answer's Date
header is the clock to compare with.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote

import aiohttp

from bot.cli.checks import Check, fail, ok
from bot.config import Settings, masked_token
from bot.transport.inbox_gate import bot_id_of
from bot.transport.webhook import bot_webhook_url
from storage.database_url import masked_url

TIMEOUT_S = 10.0
# The Date header counts whole seconds and the answer takes a moment: a minute off is wrong.
CLOCK_TOLERANCE_S = 60.0
# Telegram answers a wrong token 401 and a malformed one 404.
TOKEN_REFUSED = (401, 404)


@dataclass(frozen=True)
class Answer:
    """A Bot API answer: its result (None when refused), description, and Telegram's time."""

    result: Any
    description: str
    sent_at: datetime | None
    status: int = 200


class Unreachable(Exception):
    """No answer from the Bot API server; the message is one line, token masked."""


async def telegram_checks(settings: Settings) -> tuple[list[Check], str | None]:
    """The token, clock and webhook checks, and the bot's @username when the token works."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT_S)) as session:
        try:
            me = await call(session, settings, "getMe")
        except Unreachable as exc:
            where = masked_url(settings.telegram_api_url)
            checking = (
                f"cannot reach Telegram at {where} to check {masked_token(settings.bot_token)}"
            )
            return [fail("token", f"{checking}: {exc}"), clock_check(time.time(), None)], None
        checks = [token_check(me, settings), clock_check(time.time(), me.sent_at)]
        if me.result is None:
            return checks, None
        try:
            info = (await call(session, settings, "getWebhookInfo")).result
            checks.append(webhook_check(info, expected_webhook(settings)))
        except Unreachable as exc:
            checks.append(fail("webhook", f"cannot ask Telegram: {exc}"))
    return checks, str(me.result.get("username", ""))


def token_check(me: Answer, settings: Settings) -> Check:
    """Telegram's answer to getMe: the bot's @username, or why the token was refused."""
    token = masked_token(settings.bot_token)
    if me.result is None and me.status in TOKEN_REFUSED:
        refused = f"Telegram rejected {token} ({me.description})"
        return fail("token", f"{refused}: copy the token from @BotFather again")
    if me.result is None:
        where = masked_url(settings.telegram_api_url)
        return fail("token", f"Telegram at {where} could not check {token}: {me.description}")
    return ok("token", f"{token} is @{me.result.get('username', '')}")


async def call(
    session: aiohttp.ClientSession, settings: Settings, method: str, token: str = ""
) -> Answer:
    """Call a Bot API method without parameters, as the default bot (or the bot of `token`);
    Unreachable when no answer comes."""
    token = token or settings.bot_token
    url = f"{settings.bot_base_url}{token}/{method}"
    try:
        async with session.post(url) as response:
            text, status = await response.text(errors="replace"), response.status
            date = response.headers.get("Date")
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise Unreachable(_masked(str(exc) or type(exc).__name__, token)) from None
    body = _json_object(text)
    if body is None:
        raise Unreachable(f"the answer to {method} (HTTP {status}) is no Bot API answer")
    result = body.get("result") if body.get("ok") else None
    return Answer(result, str(body.get("description", "")), _parse_date(date), status)


def webhook_check(info: Any, expected: str = "") -> Check:
    """Polling: a webhook set means Telegram keeps the updates for it, so polling gets none.
    Webhook mode (`expected`): the bot's address, once set, and Telegram's last post."""
    if expected:
        return _webhook_mode_check(info or {}, expected)
    url = str((info or {}).get("url", ""))
    if not url:
        return ok("webhook", "none set, so long polling gets the updates")
    return fail(
        "webhook",
        f"set to {_shown_webhook(url)}{_held_back(info or {})}: long polling gets no updates "
        "while it is set; stop whatever serves it (kiosdesa run removes it at start)",
    )


def _held_back(info: dict[str, Any]) -> str:
    """What Telegram keeps for a webhook polling does not want: updates waiting, last error."""
    waiting = int(info.get("pending_update_count", 0) or 0)
    error = str(info.get("last_error_message", "") or "")
    shown = [f"{waiting} updates wait"] if waiting else []
    shown += [f"its last post failed ({error})"] if error else []
    return f" ({', '.join(shown)})" if shown else ""


def _webhook_mode_check(info: dict[str, Any], expected: str) -> Check:
    """In webhook mode: set to this bot's address (or not yet), and whether posts get through."""
    url = str(info.get("url", ""))
    if not url:
        return ok("webhook", f"none set yet: kiosdesa run --webhook sets {expected} at start")
    if url != expected:
        return fail(
            "webhook",
            f"set to {_shown_webhook(url)}, not {expected}: another deployment may be serving "
            "this bot; kiosdesa run --webhook sets its own at start",
        )
    error = str(info.get("last_error_message", ""))
    waiting = int(info.get("pending_update_count", 0) or 0)
    if error:
        return fail(
            "webhook",
            f"set to {expected}, but Telegram's last post failed ({error}) and {waiting} "
            "updates wait: check the reverse proxy and that kiosdesa run --webhook listens",
        )
    return ok("webhook", f"set to {expected}: Telegram posts the updates there ({waiting} wait)")


def expected_webhook(settings: Settings, bot_id: int | None = None) -> str:
    """The default bot's (or bot `bot_id`'s) webhook address in webhook mode; empty with long
    polling."""
    if not settings.webhook_url:
        return ""
    return bot_webhook_url(settings.webhook_url, bot_id or bot_id_of(settings.bot_token))


def clock_check(now: float, telegram_time: datetime | None) -> Check:
    """This server's time and zone, compared with the time on Telegram's answer."""
    local = datetime.fromtimestamp(now).astimezone()
    offset = f"{local:%z}"  # "+0700"
    shown = f"{local:%Y-%m-%d %H:%M:%S} {local.tzname()} (UTC{offset[:3]}:{offset[3:]})"
    if telegram_time is None:
        return ok("clock", f"this server says {shown} (Telegram's answer had no time to compare)")
    off = now - telegram_time.timestamp()
    if abs(off) > CLOCK_TOLERANCE_S:
        way = "ahead of" if off > 0 else "behind"
        return fail("clock", f"this server says {shown}, {abs(off):.0f} s {way} Telegram: set it")
    return ok("clock", f"this server says {shown}, within {CLOCK_TOLERANCE_S:.0f} s of Telegram")


def _json_object(text: str) -> dict[str, Any] | None:
    """The JSON object an answer holds, or None (a proxy's error page, say)."""
    try:
        body = json.loads(text)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _parse_date(header: str | None) -> datetime | None:
    """An HTTP Date header as a moment, or None when missing or unreadable."""
    if not header:
        return None
    try:
        moment = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _shown_webhook(url: str) -> str:
    """A webhook address without its path, which often carries a secret (or the token)."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}/…" if rest else "…"


def _masked(text: str, token: str) -> str:
    """`text` with the token, as written or URL-quoted, masked."""
    masked = masked_token(token)
    return text.replace(token, masked).replace(quote(token, safe=":"), masked)
