"""Villagers' produce offers: why a typed answer of /sell is refused."""

from __future__ import annotations

from enum import StrEnum


class OfferProblem(StrEnum):
    """What is wrong with a typed name, quantity, unit or price of an offer."""

    BAD_TEXT = "bad_text"  # control characters
    EMPTY = "empty"
    TOO_LONG = "too_long"
    BAD_NAME = "bad_name"  # no letter in it
    BAD_QUANTITY = "bad_quantity"
    BAD_PRICE = "bad_price"
