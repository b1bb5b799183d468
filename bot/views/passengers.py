"""Passengers' ID numbers on the manager's card: who may see them is docs/privacy.md's."""

from __future__ import annotations

from bot.domain.entities import ServiceRequest
from bot.domain.travel import ID_NUMBERS, ID_NUMBERS_DELETED
from bot.views.texts import Html, h, t


def passenger_ids(request: ServiceRequest, locale: str) -> Html:
    """Each passenger's ID number, name by name, that the manager books with (or that they
    were deleted when the request closed); nothing for tickets booked without them."""
    d = request.details
    if d.get(ID_NUMBERS_DELETED):
        return h(locale, "card.passenger_ids_deleted")
    numbers = d.get(ID_NUMBERS) or []
    if not numbers:
        return Html("")
    named = zip(d.get("names") or [], numbers, strict=False)
    lines = [
        t(locale, "card.passenger_id", number=n, name=name, id=number)
        for n, (name, number) in enumerate(named, start=1)
    ]
    return h(locale, "card.passenger_ids", lines=Html("\n".join(lines)))
