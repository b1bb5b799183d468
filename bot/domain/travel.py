"""Tickets and lodging: places, passengers, and the options a manager offers. Pure rules."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from rapidfuzz import fuzz, process, utils

from bot.domain.amounts import require_positive, trailing_amount
from bot.domain.money import Money, MoneyError
from bot.domain.validators import ValidationError, ValidationReason


class TicketKind(StrEnum):
    """How the villager travels."""

    BUS = "bus"
    TRAIN = "train"
    FERRY = "ferry"
    PLANE = "plane"


class TicketClass(StrEnum):
    """The class the villager asks for."""

    ECONOMY = "economy"
    BUSINESS = "business"
    ANY = "any"  # whatever is available, the cheapest


class TravelProblem(StrEnum):
    """What a travel answer can get wrong besides a ValidationReason."""

    NAMES = "names"  # not one name a line for each passenger
    IDS = "ids"  # an identity number missing or invalid
    BUDGET = "budget"  # a budget that is no amount of money


# Trains and planes are booked on the passenger's identity number.
NEEDS_ID = frozenset({TicketKind.TRAIN, TicketKind.PLANE})
# Where a ticket's details keep those numbers (one per name, in order) while it is open, and
# the mark left once they are deleted.
ID_NUMBERS = "ids"
ID_NUMBERS_DELETED = "ids_deleted"
# Places villagers travel to most, offered as matches for what they type.
PLACES = {
    "ID": (
        "Jakarta",
        "Bandung",
        "Semarang",
        "Yogyakarta",
        "Solo",
        "Surabaya",
        "Malang",
        "Denpasar",
        "Mataram",
        "Medan",
        "Padang",
        "Palembang",
        "Lampung",
        "Makassar",
        "Balikpapan",
        "Pontianak",
        "Banjarmasin",
        "Manado",
        "Kupang",
        "Jayapura",
        "Cirebon",
        "Purwokerto",
        "Madiun",
        "Kediri",
        "Jember",
        "Banyuwangi",
        "Merak",
        "Bakauheni",
        "Ketapang",
        "Gilimanuk",
        "Padang Bai",
        "Lembar",
    ),
    "CN": (
        "北京",
        "上海",
        "广州",
        "深圳",
        "成都",
        "重庆",
        "武汉",
        "西安",
        "杭州",
        "南京",
        "长沙",
        "郑州",
        "昆明",
        "贵阳",
        "南宁",
        "福州",
        "厦门",
        "济南",
        "沈阳",
        "哈尔滨",
    ),
}
# Names villagers use for places that spelling similarity alone gets wrong.
PLACE_ALIASES = {
    "jogja": "Yogyakarta",
    "jogjakarta": "Yogyakarta",
    "yogya": "Yogyakarta",
    "djogja": "Yogyakarta",
    "surakarta": "Solo",
    "bali": "Denpasar",
    "jkt": "Jakarta",
    "sby": "Surabaya",
    "lombok": "Mataram",
    "bandar lampung": "Lampung",
    "ujung pandang": "Makassar",
}
PLACE_MATCH_SCORE = 85.0
MAX_PASSENGERS_NAMES = 20
MAX_NAME_LENGTH = 60
MAX_OPTIONS = 5


def match_place(text: str, region: str, own: Sequence[str] = ()) -> str:
    """The place the villager meant (the center's own list first, then the country's usual
    places), or their words as typed (free text is allowed)."""
    typed = " ".join(text.split())[:60]
    if not typed:
        raise ValidationError(ValidationReason.FORMAT)
    alias = PLACE_ALIASES.get(utils.default_process(typed))
    if alias and region == "ID":
        return alias
    # Whole-word similarity: a partial match would turn "Jogjakarta" into "Jakarta".
    found = process.extractOne(
        typed,
        (*own, *PLACES.get(region, ())),
        scorer=fuzz.ratio,
        processor=utils.default_process,
        score_cutoff=PLACE_MATCH_SCORE,
    )
    return str(found[0]) if found else typed


def parse_names(text: str, expected: int) -> list[str]:
    """One passenger name a line, exactly `expected` of them."""
    names = [" ".join(line.split())[:MAX_NAME_LENGTH] for line in text.splitlines()]
    names = [name for name in names if name]
    if len(names) != expected:
        raise ValidationError(ValidationReason.RANGE)
    return names


def without_id_numbers(details: Mapping[str, Any]) -> dict[str, Any]:
    """The details with the passengers' identity numbers deleted (and marked so), as a request
    keeps them once it is closed; details without any are returned unchanged."""
    if ID_NUMBERS not in details:
        return dict(details)
    kept = {key: value for key, value in details.items() if key != ID_NUMBERS}
    return {**kept, ID_NUMBERS_DELETED: True}


@dataclass(frozen=True)
class Option:
    """One offer from the manager: what it is and its price."""

    text: str
    price: Money


def parse_options(text: str, currency: str) -> list[Option]:
    """The manager's offers, one a line, each ending with its price ("Rosalia 07:00 150rb")."""
    options = []
    for line in text.splitlines():
        words = line.split()
        if not words:
            continue
        if len(words) < 2:
            raise MoneyError("each line needs a description and a price")
        taken, price = trailing_amount(words, currency)
        options.append(Option(" ".join(words[:-taken])[:100], require_positive(price)))
    if not 1 <= len(options) <= MAX_OPTIONS:
        raise MoneyError(f"give 1 to {MAX_OPTIONS} options")
    return options


@dataclass(frozen=True)
class OfferCost:
    """What taking one offer costs the villager: the offer's own price and the center's fee."""

    price: Money
    fee: Money

    @property
    def total(self) -> Money:
        """What the villager pays: the price an Accept button shows and the acceptance charges."""
        return self.price + self.fee


def offer_cost(details: Mapping[str, Any], number: int, currency: str) -> OfferCost:
    """The cost of offer `number` (from 1) of a quote with these `details`."""
    price = Money(int(details["options"][number - 1]["price"]), currency)
    return OfferCost(price, Money(int(details.get("fee", 0)), currency))
