"""Question threads: each message is recorded with the outbox rows that relay it, in one
transaction, so a crash after recording still delivers it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.entities import OutboxMessage
from bot.domain.questions import (
    Direction,
    Entry,
    EntryKind,
    Question,
    QuestionMessage,
    QuestionStatus,
)
from storage.clock import now
from storage.db import Database
from storage.outbox import Outbox, enqueue
from storage.schema import question_messages, questions

# Builds the messages that carry a recorded message to the other side.
Relay = Callable[[Question, QuestionMessage], Sequence[OutboxMessage]]
# Builds the messages that tell of a closed thread.
ClosedNotice = Callable[[Question], Sequence[OutboxMessage]]


async def _open_count(conn: AsyncConnection, center_id: int, villager_id: int) -> int:
    query = sa.select(sa.func.count()).where(
        questions.c.center_id == center_id,
        questions.c.villager_id == villager_id,
        questions.c.status == QuestionStatus.OPEN.value,
    )
    return int((await conn.execute(query)).scalar_one())


def question_from_row(row: Any) -> Question:
    """Build a Question from a `questions` row."""
    return Question(
        id=row.id,
        center_id=row.center_id,
        villager_id=row.villager_id,
        status=QuestionStatus(row.status),
        created_at=row.created_at,
        updated_at=row.updated_at,
        closed_at=row.closed_at,
        closed_by=row.closed_by,
    )


def message_from_row(row: Any) -> QuestionMessage:
    """Build a QuestionMessage from a `question_messages` row."""
    return QuestionMessage(
        id=row.id,
        question_id=row.question_id,
        direction=Direction(row.direction),
        sender_id=row.sender_id,
        kind=EntryKind(row.kind),
        text=row.text,
        file_id=row.file_id,
        created_at=row.created_at,
    )


class Questions:
    """Repository of question threads and their messages."""

    def __init__(self, db: Database, outbox: Outbox) -> None:
        self.db = db
        self.outbox = outbox

    async def ask(
        self, center_id: int, villager_id: int, entry: Entry, relay: Relay, open_limit: int
    ) -> tuple[Question, QuestionMessage] | None:
        """Open a thread with the villager's first message, relayed to the manager.

        None, with nothing stored, when the villager already has `open_limit` open threads at
        the center (counted in the same transaction, so two quick questions cannot both pass).
        """
        stamp = now()
        async with self.db.write() as conn:
            if await _open_count(conn, center_id, villager_id) >= open_limit:
                return None
            inserted = await conn.execute(
                questions.insert()
                .values(
                    center_id=center_id,
                    villager_id=villager_id,
                    status=QuestionStatus.OPEN.value,
                    created_at=stamp,
                    updated_at=stamp,
                )
                .returning(*questions.c)
            )
            question = question_from_row(inserted.one())
            message = await self._record(conn, question, Direction.TO_MANAGER, villager_id, entry)
            await enqueue(conn, relay(question, message), center_id=question.center_id)
        self.outbox.wake()
        return question, message

    async def count_open(self, center_id: int, villager_id: int) -> int:
        """How many of the villager's threads at the center are open."""
        async with self.db.read() as conn:
            return await _open_count(conn, center_id, villager_id)

    async def add(
        self, question_id: int, direction: Direction, sender_id: int, entry: Entry, relay: Relay
    ) -> tuple[Question, QuestionMessage] | None:
        """Record a message in an open thread and relay it; None if the thread is closed."""
        async with self.db.write() as conn:
            touched = await conn.execute(
                sa.update(questions)
                .where(
                    questions.c.id == question_id, questions.c.status == QuestionStatus.OPEN.value
                )
                .values(updated_at=now())
                .returning(*questions.c)
            )
            row = touched.first()
            if row is None:
                return None
            question = question_from_row(row)
            message = await self._record(conn, question, direction, sender_id, entry)
            await enqueue(conn, relay(question, message), center_id=question.center_id)
        self.outbox.wake()
        return question, message

    async def close(
        self, question_id: int, closer_id: int, notice: ClosedNotice
    ) -> Question | None:
        """Close an open thread and tell of it; None if it was closed already."""
        stamp = now()
        async with self.db.write() as conn:
            closed = await conn.execute(
                sa.update(questions)
                .where(
                    questions.c.id == question_id, questions.c.status == QuestionStatus.OPEN.value
                )
                .values(
                    status=QuestionStatus.CLOSED.value,
                    updated_at=stamp,
                    closed_at=stamp,
                    closed_by=closer_id,
                )
                .returning(*questions.c)
            )
            row = closed.first()
            if row is None:
                return None
            question = question_from_row(row)
            await enqueue(conn, notice(question), center_id=question.center_id)
        self.outbox.wake()
        return question

    async def get(self, question_id: int) -> Question | None:
        """The thread, or None."""
        async with self.db.read() as conn:
            row = (
                await conn.execute(questions.select().where(questions.c.id == question_id))
            ).first()
        return None if row is None else question_from_row(row)

    async def messages(self, question_id: int) -> list[QuestionMessage]:
        """The thread's messages, oldest first."""
        query = (
            question_messages.select()
            .where(question_messages.c.question_id == question_id)
            .order_by(question_messages.c.id)
        )
        async with self.db.read() as conn:
            return [message_from_row(row) for row in (await conn.execute(query)).all()]

    async def of_villager(self, villager_id: int) -> list[Question]:
        """The villager's threads, oldest first."""
        query = (
            questions.select()
            .where(questions.c.villager_id == villager_id)
            .order_by(questions.c.id)
        )
        async with self.db.read() as conn:
            return [question_from_row(row) for row in (await conn.execute(query)).all()]

    async def _record(
        self,
        conn: AsyncConnection,
        question: Question,
        direction: Direction,
        sender_id: int,
        entry: Entry,
    ) -> QuestionMessage:
        inserted = await conn.execute(
            question_messages.insert()
            .values(
                question_id=question.id,
                direction=direction.value,
                sender_id=sender_id,
                kind=entry.kind.value,
                text=entry.text,
                file_id=entry.file_id,
                created_at=now(),
            )
            .returning(*question_messages.c)
        )
        return message_from_row(inserted.one())
