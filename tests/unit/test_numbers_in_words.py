"""Distances and decimal numbers as each language writes them (Babel), on the cards people read."""

from __future__ import annotations

from bot.domain.entities import Fulfilment, RequestKind, RequestStatus, ServiceRequest
from bot.domain.money import Money
from bot.views.cards import fulfilment_line, lodging_lines
from bot.views.texts import distance_km, number


def request(**changes: object) -> ServiceRequest:
    values: dict[str, object] = dict(
        id=12, center_id=1, villager_id=2, kind=RequestKind.GOODS,
        status=RequestStatus.SUBMITTED, total=Money(18000, "IDR"),
        fulfilment=Fulfilment.DELIVERY, lat=None, lon=None, distance_m=1140.0, note=None,
        details={}, reason=None, manager_chat_id=None, manager_message_id=None,
        created_at=0.0, updated_at=0.0,
    )  # fmt: skip
    return ServiceRequest(**(values | changes))  # type: ignore[arg-type]


def test_a_distance_has_the_decimal_mark_of_the_language() -> None:
    assert distance_km("id", 1140) == "1,1"
    assert distance_km("en", 1140) == "1.1"
    assert distance_km("zh", 1140) == "1.1"
    assert distance_km("id", 0) == "0,0"
    assert distance_km("en", 12_345_678) == "12,345.7"


def test_a_radius_and_other_decimals_follow_the_language() -> None:
    assert number("id", 2.5) == "2,5"
    assert number("en", 2.5) == "2.5"
    assert number("id", 3.0) == "3"
    assert number("id", 1234) == "1.234"


def test_the_delivery_line_on_a_card_reads_in_the_users_language() -> None:
    assert fulfilment_line(request(), "id") == "\n🛵 Antar ke rumah, jarak 1,1 km"
    assert "1.1 km" in fulfilment_line(request(), "en")


def test_a_room_request_counts_nights_and_guests_in_words() -> None:
    details = {"place": "Malang", "check_in": "2026-12-01", "check_out": "2026-12-02",
               "nights": 1, "guests": 1}  # fmt: skip
    one = lodging_lines(request(kind=RequestKind.LODGING, fulfilment=None, details=details), "en")
    assert "(1 night)" in one and "👥 1 guest\n" in one
    two = dict(details, nights=2, guests=3)
    many = lodging_lines(request(kind=RequestKind.LODGING, fulfilment=None, details=two), "en")
    assert "(2 nights)" in many and "👥 3 guests\n" in many
    assert "(2 malam)" in lodging_lines(request(kind=RequestKind.LODGING, details=two), "id")
