"""Passengers' ID numbers: on the manager's card in their language, never on the villager's,
and deleted from a request's details when it closes."""

from __future__ import annotations

import pytest

from bot.domain.entities import ServiceRequest, User
from bot.domain.money import Money
from bot.domain.pipeline import Action, RequestKind, RequestStatus
from bot.domain.travel import without_id_numbers
from bot.views.cards import manager_card_text, status_message, villager_card_text
from bot.views.texts import LOCALES, t

NIKS = ["3374014501900001", "3374014501900002"]
TRIP = {
    "ticket": "train",
    "from": "Solo",
    "to": "Jakarta",
    "date": "2030-01-02",
    "count": 2,
    "names": ["Siti Aminah", "Budi Santoso"],
    "ids": NIKS,
    "class": "economy",
}
SITI = User(7001, "Siti", None, None, "id", "id", "+6281234567890", 1, None, False)


def ticket(details: dict[str, object], status: RequestStatus) -> ServiceRequest:
    return ServiceRequest(
        id=12,
        center_id=1,
        villager_id=SITI.id,
        kind=RequestKind.TICKET,
        status=status,
        total=Money(0, "IDR"),
        fulfilment=None,
        lat=None,
        lon=None,
        distance_m=None,
        note=None,
        details=details,
        reason=None,
        manager_chat_id=None,
        manager_message_id=None,
        created_at=0.0,
        updated_at=0.0,
    )


@pytest.mark.parametrize("locale", LOCALES)
def test_the_manager_books_with_each_passengers_id_number_in_their_language(locale: str) -> None:
    card = manager_card_text(ticket(TRIP, RequestStatus.SUBMITTED), SITI, locale)

    for number, (name, nik) in enumerate(zip(TRIP["names"], NIKS, strict=True), start=1):
        assert t(locale, "card.passenger_id", number=number, name=name, id=nik) in card


@pytest.mark.parametrize("locale", LOCALES)
def test_the_villager_is_never_shown_them(locale: str) -> None:
    request = ticket(TRIP, RequestStatus.APPROVED)
    texts = [villager_card_text(request, locale)]
    texts += [status_message(request, action, locale) for action in Action]
    assert not any(nik in text for nik in NIKS for text in texts)


def test_closing_deletes_them_and_the_card_says_so() -> None:
    closed = without_id_numbers(TRIP)

    assert "ids" not in closed and closed["names"] == TRIP["names"]
    card = manager_card_text(ticket(closed, RequestStatus.COMPLETED), SITI, "en")
    assert not any(nik in card for nik in NIKS)
    assert t("en", "card.passenger_ids_deleted").strip() in card


def test_details_without_id_numbers_are_left_as_they_are() -> None:
    bus = {key: value for key, value in TRIP.items() if key != "ids"}
    assert without_id_numbers(bus) == bus
    assert t("en", "card.passenger_ids_deleted").strip() not in manager_card_text(
        ticket(bus, RequestStatus.COMPLETED), SITI, "en"
    )
