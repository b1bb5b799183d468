"""Asking the manager: who may write in a thread, and relaying each message through storage.

No Telegram here: handlers call these and turn refusals into messages. Every message and
every Close is authorized again on the server: the writer is the thread's villager or the
current manager of its center, and the thread is still open.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.entities import Center, OutboxMessage, User
from bot.domain.errors import RecordNotFound
from bot.domain.pipeline import Role
from bot.domain.questions import (
    MAX_OPEN_QUESTIONS,
    Direction,
    Entry,
    Question,
    QuestionMessage,
    QuestionRefusal,
)
from bot.services.notifier import audience
from bot.views import question_texts
from storage import Storage


class QuestionRefused(Exception):
    """A message or a press does not apply; `reason` says why."""

    def __init__(self, reason: QuestionRefusal, question_id: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.question_id = question_id


@dataclass(frozen=True)
class Thread:
    """A thread, its center and villager, and the side the caller writes from."""

    question: Question
    center: Center
    villager: User
    role: Role


def side_of(user_id: int, question: Question, center: Center) -> Role | None:
    """The side `user_id` writes from in this thread, or None if it is not theirs."""
    if user_id == question.villager_id:
        return Role.VILLAGER
    if user_id == center.manager_id and question.center_id == center.id:
        return Role.MANAGER
    return None


def check_can_ask(villager: User, center: Center | None) -> Center:
    """The center a villager's question goes to; QuestionRefused if there is none."""
    if center is None:
        raise QuestionRefused(QuestionRefusal.NO_CENTER)
    if center.manager_id == villager.id:
        raise QuestionRefused(QuestionRefusal.OWN_CENTER)
    return center


async def authorize(store: Storage, question_id: int, user_id: int) -> Thread:
    """Load an open thread and the caller's side in it; QuestionRefused otherwise."""
    question = await store.questions.get(question_id)
    if question is None:
        raise QuestionRefused(QuestionRefusal.NOT_ALLOWED)
    try:
        center = await store.centers.get(question.center_id)
    except RecordNotFound as exc:
        raise QuestionRefused(QuestionRefusal.NOT_ALLOWED) from exc
    role = side_of(user_id, question, center)
    villager = await store.users.get(question.villager_id)
    if role is None or villager is None:
        raise QuestionRefused(QuestionRefusal.NOT_ALLOWED)
    if not question.is_open:
        raise QuestionRefused(QuestionRefusal.CLOSED, question.id)
    return Thread(question, center, villager, role)


async def ask(store: Storage, villager: User, center: Center | None, entry: Entry) -> Question:
    """Open a thread with the villager's message, relayed to the manager in one transaction."""
    target = check_can_ask(villager, center)
    listeners = await audience(store, target, villager)

    def relay(question: Question, message: QuestionMessage) -> list[OutboxMessage]:
        return question_texts.to_manager(
            question, message, villager, target, listeners.manager_locale
        )

    asked = await store.questions.ask(target.id, villager.id, entry, relay, MAX_OPEN_QUESTIONS)
    if asked is None:
        raise QuestionRefused(QuestionRefusal.TOO_MANY_OPEN)
    return asked[0]


async def check_room_to_ask(store: Storage, villager: User, center: Center) -> None:
    """Refuse a new question before it is written when the villager has enough open."""
    if await store.questions.count_open(center.id, villager.id) >= MAX_OPEN_QUESTIONS:
        raise QuestionRefused(QuestionRefusal.TOO_MANY_OPEN)


async def reply(store: Storage, question_id: int, user_id: int, entry: Entry) -> Thread:
    """Add the caller's message to the thread and relay it to the other side."""
    thread = await authorize(store, question_id, user_id)
    listeners = await audience(store, thread.center, thread.villager)
    to_villager = thread.role is Role.MANAGER

    def relay(question: Question, message: QuestionMessage) -> list[OutboxMessage]:
        if to_villager:
            return question_texts.to_villager(
                question, message, thread.center, listeners.villager_locale
            )
        return question_texts.to_manager(
            question, message, thread.villager, thread.center, listeners.manager_locale
        )

    direction = Direction.TO_VILLAGER if to_villager else Direction.TO_MANAGER
    added = await store.questions.add(question_id, direction, user_id, entry, relay)
    if added is None:  # closed a moment ago
        raise QuestionRefused(QuestionRefusal.CLOSED, question_id)
    return thread


async def close(store: Storage, question_id: int, user_id: int) -> Thread:
    """The manager closes the thread; the villager is told. Villagers cannot close."""
    thread = await authorize(store, question_id, user_id)
    if thread.role is not Role.MANAGER:
        raise QuestionRefused(QuestionRefusal.NOT_ALLOWED)
    listeners = await audience(store, thread.center, thread.villager)

    def notice(question: Question) -> list[OutboxMessage]:
        return question_texts.closed_notice(question, listeners.villager_locale)

    if await store.questions.close(question_id, user_id, notice) is None:
        raise QuestionRefused(QuestionRefusal.CLOSED, question_id)
    return thread
