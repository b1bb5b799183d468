"""The notification outbox: rows written with state changes, delivered by the sender task."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.entities import OutboxMessage, OutboxRow
from bot.domain.leases import Lease
from bot.domain.pipeline import OPEN_STATUSES
from storage.clock import now
from storage.db import Database
from storage.leases import still_held
from storage.notices import OUTBOX_CHANNEL, BotWakeups
from storage.schema import centers, outbox, requests, users

PENDING, SENT, BLOCKED, FAILED = "pending", "sent", "blocked", "failed"
# No longer for its chat (the center changed hands before it was delivered): kept, never sent.
DROPPED = "dropped"
UNDELIVERED = (PENDING, BLOCKED, FAILED)
# last_error while a send is on its way; found by the next process, that send was interrupted.
IN_FLIGHT = "in flight"
# last_error prefix, kept once sent: an earlier try may have reached the chat (killed between
# Telegram's answer and its record, or timed out after Telegram took it), so it may show twice.
UNCERTAIN = "may arrive twice: "


def is_uncertain(row: OutboxRow) -> bool:
    """Whether an earlier try of this message may already have reached the chat."""
    return bool(row.last_error and row.last_error.startswith(UNCERTAIN))


def _noted(row: OutboxRow, error: str, uncertain: bool = False) -> str:
    """The error to store, keeping (or adding) the mark of a possible earlier delivery."""
    text = UNCERTAIN + error if uncertain or is_uncertain(row) else error
    return text[:500]


# The bot of the center a message is about, read in the insert itself (NULL: the default bot).
_BOT_OF_CENTER = (
    sa.select(centers.c.bot_id)
    .where(centers.c.id == sa.bindparam("bot_center", type_=centers.c.id.type))
    .scalar_subquery()
)
_INSERT = outbox.insert().values(bot_id=_BOT_OF_CENTER)
# The notice that wakes the sender of that bot, wherever it runs (PostgreSQL).
_ANNOUNCE = sa.select(
    sa.func.pg_notify(
        sa.literal(OUTBOX_CHANNEL, sa.Text()),
        sa.func.coalesce(sa.cast(_BOT_OF_CENTER, sa.Text()), ""),
    )
)


async def enqueue(
    conn: AsyncConnection, messages: Sequence[OutboxMessage], *, center_id: int | None
) -> None:
    """Insert messages in the caller's transaction, so they commit with the change.

    `center_id`: the center they are about; its bot sends them (None: the default bot). On
    PostgreSQL a notice in the same transaction wakes that bot's sender at the commit, in
    whichever process holds the bot.
    """
    if not messages:
        return
    created = now()
    await conn.execute(
        _INSERT,
        [
            dict(
                bot_center=center_id,
                chat_id=m.chat_id,
                payload=m.payload_json(),
                card_request_id=m.card_request_id,
                lane=int(m.lane),
                center_id=m.center_id,
                status=PENDING,
                attempts=0,
                next_attempt_at=created,
                created_at=created,
            )
            for m in messages
        ],
    )
    if conn.dialect.name == "postgresql":
        await conn.execute(_ANNOUNCE, {"bot_center": center_id})


# Built once: every new villager's first message runs it.
_CHAT = sa.bindparam("chat", type_=outbox.c.chat_id.type)
_RETRY_CARDS = (
    sa.update(outbox)
    .where(
        outbox.c.chat_id == _CHAT,
        outbox.c.status.in_([BLOCKED, FAILED]),
        outbox.c.card_request_id.in_(
            sa.select(requests.c.id)
            .join(centers, centers.c.id == requests.c.center_id)
            .where(
                requests.c.status.in_([status.value for status in OPEN_STATUSES]),
                centers.c.manager_id == _CHAT,  # a former manager gets none of them
            )
        ),
    )
    .values(status=PENDING, attempts=0, next_attempt_at=sa.bindparam("at"))
)


async def retry_cards_for(conn: AsyncConnection, chat_id: int) -> None:
    """Send again the cards this chat could not receive, of open requests at centers it
    manages now."""
    await conn.execute(_RETRY_CARDS, {"chat": chat_id, "at": now()})


def _card_in_chat(row: Any) -> int | None:
    """The card's message id, only if it lives in this row's chat (managers can change)."""
    return row.manager_message_id if row.manager_chat_id == row.chat_id else None


def _row(row: Any) -> OutboxRow:
    payload = json.loads(row.payload)
    media = payload.get("media") or {}
    card_message_id = _card_in_chat(row)
    return OutboxRow(
        id=row.id,
        chat_id=row.chat_id,
        text=payload["text"],
        reply_markup=payload.get("reply_markup"),
        card_request_id=row.card_request_id,
        attempts=row.attempts,
        extra={"card_message_id": card_message_id},
        media_kind=media.get("kind"),
        file_id=media.get("file_id"),
        superseded=bool(row.newer_edit) and card_message_id is not None,
        last_error=row.last_error,
        followed=bool(row.followed),
    )


def of_bot(bot_id: int | None) -> sa.ColumnElement[bool]:
    """The outbox rows one bot sends (None: the default bot)."""
    if bot_id is None:
        return outbox.c.bot_id.is_(None)
    return outbox.c.bot_id == sa.bindparam("bot", bot_id, type_=outbox.c.bot_id.type)


def _due_query(default_bot: bool) -> sa.Select[Any]:
    """Outbox.due's query for one bot, built once (it is read several times a second)."""
    earlier = outbox.alias("earlier")
    # Ahead of a row: an older pending row of its lane, or any pending row of a lower lane,
    # to the same chat from the same bot (a chat with another bot is another conversation).
    older_pending = sa.exists().where(
        earlier.c.chat_id == outbox.c.chat_id,
        earlier.c.bot_id.is_not_distinct_from(outbox.c.bot_id),
        earlier.c.status == PENDING,
        sa.or_(
            earlier.c.lane < outbox.c.lane,
            sa.and_(earlier.c.lane == outbox.c.lane, earlier.c.id < outbox.c.id),
        ),
    )
    newer = outbox.alias("newer")
    newer_edit = sa.exists().where(
        newer.c.status == PENDING,
        newer.c.chat_id == outbox.c.chat_id,
        newer.c.bot_id.is_not_distinct_from(outbox.c.bot_id),
        newer.c.id > outbox.c.id,
        newer.c.card_request_id == outbox.c.card_request_id,
    )
    later = outbox.alias("later")
    followed = sa.exists().where(
        later.c.chat_id == outbox.c.chat_id,
        later.c.bot_id.is_not_distinct_from(outbox.c.bot_id),
        later.c.status == PENDING,
        later.c.id > outbox.c.id,
    )
    due_by = outbox.c.next_attempt_at <= sa.bindparam("now", type_=outbox.c.next_attempt_at.type)
    bot = (
        outbox.c.bot_id.is_(None)
        if default_bot
        else outbox.c.bot_id == sa.bindparam("bot", type_=outbox.c.bot_id.type)
    )
    return (
        sa.select(
            outbox,
            requests.c.manager_chat_id,
            requests.c.manager_message_id,
            newer_edit.label("newer_edit"),
            followed.label("followed"),
        )
        .outerjoin(requests, requests.c.id == outbox.c.card_request_id)
        .where(outbox.c.status == PENDING, bot, due_by, ~older_pending)
        .order_by(outbox.c.id)
        .limit(sa.bindparam("limit", type_=sa.Integer()))
    )


