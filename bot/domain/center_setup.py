"""What the operator types when creating a center or handing it over, checked without Telegram.

The command line and the admin chat both check through here, so they accept the same codes.
"""

from __future__ import annotations

import re

# A code goes into the deep link /start CODE.
MAX_CODE_LENGTH = 32
MAX_NAME_LENGTH = 100  # centers.name
# Telegram user ids are positive and fit in 52 bits; anything else is a typo.
MAX_USER_ID = 2**52
_CODE = re.compile(rf"^[A-Za-z0-9_-]{{1,{MAX_CODE_LENGTH}}}$", re.ASCII)
_LOCATION = re.compile(r"^\s*(-?\d{1,3}(?:\.\d+)?)\s*[,; ]\s*(-?\d{1,3}(?:\.\d+)?)\s*$")


def center_code(text: str) -> str | None:
    """The center code in `text` (upper case), or None if it is not 1-32 letters, digits, _ or -."""
    cleaned = text.strip()
    return cleaned.upper() if _CODE.fullmatch(cleaned) else None


def center_name(text: str) -> str | None:
    """The name with its spaces tidied, or None if it is empty or too long."""
    cleaned = " ".join(text.split())
    return cleaned if 0 < len(cleaned) <= MAX_NAME_LENGTH else None


def user_id(text: str) -> int | None:
    """A Telegram user id typed as a number, or None."""
    cleaned = text.strip()
    if not (cleaned.isascii() and cleaned.isdigit()) or len(cleaned) > 16:
        return None
    value = int(cleaned)
    return value if 0 < value <= MAX_USER_ID else None


def valid_location(lat: float, lon: float) -> bool:
    """Whether the point is on the globe."""
    return -90 <= lat <= 90 and -180 <= lon <= 180


def typed_location(text: str) -> tuple[float, float] | None:
    """A location typed as "lat, lon" (e.g. "-7.56, 110.82"), or None."""
    match = _LOCATION.fullmatch(text)
    if match is None:
        return None
    lat, lon = float(match[1]), float(match[2])
    return (lat, lon) if valid_location(lat, lon) else None
