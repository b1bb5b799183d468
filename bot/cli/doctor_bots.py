"""The doctor's look at every bot of `kiosdesa bot list`: is Telegram giving it its updates?

Each bot of the registry is asked getWebhookInfo with its own token, and gets one line, named
by the operator's name for it and its @username (never its token): a webhook set while long
polling is meant, a webhook pointing elsewhere than `kiosdesa run --webhook` sets, the updates
Telegram holds for it and its last failed post, or a token Telegram no longer accepts.
"""

from __future__ import annotations

import aiohttp

from bot.cli.checks import Check, fail
from bot.cli.doctor_telegram import (
    TIMEOUT_S,
    TOKEN_REFUSED,
    Unreachable,
    call,
    expected_webhook,
    webhook_check,
)
from bot.config import Settings
from bot.domain.bots import BotAccount


async def registry_checks(settings: Settings, accounts: list[BotAccount]) -> list[Check]:
    """One line a bot of the registry, in the order `kiosdesa bot list` shows them."""
    if not accounts:
        return []
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT_S)) as session:
        return [await bot_check(session, settings, account) for account in accounts]


async def bot_check(
    session: aiohttp.ClientSession, settings: Settings, account: BotAccount
) -> Check:
    """The bot's webhook as Telegram holds it, checked as the default bot's is."""
    topic, who = f"bot {account.name}", f"@{account.username}"
    try:
        answer = await call(session, settings, "getWebhookInfo", account.token)
    except Unreachable as exc:
        return fail(topic, f"cannot ask Telegram about {who}: {exc}")
    if answer.result is None and answer.status in TOKEN_REFUSED:
        return fail(
            topic,
            f"Telegram rejected {who}'s token {account.masked_token} ({answer.description}): "
            "was it revoked at @BotFather?",
        )
    if answer.result is None:
        return fail(topic, f"Telegram could not tell {who}'s webhook: {answer.description}")
    webhook = webhook_check(answer.result, expected_webhook(settings, account.id))
    return Check(webhook.passed, topic, f"{who}'s webhook: {webhook.detail}")
