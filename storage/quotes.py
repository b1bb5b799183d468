"""Quote versions: each quote a villager is shown has a number, so an Accept names the one seen.

A re-quote leaves a request QUOTED, so its status alone cannot tell an old quote from a new
one. Each quote writes the next version, and every status change is written only while the
version is still the one it was decided on (`STILL_SEEN`, in the transition's WHERE): a quote
committed meanwhile makes the change match no row, and it is refused as stale.
"""

from __future__ import annotations

import sqlalchemy as sa

from bot.domain.entities import ServiceRequest
from bot.domain.pipeline import Action, Transition
from storage.schema import requests

# The transition's guard; its parameter is what `seen` returns.
STILL_SEEN = requests.c.quote_version == sa.bindparam(
    "seen_version", type_=requests.c.quote_version.type
)


def seen(current: ServiceRequest) -> dict[str, int]:
    """The guard's parameter for a change decided on `current`."""
    return {"seen_version": current.quote_version}


def version_after(current: ServiceRequest, change: Transition) -> dict[str, int]:
    """The version a change writes: a quote, first or again, is a new one; nothing else is."""
    if change.action is Action.QUOTE:
        return {"quote_version": current.quote_version + 1}
    return {}
