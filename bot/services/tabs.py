"""The kasbon book's use cases: a manager records a repayment or sends a reminder.

Every press is authorized again here: the center must be the caller's now. The villager's
message is built in their language and written with the change, in one transaction.
"""

from __future__ import annotations

from bot.domain.entities import Center, OutboxMessage, User
from bot.domain.errors import RecordNotFound
from bot.domain.payments import PayMethod
from bot.domain.tabs import Repaid, Tab, oldest_unpaid_at
from bot.views.tab_texts import reminder_text, repayment_notice
from bot.views.texts import user_locale
from storage import Storage


class TabNotAllowed(Exception):
    """The caller does not manage the center whose tab they pressed."""


async def managed_center(store: Storage, center_id: int, user_id: int) -> Center:
    """The center, if `user_id` manages it now; TabNotAllowed otherwise (or if it is unknown)."""
    try:
        center = await store.centers.get(center_id)
    except RecordNotFound as exc:
        raise TabNotAllowed from exc
    if center.manager_id != user_id:
        raise TabNotAllowed
    return center


async def villager_of(store: Storage, villager_id: int) -> User:
    """The villager of a tab; TabNotAllowed for a user the bot never saw (a forged press)."""
    villager = await store.users.get(villager_id)
    if villager is None:
        raise TabNotAllowed
    return villager


async def record_repayment(
    store: Storage,
    center_id: int,
    villager_id: int,
    method: PayMethod,
    amount_minor: int,
    manager_id: int,
) -> Repaid:
    """Append the manager's repayment to the villager's tab and tell the villager.

    RepaymentRefused (with what is owed now) when it is more than is owed, or nothing is.
    """
    center = await managed_center(store, center_id, manager_id)
    villager = await villager_of(store, villager_id)
    locale = user_locale(villager, center.language)

    def notice(repaid: Repaid) -> list[OutboxMessage]:
        text = repayment_notice(repaid, center.name, locale)
        return [OutboxMessage(chat_id=villager.id, text=text)]

    return await store.tabs.repay(center.id, villager.id, method, amount_minor, manager_id, notice)


async def send_reminder(store: Storage, center: Center, villager: User) -> Tab:
    """Send the villager a polite reminder of their tab at `center` (authorized by the caller
    with `managed_center`), at most once a week.

    ReminderRefused when they owe nothing, turned reminders off, or were reminded lately.
    A villager who muted announcements still gets it: it is about their own tab.
    """
    locale = user_locale(villager, center.language)

    def notice(tab: Tab) -> list[OutboxMessage]:
        since = oldest_unpaid_at(tab.lines) or tab.lines[-1].at
        text = reminder_text(tab, center.name, since, locale)
        return [OutboxMessage(chat_id=villager.id, text=text)]

    return await store.tabs.remind(center.id, villager.id, notice)
