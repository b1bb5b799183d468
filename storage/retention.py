"""What the database forgets, and when: passengers' ID numbers of closed requests, and the
messages the outbox delivered long ago (docs/privacy.md tells operators)."""

from __future__ import annotations

import json

import sqlalchemy as sa

from bot.domain.pipeline import FINAL_STATUSES, OPEN_STATUSES, RequestKind
from bot.domain.travel import ID_NUMBERS, without_id_numbers
from storage.db import Database
from storage.outbox import BLOCKED, FAILED, SENT
from storage.schema import outbox, requests

# Requests rewritten per sweep, so one sweep never holds the writer long.
REDACT_BATCH = 500
# What an emptied outbox message holds: its text is gone, the row says it was delivered.
EMPTIED = json.dumps({"text": ""})

_CLOSED_WITH_IDS = (
    sa.select(requests.c.id, requests.c.details)
    .where(
        requests.c.status.in_([status.value for status in FINAL_STATUSES]),
        requests.c.details.contains(f'"{ID_NUMBERS}"'),
    )
    .order_by(requests.c.id)
    .limit(REDACT_BATCH)
)
_SET_DETAILS = (
    sa.update(requests)
    .where(requests.c.id == sa.bindparam("request", type_=requests.c.id.type))
    .values(details=sa.bindparam("redacted"))
)


_CLOSED_TICKETS = sa.select(requests.c.id).where(
    requests.c.kind == RequestKind.TICKET.value,
    requests.c.status.in_([status.value for status in FINAL_STATUSES]),
)
_EMPTY_CLOSED_TICKET_CARDS = (
    sa.update(outbox)
    .where(
        outbox.c.status.in_([SENT, BLOCKED, FAILED]),
        outbox.c.card_request_id.in_(_CLOSED_TICKETS),
        outbox.c.payload != EMPTIED,
    )
    .values(payload=EMPTIED)
)


def _old_outbox_rows(before: float) -> sa.ColumnElement[bool]:
    """Sent before `before`, or given up on (blocked, failed) by then unless they are cards of
    requests still open (those are sent again when the chat writes)."""
    sent_at = sa.func.coalesce(outbox.c.sent_at, outbox.c.created_at)
    open_requests = sa.select(requests.c.id).where(
        requests.c.status.in_([status.value for status in OPEN_STATUSES])
    )
    given_up = sa.and_(
        outbox.c.status.in_([BLOCKED, FAILED]),
        outbox.c.created_at < before,
        sa.or_(outbox.c.card_request_id.is_(None), outbox.c.card_request_id.not_in(open_requests)),
    )
    return sa.or_(sa.and_(outbox.c.status == SENT, sent_at < before), given_up)


class Retention:
    """The forgetting the retention job does; each method says how many rows it changed."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def redact_closed_requests(self) -> int:
        """Delete the ID numbers still stored with closed requests (closing deletes them; this
        catches those closed before that rule), up to REDACT_BATCH a call."""
        async with self.db.write() as conn:
            rows = (await conn.execute(_CLOSED_WITH_IDS)).all()
            changes = []
            for request_id, details in rows:
                stored = json.loads(details)
                if ID_NUMBERS in stored:
                    redacted = json.dumps(without_id_numbers(stored), ensure_ascii=False)
                    changes.append({"request": request_id, "redacted": redacted})
            if changes:
                await conn.execute(_SET_DETAILS, changes)
        return len(changes)

    async def empty_closed_ticket_cards(self) -> int:
        """Empty the outbox's copies of closed tickets' cards, which showed the manager the
        passengers' ID numbers (the card in the chat was edited to drop them on closing)."""
        async with self.db.write() as conn:
            result = await conn.execute(_EMPTY_CLOSED_TICKET_CARDS)
        return int(result.rowcount)

    async def prune_outbox(self, before: float) -> int:
        """Delete the outbox messages done with before `before` (epoch seconds); the ones still
        waiting to be sent are kept whatever their age."""
        async with self.db.write() as conn:
            result = await conn.execute(sa.delete(outbox).where(_old_outbox_rows(before)))
        return int(result.rowcount)
