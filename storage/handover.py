"""A center handed to another manager, in one transaction: the new manager set, what was on its
way about the center to anyone else dropped, and what the new manager needs read for them.

Dropped rows stay in the outbox with the status "dropped" (nothing is deleted, the counts still
add up). The caller's `notify` renders the new manager's messages from what is read here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.entities import Center, OutboxMessage, ServiceRequest, User
from bot.domain.errors import RecordNotFound
from bot.domain.questions import Direction, Question, QuestionMessage, QuestionStatus
from storage.centers import center_from_row
from storage.db import Database
from storage.outbox import DROPPED, UNDELIVERED, Outbox, enqueue
from storage.questions import message_from_row, question_from_row
from storage.requests import open_requests_in
from storage.schema import center_staff, centers, outbox, question_messages, questions, users
from storage.users import user_from_row


@dataclass(frozen=True)
class OpenRequest:
    """An open request of the center and the villager who made it."""

    request: ServiceRequest
    villager: User


@dataclass(frozen=True)
class WaitingQuestion:
    """An open question of the center, its villager, and what they wrote since the last answer."""

    question: Question
    villager: User
    unanswered: tuple[QuestionMessage, ...]


@dataclass(frozen=True)
class Handover:
    """The center before and after, and what its new manager takes over (oldest first)."""

    before: Center
    after: Center
    open_requests: tuple[OpenRequest, ...] = ()
    waiting_questions: tuple[WaitingQuestion, ...] = ()

    @property
    def changed(self) -> bool:
        """Whether the center has another manager now."""
        return self.before.manager_id != self.after.manager_id


# Renders the messages of a handover; called inside its transaction.
HandoverNotifier = Callable[[Handover], Sequence[OutboxMessage]]


class Handovers:
    """Repository of the one change that moves a center's villagers to another manager."""

    def __init__(self, db: Database, outbox: Outbox) -> None:
        self.db = db
        self.outbox = outbox

    async def hand_over(
        self, code: str, manager_id: int, notify: HandoverNotifier | None = None
    ) -> Handover:
        """Give the center to `manager_id` with the messages `notify` renders; RecordNotFound
        for an unknown code. To the same manager, nothing changes and nothing is dropped.

        Undelivered messages about the center to anyone but the new manager are dropped, and
        so are its undelivered cards to anyone (the new manager gets fresh ones).
        """
        async with self.db.write() as conn:
            before = await _by_code(conn, code)
            handover = Handover(before, replace(before, manager_id=manager_id))
            if handover.changed:
                query = sa.update(centers).where(centers.c.id == before.id)
                await conn.execute(query.values(manager_id=manager_id))
                # A helper who becomes the manager is the manager, no longer also a helper.
                await conn.execute(
                    center_staff.delete().where(
                        center_staff.c.center_id == before.id, center_staff.c.user_id == manager_id
                    )
                )
                await _drop_undelivered(conn, before.id, manager_id)
                handover = await _taken_over(conn, handover)
            if notify is not None:
                await enqueue(conn, notify(handover), center_id=before.id)
        self.outbox.wake()
        return handover


async def _taken_over(conn: AsyncConnection, handover: Handover) -> Handover:
    """The handover with the center's open requests and waiting questions, and their villagers."""
    requests = await open_requests_in(conn, handover.before.id)
    waiting = await _waiting_questions(conn, handover.before.id)
    villager_ids = [r.villager_id for r in requests] + [q.villager_id for q, _ in waiting]
    villagers = await _users(conn, villager_ids)
    return replace(
        handover,
        open_requests=tuple(OpenRequest(r, villagers[r.villager_id]) for r in requests),
        waiting_questions=tuple(
            WaitingQuestion(question, villagers[question.villager_id], tuple(said))
            for question, said in waiting
        ),
    )


async def _by_code(conn: AsyncConnection, code: str) -> Center:
    row = (await conn.execute(centers.select().where(centers.c.code == code.upper()))).first()
    if row is None:
        raise RecordNotFound(code)
    return center_from_row(row)


async def _drop_undelivered(conn: AsyncConnection, center_id: int, manager_id: int) -> None:
    """Drop what was on its way about the center to anyone else, and its cards to anyone."""
    await conn.execute(
        sa.update(outbox)
        .where(
            outbox.c.center_id == center_id,
            outbox.c.status.in_(UNDELIVERED),
            sa.or_(outbox.c.chat_id != manager_id, outbox.c.card_request_id.is_not(None)),
        )
        .values(status=DROPPED)
    )


async def _waiting_questions(
    conn: AsyncConnection, center_id: int
) -> list[tuple[Question, list[QuestionMessage]]]:
    """The center's open questions with what the villager wrote since the last answer, if any."""
    is_open = sa.and_(
        questions.c.center_id == center_id, questions.c.status == QuestionStatus.OPEN.value
    )
    answer = question_messages.alias("answer")
    answered_after = sa.exists().where(
        answer.c.question_id == question_messages.c.question_id,
        answer.c.direction == Direction.TO_VILLAGER.value,
        answer.c.id > question_messages.c.id,
    )
    unanswered = (
        question_messages.select()
        .where(
            question_messages.c.question_id.in_(sa.select(questions.c.id).where(is_open)),
            question_messages.c.direction == Direction.TO_MANAGER.value,
            ~answered_after,
        )
        .order_by(question_messages.c.id)
    )
    said: dict[int, list[QuestionMessage]] = {}
    for row in (await conn.execute(unanswered)).all():
        said.setdefault(row.question_id, []).append(message_from_row(row))
    open_questions = questions.select().where(is_open).order_by(questions.c.id)
    return [
        (question_from_row(row), said[row.id])
        for row in (await conn.execute(open_questions)).all()
        if row.id in said
    ]


async def _users(conn: AsyncConnection, user_ids: Iterable[int]) -> dict[int, User]:
    """These users by id."""
    wanted = sorted(set(user_ids))
    if not wanted:
        return {}
    rows = (await conn.execute(users.select().where(users.c.id.in_(wanted)))).all()
    return {row.id: user_from_row(row) for row in rows}
