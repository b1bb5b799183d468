"""The retention rule (docs/privacy.md): what the bot forgets on its own, and when."""

from __future__ import annotations

from dataclasses import dataclass

from storage import Storage
from storage.clock import now

DAY_S = 24 * 3600.0
# Handled updates are kept this long: Telegram sends an update again only until the next
# getUpdates confirms it, seconds later, so a day is ample.
INBOX_KEEP_S = DAY_S


@dataclass(frozen=True)
class Forgotten:
    """What one pass of the rule deleted."""

    id_numbers: int  # closed requests whose passengers' ID numbers were deleted
    cards: int  # sent copies of closed tickets' cards emptied
    messages: int  # outbox messages pruned
    updates: int = 0  # handled updates deleted from the inbox


async def forget_old_data(store: Storage, outbox_keep_days: float) -> Forgotten:
    """Delete ID numbers left on closed requests and in the sent copies of their cards, and
    outbox messages delivered (or given up on) more than `outbox_keep_days` ago, and updates
    handled more than INBOX_KEEP_S ago."""
    redacted = await store.retention.redact_closed_requests()
    emptied = await store.retention.empty_closed_ticket_cards()
    pruned = await store.retention.prune_outbox(before=now() - outbox_keep_days * DAY_S)
    updates = await store.inbox.forget_handled(before=now() - INBOX_KEEP_S)
    return Forgotten(id_numbers=redacted, cards=emptied, messages=pruned, updates=updates)
