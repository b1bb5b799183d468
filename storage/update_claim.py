"""Which update is being handled, so its first write also marks it handled in the inbox.

While an update from the inbox is handled, the update processor names it here (a context
variable, seen by everything the handling awaits). `Database.write()` then adds, to the first
transaction of that update, `UPDATE inbox SET handled_at WHERE ... handled_at IS NULL`: the
update's first state change and "handled" commit together, or neither does. If that marks no
row, another process handled the update already (it took the bot over, say): the transaction
is rolled back and UpdateHandledAlready stops the handling.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.clock import now
from storage.schema import inbox


class UpdateHandledAlready(Exception):
    """The update was handled already (by another process): this handling must stop."""


class ClaimState(Enum):
    """Where an update's claim on "handled" stands."""

    PENDING = "pending"  # no transaction has marked it yet
    CLAIMING = "claiming"  # a transaction marking it is under way
    CLAIMED = "claimed"  # marked, committed
    REFUSED = "refused"  # somebody else had marked it
    CLOSED = "closed"  # its handling is over: later writes (a task it started) mark nothing


@dataclass(eq=False)
class UpdateClaim:
    """One inbox update being handled, and whether its "handled" is committed."""

    bot_id: int
    update_id: int
    state: ClaimState = ClaimState.PENDING

    def begin(self) -> bool:
        """Whether the transaction starting now must mark this update (and now does)."""
        if self.state is ClaimState.REFUSED:
            raise UpdateHandledAlready(f"update {self.update_id} was handled already")
        if self.state is not ClaimState.PENDING:
            return False
        self.state = ClaimState.CLAIMING
        return True

    def settle(self, *, committed: bool) -> None:
        """The marking transaction ended: committed, or rolled back (to be tried again)."""
        if self.state is ClaimState.CLAIMING:
            self.state = ClaimState.CLAIMED if committed else ClaimState.PENDING


_current: contextvars.ContextVar[UpdateClaim | None] = contextvars.ContextVar(
    "update_claim", default=None
)


def current_claim() -> UpdateClaim | None:
    """The inbox update whose handling this code runs in, if any."""
    return _current.get()


def handling(claim: UpdateClaim | None) -> contextvars.Token[UpdateClaim | None]:
    """Name `claim` as the update being handled from here on (in this task's context)."""
    return _current.set(claim)


def stop_handling(token: contextvars.Token[UpdateClaim | None]) -> None:
    """Undo `handling`: this task handles no update any more."""
    _current.reset(token)


_MARK = (
    sa.update(inbox)
    .where(
        inbox.c.bot_id == sa.bindparam("bot", type_=inbox.c.bot_id.type),
        inbox.c.update_id == sa.bindparam("update", type_=inbox.c.update_id.type),
        inbox.c.handled_at.is_(None),
    )
    # What the update said is needed only to handle it: kept no longer (docs/privacy.md).
    .values(handled_at=sa.bindparam("at", type_=inbox.c.handled_at.type), payload="")
)


async def mark_claimed(conn: AsyncConnection, claim: UpdateClaim) -> None:
    """Mark `claim`'s update handled in this transaction; UpdateHandledAlready if it was."""
    result = await conn.execute(
        _MARK, {"bot": claim.bot_id, "update": claim.update_id, "at": now()}
    )
    if result.rowcount == 0:
        claim.state = ClaimState.REFUSED
        raise UpdateHandledAlready(f"update {claim.update_id} was handled already")


async def mark_along(conn: AsyncConnection, claims: Iterable[UpdateClaim]) -> list[UpdateClaim]:
    """Mark these updates handled in this transaction, those not marked yet; returns them.

    For writes that carry other updates' changes (the dialogs' flush): an update another
    process handled already is left out, not fatal to the others' changes.
    """
    marking = [claim for claim in dict.fromkeys(claims) if claim.state is ClaimState.PENDING]
    for claim in marking:
        claim.state = ClaimState.CLAIMING
        params = {"bot": claim.bot_id, "update": claim.update_id, "at": now()}
        if (await conn.execute(_MARK, params)).rowcount == 0:
            claim.state = ClaimState.REFUSED
    return marking
