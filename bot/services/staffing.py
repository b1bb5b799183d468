"""A center's staff: the manager (or the operator) adds and removes helpers by Telegram user id,
and each helper who has opened the bot is told, in the change's transaction."""

from __future__ import annotations

from enum import StrEnum

from bot.domain.entities import Center, OutboxMessage
from bot.views.texts import t, user_locale
from storage import Storage


class StaffRefusal(StrEnum):
    """Why a change to the staff changes nothing."""

    IS_MANAGER = "is_manager"  # the manager helps at their own center by managing it
    ALREADY = "already"
    NOT_STAFF = "not_staff"


async def add_helper(
    store: Storage, center: Center, user_id: int, added_by: int | None
) -> StaffRefusal | None:
    """Make `user_id` a helper of the center (told so, if they have opened the bot)."""
    if user_id == center.manager_id:
        return StaffRefusal.IS_MANAGER
    told = await _told(store, center, user_id, "staff.added_you")
    added = await store.staff.add(center.id, user_id, added_by, told)
    return None if added else StaffRefusal.ALREADY


async def remove_helper(store: Storage, center: Center, user_id: int) -> StaffRefusal | None:
    """Take `user_id` off the center's staff (told so, if they have opened the bot)."""
    told = await _told(store, center, user_id, "staff.removed_you")
    removed = await store.staff.remove(center.id, user_id, told)
    return None if removed else StaffRefusal.NOT_STAFF


async def _told(store: Storage, center: Center, user_id: int, key: str) -> list[OutboxMessage]:
    """The helper's news of the change, in their language; none for one the bot cannot reach."""
    helper = await store.users.get(user_id)
    if helper is None:
        return []
    text = t(user_locale(helper, center.language), key, center=center.name)
    return [OutboxMessage(user_id, text)]
