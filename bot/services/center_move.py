"""Giving a center to another bot (`kiosdesa center set-bot`).

Telegram lets a bot write only to people who opened it: the new bot cannot reach the center's
villagers until they open its link. So the bot the center leaves, while it still runs, sends
each of them one message with that link, in their language; the manager and helpers get theirs
with the new poster to put up.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.entities import Center, OutboxMessage, User
from bot.views.poster import deep_link
from bot.views.texts import manager_locale, t, user_locale
from storage import Storage
from storage.center_moves import CenterMove


async def move_center(
    store: Storage, code: str, bot_id: int | None, username: str | None
) -> CenterMove:
    """Give the center to `bot_id` (None: the default bot), whose @username is `username`;
    without a username nobody can be told the link, and nobody is. RecordNotFound for an
    unknown code; to the bot it has, nothing changes."""

    def farewell(center: Center, people: Sequence[User]) -> list[OutboxMessage]:
        if username is None:
            return []
        link = deep_link(username, center.code)
        return [
            OutboxMessage(person.id, _farewell_text(person, center, username, link))
            for person in people
        ]

    return await store.center_moves.move(code, bot_id, farewell)


def _farewell_text(person: User, center: Center, username: str, link: str) -> str:
    """The center's new link, for its desk in the language of its other cards (the center's
    before the phone's), for a villager in theirs."""
    if works_at(person, center):
        locale, key = manager_locale(person, center.language), "bots.center_moved_desk"
    else:
        locale, key = user_locale(person, center.language), "bots.center_moved"
    return t(locale, key, center=center.name, bot=username, link=link)


def works_at(person: User, center: Center) -> bool:
    """Whether the person is told as the center's manager or helper (a helper who is also one
    of its villagers is told as a villager)."""
    return person.id == center.manager_id or person.center_id != center.id
