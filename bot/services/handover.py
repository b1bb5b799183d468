"""Handing a center to another manager: the change, what each manager is told, the new
manager's cards of its open requests and the unanswered part of its open questions, all in one
transaction.

The operator's /setmanager and `kiosdesa center set-manager` both come here, so neither leaves
the villagers' names and phones on their way to a manager who no longer runs the center.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bot.domain.entities import Center, OutboxMessage
from bot.services.notifier import Audience, manager_card
from bot.views import question_texts
from bot.views.texts import manager_locale, user_locale
from storage import Storage
from storage.handover import Handover

# What the managers are told of the change, from the center before and after.
ManagerNotices = Callable[[Center, Center], Sequence[OutboxMessage]]


async def hand_over(
    store: Storage, code: str, manager_id: int, notices: ManagerNotices | None = None
) -> Handover:
    """Give the center with this code to `manager_id`; RecordNotFound for an unknown code.

    What had not yet reached anyone else about the center is dropped; the new manager gets
    `notices` (if any), then a card of each open request and each unanswered question, in their
    language. Handing a center to its own manager changes nothing and sends nothing.
    """
    manager = await store.users.get(manager_id)

    def notify(handover: Handover) -> list[OutboxMessage]:
        if not handover.changed:
            return []
        locale = manager_locale(manager, handover.after.language)
        told = list(notices(handover.before, handover.after)) if notices else []
        return [*told, *taken_over(handover, locale)]

    return await store.handovers.hand_over(code, manager_id, notify)


def taken_over(handover: Handover, locale: str) -> list[OutboxMessage]:
    """The new manager's cards of the open requests, then the questions waiting for an answer."""
    center = handover.after
    cards = [
        manager_card(
            taken.request,
            Audience(center, taken.villager, user_locale(taken.villager, center.language), locale),
        )
        for taken in handover.open_requests
    ]
    questions = [
        relay
        for waiting in handover.waiting_questions
        for message in waiting.unanswered
        for relay in question_texts.to_manager(
            waiting.question, message, waiting.villager, center, locale
        )
    ]
    return cards + questions
