"""Webhook delivery: POSTing one bot's updates to the URL it set, in order, retrying failures.

Telegram posts each update as JSON, with the header X-Telegram-Bot-Api-Secret-Token when the
bot gave a secret, and keeps an update until the receiver answers 2xx. The emulator does the
same, one update at a time per bot so they arrive in order, waiting a short, growing pause
after a failure and recording it for getWebhookInfo.

Only loopback receivers are contacted: a test must not reach the internet. A bot that sets a
public https URL (as in production) is delivered to wherever `WebhookRoutes` maps it, e.g.
``emu.route_webhook("https://kios.example/", "http://127.0.0.1:8443/")``. A public address
may stand for several receivers, as a load balancer in front of several processes does:
``emu.route_webhook("https://kios.example/", first, second)`` posts to the first that takes
the connection (a refused one, a dead process, falls to the next; a post that was sent is
never sent on to another, as a balancer does not repeat a POST).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import aiohttp

from bot.devtools.emulator.models import JSON
from bot.devtools.emulator.state import EmulatorState, now

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
NOT_ROUTED = (
    "emulator: webhook host is not a loopback address; map it with route_webhook(url, local_url)"
)
_LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    """How long to wait after a failed post (doubling up to `longest_s`) and for an answer."""

    first_s: float = 0.05
    longest_s: float = 1.0
    answer_timeout_s: float = 10.0


@dataclass
class WebhookRoutes:
    """Public webhook URL prefixes mapped to the local addresses that receive them."""

    prefixes: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def add(self, public_prefix: str, local_prefix: str, *more: str) -> None:
        """Deliver URLs starting with public_prefix to local_prefix + the rest (or, when it
        refuses the connection, to the next of `more`)."""
        self.prefixes[public_prefix] = (local_prefix, *more)

    def resolve(self, url: str) -> list[str]:
        """The local URLs to post to, in the order to try them; none when it would leave
        this machine."""
        for public, locals_ in sorted(self.prefixes.items(), key=lambda p: -len(p[0])):
            if url.startswith(public):
                return [local + url[len(public) :] for local in locals_]
        return [url] if is_loopback(url) else []


def is_loopback(url: str) -> bool:
    """Whether the URL's host is this machine (localhost, 127.0.0.0/8, ::1)."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class WebhookPoster:
    """Delivers one bot's pending updates to its webhook while one is set."""

    def __init__(self, state: EmulatorState, routes: WebhookRoutes, retry: RetryPolicy) -> None:
        self._state = state
        self._routes = routes
        self._retry = retry
        self._task: asyncio.Task[None] | None = None

    def ensure_running(self) -> None:
        """Start delivering if a webhook is set and no delivery loop runs yet."""
        if self._state.webhook.url and (self._task is None or self._task.done()):
            self._task = asyncio.create_task(self._deliver_all(), name="emulator-webhook")

    async def stop(self) -> None:
        """End the delivery loop (an update being posted stays pending)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _deliver_all(self) -> None:
        """Post the oldest pending update until it is taken; stop when the webhook goes."""
        pause = self._retry.first_s
        timeout = aiohttp.ClientTimeout(total=self._retry.answer_timeout_s)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while (update := await self._next_update()) is not None:
                if await self._post(session, update):
                    pause = self._retry.first_s
                    continue
                await asyncio.sleep(pause)
                pause = min(pause * 2, self._retry.longest_s)

    async def _next_update(self) -> JSON | None:
        """The oldest pending update the bot asked for; None once the webhook is gone."""
        state = self._state

        def ready() -> bool | None:
            """Wake when there is an update to post, or nothing more to do."""
            done = state.closing or not state.webhook.url or len(state.updates) > 0
            return True if done else None

        while not state.closing and state.webhook.url:
            await state.notifier.wait_until(ready, 30.0)
            pending = state.updates.take(1)
            if not pending or not state.webhook.url:
                continue
            if state.webhook.allows(pending[0]):
                return pending[0]
            self._confirm(pending[0])  # a type the bot did not ask for is never delivered
        return None

    async def _post(self, session: aiohttp.ClientSession, update: JSON) -> bool:
        """POST one update to the first receiver that takes the connection; True (and
        confirmed) when it answered 2xx."""
        settings = self._state.webhook
        targets = self._routes.resolve(settings.url)
        if not targets:
            return self._failed(NOT_ROUTED)
        headers = {SECRET_HEADER: settings.secret_token} if settings.secret_token else {}
        for target in targets:
            try:
                async with session.post(target, json=update, headers=headers) as response:
                    await response.read()
                    if not 200 <= response.status < 300:
                        reason = f"{response.status} {response.reason or ''}".strip()
                        return self._failed(f"Wrong response from the webhook: {reason}")
            except TimeoutError:
                return self._failed("Read timeout expired")
            except aiohttp.ClientConnectorError as exc:  # nobody listens: try the next one
                _LOG.debug("webhook post to %s refused: %r", target, exc)
                continue
            except aiohttp.ClientError as exc:
                _LOG.debug("webhook post to %s failed: %r", target, exc)
                return self._failed("Connection refused")
            self._accepted(update, target)
            return True
        return self._failed("Connection refused")

    def _accepted(self, update: JSON, target: str) -> None:
        """Count the post where it was taken, and confirm the update."""
        stats = self._state.stats
        stats.webhook_posts += 1
        stats.webhook_receivers[urlsplit(target).netloc] += 1
        self._confirm(update)

    def _confirm(self, update: JSON) -> None:
        """Forget the update (as a getUpdates offset past it would) and wake waiters."""
        self._state.updates.confirm(update["update_id"] + 1)
        self._state.touch()

    def _failed(self, message: str) -> bool:
        """Record a failed delivery for getWebhookInfo; the update stays first in line."""
        self._state.webhook.last_error_date = now()
        self._state.webhook.last_error_message = message
        self._state.stats.webhook_failures += 1
        self._state.touch()
        return False