_DUE_DEFAULT, _DUE_OF_BOT = _due_query(True), _due_query(False)
# Written once a message is sent (several a second under load), so built once too.
_MARK_SENT = (
    sa.update(outbox)
    .where(outbox.c.id == sa.bindparam("row_id", type_=outbox.c.id.type))
    .values(status=SENT, sent_at=sa.bindparam("at"), last_error=sa.bindparam("kept"))
)
# One row's change: the values to SET are the parameters named as columns.
_ROW_UPDATE = sa.update(outbox).where(outbox.c.id == sa.bindparam("row_id", type_=outbox.c.id.type))
_CARD_SHOWN = (
    sa.update(requests)
    .where(requests.c.id == sa.bindparam("card", type_=requests.c.id.type))
    .values(manager_chat_id=sa.bindparam("chat"), manager_message_id=sa.bindparam("message"))
)


class Outbox:
    """Repository the sender reads and updates, and the events that wake the senders."""

    def __init__(self, db: Database) -> None:
        self.db = db
        # One event for each sender of a bot: `wake` sets them all, a notice its bot's.
        self._senders = BotWakeups()

    def listen(self, bot_id: int | None = None) -> asyncio.Event:
        """An event of one's own for the sender of bot `bot_id` (None: the default bot),
        set by every `wake` and by notices of its bot's rows from other processes."""
        return self._senders.listen(bot_id)

    def forget(self, event: asyncio.Event) -> None:
        """A sender stopped: its event is set no more."""
        self._senders.forget(event)

    def wake(self) -> None:
        """Tell the senders that messages were committed (call it after the transaction)."""
        self._senders.wake_all()

    def notified(self, payload: str) -> None:
        """A notice (storage/notices.py): another process committed messages of this bot."""
        self._senders.wake(int(payload) if payload else None)

    def missed_notices(self) -> None:
        """Notices may have been missed (listening began again): every sender looks."""
        self._senders.wake_all()

    async def due(self, limit: int = 100, bot_id: int | None = None) -> list[OutboxRow]:
        """Pending messages whose time has come, oldest first, with their card's message id.

        A message waits while an older one of its lane to the same chat is still pending (e.g.
        backing off), or any of a lower lane (request cards go before conversation), so each
        chat receives a lane's messages in the order they were written, and a row
        says whether more for its chat wait behind it (`followed`). An edit of
        a card with a newer edit of it pending is marked `superseded` (a burst of changes
        while the chat waits for its pace needs only the last).

        Only the rows of bot `bot_id` (None: the default bot) are read: each bot sends its own.
        """
        if bot_id is None:
            rows = await self.db.fetch(_DUE_DEFAULT, {"now": now(), "limit": limit})
        else:
            rows = await self.db.fetch(_DUE_OF_BOT, {"now": now(), "limit": limit, "bot": bot_id})
        return [_row(row) for row in rows]

    async def next_due_at(self, bot_id: int | None = None) -> float | None:
        """When the earliest pending message of this bot is due, if any."""
        query = sa.select(sa.func.min(outbox.c.next_attempt_at)).where(
            outbox.c.status == PENDING, of_bot(bot_id)
        )
        async with self.db.read() as conn:
            value = (await conn.execute(query)).scalar()
        return None if value is None else float(value)

    async def begin_send(self, row: OutboxRow) -> OutboxRow:
        """Note that a send starts, so a process killed before recording it leaves a trace.

        A row still noted as in flight was interrupted in an earlier process: Telegram may have
        taken it, so this send may show it twice; it is marked so for good.
        """
        note = self._send_note(row)
        if note is None:
            return row
        await self._update(row.id, last_error=note)
        return replace(row, last_error=note)

    async def claim(self, row: OutboxRow, fence: Lease | None = None) -> OutboxRow | None:
        """Take a due row for sending, as `begin_send` notes it; None if it is not to be sent
        here: already settled, locked by another process's claim, or `fence` (this process's
        lease of the row's bot) no longer current.

        On PostgreSQL the row is locked (`FOR UPDATE SKIP LOCKED`) while it is checked and
        noted, so two processes never both find it pending; the fence refuses a holder whose
        lease ran out, so a slow old holder leaves the row to the new one.
        """
        if self.db.is_sqlite and fence is None:  # one process, one sender a bot: as before
            return await self.begin_send(row)
        query = sa.select(outbox.c.last_error).where(
            outbox.c.id == row.id, outbox.c.status == PENDING
        )
        if fence is not None:
            query = query.where(still_held(self.db, fence))
        if not self.db.is_sqlite:
            query = query.with_for_update(skip_locked=True, of=outbox)
        async with self.db.write() as conn:
            current = (await conn.execute(query)).one_or_none()
            if current is None:
                return None
            row = replace(row, last_error=current.last_error)
            note = self._send_note(row)
            if note is None:
                return row
            await conn.execute(_ROW_UPDATE, {"row_id": row.id, "last_error": note})
        return replace(row, last_error=note)

    @staticmethod
    def _send_note(row: OutboxRow) -> str | None:
        """What a row says while its send is under way (None: nothing to note)."""
        if row.is_edit or is_uncertain(row):
            return None  # an edit cannot arrive twice; an uncertain row stays marked
        if row.last_error == IN_FLIGHT:
            return _noted(row, "an earlier send was interrupted", uncertain=True)
        return IN_FLIGHT

    async def mark_sent(self, row: OutboxRow, message_id: int | None) -> None:
        """Record delivery; a card remembers its message so later changes edit it."""
        kept = row.last_error if is_uncertain(row) else None
        async with self.db.write() as conn:
            await conn.execute(_MARK_SENT, {"row_id": row.id, "at": now(), "kept": kept})
            if row.card_request_id is not None and message_id is not None:
                card = {"card": row.card_request_id, "chat": row.chat_id, "message": message_id}
                await conn.execute(_CARD_SHOWN, card)

    async def retry_later(
        self, row: OutboxRow, delay_s: float, error: str, *, uncertain: bool = False
    ) -> None:
        """Try again after `delay_s` seconds; `uncertain`: Telegram may have taken this try."""
        await self._update(
            row.id,
            attempts=row.attempts + 1,
            next_attempt_at=now() + delay_s,
            last_error=_noted(row, error, uncertain and not row.is_edit),
        )

    async def give_up(self, row: OutboxRow, status: str, error: str) -> None:
        """Stop trying: the chat blocked us or Telegram refused the message for good."""
        await self._update(
            row.id, status=status, attempts=row.attempts + 1, last_error=_noted(row, error)
        )

    async def record_blocked(self, row: OutboxRow, error: str) -> None:
        """The chat blocked the bot: stop this message and remember the user is unreachable.

        One transaction, so a user who writes again meanwhile is never left marked blocked.
        """
        async with self.db.write() as conn:
            blocked = {"status": BLOCKED, "attempts": row.attempts + 1}
            await conn.execute(
                _ROW_UPDATE, {"row_id": row.id, **blocked, "last_error": _noted(row, error)}
            )
            # Blocked for the bot that sends the row: the user's other bots may still write.
            its_bot = sa.select(outbox.c.bot_id).where(outbox.c.id == row.id).scalar_subquery()
            await conn.execute(
                sa.update(users)
                .where(users.c.id == row.chat_id)
                .values(blocked_at=now(), blocked_bot_id=its_bot)
            )

    async def _update(self, outbox_id: int, **values: Any) -> None:
        async with self.db.write() as conn:
            await conn.execute(_ROW_UPDATE, {"row_id": outbox_id, **values})

    async def counts(self) -> dict[str, int]:
        """How many messages are in each status (for tests and the admin)."""
        query = sa.select(outbox.c.status, sa.func.count()).group_by(outbox.c.status)
        async with self.db.read() as conn:
            return {status: int(n) for status, n in (await conn.execute(query)).all()}

    async def possible_duplicates(self) -> list[int]:
        """Sent messages an earlier try may also have delivered (see UNCERTAIN), by id."""
        query = (
            sa.select(outbox.c.id)
            .where(outbox.c.status == SENT, outbox.c.last_error.startswith(UNCERTAIN))
            .order_by(outbox.c.id)
        )
        async with self.db.read() as conn:
            return [int(row_id) for row_id in (await conn.execute(query)).scalars()]
