"""Goods orders the manager leaves unapproved expire (bot/domain/holding.py): after the center's
quote time, the same clock quotes use, the bot cancels them and their stock goes back on the
shelf in the same transaction; villager and manager are both told through the outbox.

No Telegram here: bot/app.py runs this from its expiry job.
"""

from __future__ import annotations

import time

from bot.domain.entities import ServiceRequest
from bot.domain.pipeline import Action, Role, TransitionRefused
from bot.services.acting import decider
from bot.services.notifier import audience, notifier_for
from storage import Storage


async def expire_unapproved_orders(
    store: Storage, now: float | None = None
) -> list[ServiceRequest]:
    """Cancel the goods orders still unapproved a center's quote time after they were sent
    (as of `now`, by default the present), returning them; the manager's answer wins a race."""
    moment = time.time() if now is None else now
    expired = []
    for request_id in await store.holdings.overdue_orders(moment):
        request = await expire_order(store, request_id)
        if request is not None:
            expired.append(request)
    return expired


async def expire_order(store: Storage, request_id: int) -> ServiceRequest | None:
    """Cancel one waiting order as the bot, telling both sides; None if it is no longer
    waiting (approved, rejected or cancelled meanwhile) or its villager is unknown."""
    request = await store.requests.get(request_id)
    villager = await store.users.get(request.villager_id)
    if villager is None:
        return None
    center = await store.centers.get(request.center_id)
    listeners = await audience(store, center, villager)
    expire = decider(Action.EXPIRE, Role.SYSTEM)
    try:
        return await store.requests.apply(
            request_id, expire, None, Role.SYSTEM, notifier_for(listeners)
        )
    except TransitionRefused:
        return None
