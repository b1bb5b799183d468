"""The manager's side of a broadcast: "done / total" while it goes out, then the report.

Both edit the one progress message the manager was shown when they sent the broadcast,
each in a slot of the broadcast's pace, so villagers' deliveries never wait behind them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import Any

from telegram.constants import ParseMode
from telegram.error import BadRequest, RetryAfter, TelegramError
from telegram.ext import ExtBot

from bot.domain.broadcasts import Broadcast, Tally
from bot.domain.entities import Center
from bot.transport.pacer import Pacer
from bot.transport.send_budget import Priority
from bot.transport.telegram_answers import is_not_modified, retry_seconds
from bot.views.announcement import number
from bot.views.texts import manager_locale, t
from storage import Storage

log = logging.getLogger(__name__)

# The manager's progress message is edited at most this often.
PROGRESS_EVERY_S = 2.0


@dataclass
class Run:
    """A broadcast going out, with what its messages need."""

    broadcast: Broadcast
    center: Center
    manager_locale: str
    progress_due: float = 0.0


async def start_run(store: Storage, broadcast: Broadcast) -> Run:
    """Load the center and the manager's language; the first progress is due in a moment."""
    center = await store.centers.get(broadcast.center_id)
    manager = await store.users.get(broadcast.manager_id)
    locale = manager_locale(manager, center.language)
    loop = asyncio.get_running_loop()
    return Run(broadcast, center, locale, loop.time() + PROGRESS_EVERY_S)


class ProgressMessage:
    """Edits the manager's progress message as a broadcast goes out, then into its report."""

    def __init__(self, bot: ExtBot[Any], store: Storage, pacer: Pacer) -> None:
        self.bot = bot
        self.store = store
        self.pacer = pacer

    async def show_if_due(self, run: Run) -> None:
        """Show "done / total" to the manager, at most every PROGRESS_EVERY_S seconds."""
        loop = asyncio.get_running_loop()
        if loop.time() < run.progress_due:
            return
        run.progress_due = loop.time() + PROGRESS_EVERY_S
        tally = await self.store.broadcasts.tally(run.broadcast.id)
        locale = run.manager_locale
        text = t(
            locale,
            "broadcast.progress",
            done=number(tally.settled, locale),
            total=number(tally.total, locale),
        )
        await self._edit(run, text)

    async def report(self, run: Run, tally: Tally) -> None:
        """Edit the progress message into the final figures (a new message if it is gone)."""
        locale = run.manager_locale
        text = t(
            locale,
            "broadcast.report",
            sent=number(tally.sent, locale),
            blocked=number(tally.blocked, locale),
            failed=number(tally.failed, locale),
        )
        if await self._edit(run, text):
            return
        with contextlib.suppress(TelegramError):  # e.g. the manager blocked the bot
            if await self.pacer.wait():
                await self.bot.send_message(
                    run.broadcast.manager_id,
                    text,
                    parse_mode=ParseMode.HTML,
                    rate_limit_args=Priority.CARD,
                )

    async def _edit(self, run: Run, text: str) -> bool:
        """Edit the manager's progress message in a slot of its own; False if it cannot be."""
        chat_id, message_id = run.broadcast.progress_chat_id, run.broadcast.progress_message_id
        if chat_id is None or message_id is None:
            return False
        while await self.pacer.wait():
            try:
                await self.bot.edit_message_text(
                    text,
                    chat_id=chat_id,
                    message_id=message_id,
                    parse_mode=ParseMode.HTML,
                    rate_limit_args=Priority.CARD,
                )
            except RetryAfter as exc:
                self.pacer.hold(retry_seconds(exc))
                continue
            except BadRequest as exc:
                if is_not_modified(exc):
                    return True
                log.info("progress of broadcast %s not editable: %s", run.broadcast.id, exc)
                return False
            except TelegramError as exc:
                log.info("progress of broadcast %s not shown: %s", run.broadcast.id, exc)
                return False
            return True
        return False
