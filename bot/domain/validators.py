"""What villagers type for services: meter and customer numbers, tokens, dates, IDs.

Every parser takes the raw message text and returns a clean value or raises
ValidationError with a short `reason` code, which the bot turns into a localized
message. Full-width digits (Chinese keyboards) count as digits everywhere.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta
from enum import StrEnum
from typing import Final


class ValidationReason(StrEnum):
    """Why a typed value was refused; the value is the code its texts are keyed by."""

    DIGITS_ONLY = "digits_only"
    LENGTH = "length"
    FORMAT = "format"
    PAST = "past"
    TOO_FAR = "too_far"
    CHECKOUT_BEFORE_CHECKIN = "checkout_before_checkin"
    TOO_MANY_NIGHTS = "too_many_nights"
    RANGE = "range"
    CHECKSUM = "checksum"


# All that a number of fixed digits (a bill's customer number, a token) is refused for.
DIGIT_REASONS: Final = (ValidationReason.DIGITS_ONLY, ValidationReason.LENGTH)


class ValidationError(ValueError):
    """A typed value was refused; `reason` says why, as a short code."""

    def __init__(self, reason: ValidationReason) -> None:
        """Keep the reason code; the bot turns it into a localized message."""
        super().__init__(reason)
        self.reason = reason


# Far longer than any value below written with separators; stops pasted text early.
_MAX_INPUT_LENGTH: Final = 64
# Spaces and dashes people put in long numbers, including the ones word processors make.
_NUMBER_SEPARATORS: Final = re.compile(r"[\s\-\u2010-\u2015]+")
_ASCII_DIGITS: Final = re.compile(r"[0-9]+", re.ASCII)

METER_LENGTHS: Final = (11, 12)  # PLN meter number 11, customer id (ID pelanggan) 12
PDAM_LENGTHS: Final = range(6, 16)  # water utilities each number their own way
BPJS_LENGTH: Final = 13
POSTPAID_LENGTH: Final = 12
TOKEN_LENGTH: Final = 20
NIK_LENGTH: Final = 16
RESIDENT_ID_LENGTH: Final = 18
MAX_PASSENGERS: Final = 20
MAX_DAYS_AHEAD: Final = 365
MAX_NIGHTS: Final = 60


def _fold(text: str, reason_if_long: ValidationReason = ValidationReason.LENGTH) -> str:
    """The text with full-width characters folded to ASCII, trimmed; refused if huge."""
    if len(text) > _MAX_INPUT_LENGTH:
        raise ValidationError(reason_if_long)
    return unicodedata.normalize("NFKC", text).strip()


def _digits(text: str, lengths: range | tuple[int, ...]) -> str:
    """The digits of `text` with spaces and dashes removed, in one of the allowed lengths."""
    compact = _NUMBER_SEPARATORS.sub("", _fold(text))
    if compact and not _ASCII_DIGITS.fullmatch(compact):
        raise ValidationError(ValidationReason.DIGITS_ONLY)
    if len(compact) not in lengths:
        raise ValidationError(ValidationReason.LENGTH)
    return compact


def parse_meter_number(text: str) -> str:
    """A PLN prepaid meter number (11 digits) or customer id (12 digits)."""
    return _digits(text, METER_LENGTHS)


def parse_pdam_customer(text: str) -> str:
    """A PDAM (water utility) customer number: 6 to 15 digits."""
    return _digits(text, PDAM_LENGTHS)


def parse_bpjs_number(text: str) -> str:
    """A BPJS Kesehatan card number: 13 digits (leading zeros are part of it)."""
    return _digits(text, (BPJS_LENGTH,))


def parse_postpaid_id(text: str) -> str:
    """A PLN postpaid customer id: 12 digits."""
    return _digits(text, (POSTPAID_LENGTH,))


def parse_token(text: str) -> str:
    """A 20-digit electricity token, typed with or without spaces and dashes."""
    return _digits(text, (TOKEN_LENGTH,))


def format_token(token: str) -> str:
    """The token in groups of four ("1234 5678 9012 3456 7890"), as meters are keyed."""
    digits = parse_token(token)
    return " ".join(digits[start : start + 4] for start in range(0, TOKEN_LENGTH, 4))


def parse_passenger_count(text: str) -> int:
    """How many passengers: a whole number from 1 to MAX_PASSENGERS."""
    folded = _fold(text, reason_if_long=ValidationReason.RANGE)
    if not _ASCII_DIGITS.fullmatch(folded):
        raise ValidationError(ValidationReason.DIGITS_ONLY)
    count = int(folded)
    if not 1 <= count <= MAX_PASSENGERS:
        raise ValidationError(ValidationReason.RANGE)
    return count


def parse_id_number(text: str, region: str) -> str:
    """An identity number: Indonesian NIK (16 digits) or Chinese resident ID (checked)."""
    if region == "ID":
        return _digits(text, (NIK_LENGTH,))
    if region == "CN":
        return _parse_chinese_resident_id(text)
    raise ValueError(f"unsupported region: {region!r}")


# GB 11643-1999: ISO 7064 MOD 11-2 over the first 17 digits.
_RESIDENT_ID_WEIGHTS: Final = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_RESIDENT_ID_CHECK: Final = "10X98765432"
_RESIDENT_ID: Final = re.compile(r"[0-9]{17}[0-9X]", re.ASCII)


def _parse_chinese_resident_id(text: str) -> str:
    """An 18-character resident ID whose last character matches its checksum."""
    compact = _NUMBER_SEPARATORS.sub("", _fold(text)).upper()
    if len(compact) != RESIDENT_ID_LENGTH:
        raise ValidationError(ValidationReason.LENGTH)
    if not _RESIDENT_ID.fullmatch(compact):
        raise ValidationError(ValidationReason.FORMAT)  # only the last character may be X
    if resident_id_check_character(compact[:17]) != compact[17]:
        raise ValidationError(ValidationReason.CHECKSUM)
    return compact


def resident_id_check_character(first_17_digits: str) -> str:
    """The 18th character of a Chinese resident ID, from its first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first_17_digits, _RESIDENT_ID_WEIGHTS, strict=True))
    return _RESIDENT_ID_CHECK[total % 11]


def check_stay(check_in: date, check_out: date) -> int:
    """The number of nights between check-in and check-out (1 to MAX_NIGHTS)."""
    nights = (check_out - check_in).days
    if nights < 1:
        raise ValidationError(ValidationReason.CHECKOUT_BEFORE_CHECKIN)
    if nights > MAX_NIGHTS:
        raise ValidationError(ValidationReason.TOO_MANY_NIGHTS)
    return nights


# --- Travel dates ---

# Days from today, for words people use instead of a date.
_RELATIVE_DAYS: Final[dict[str, int]] = {
    "today": 0,
    "tomorrow": 1,
    "hari ini": 0,
    "besok": 1,
    "lusa": 2,
    "今天": 0,
    "明天": 1,
    "后天": 2,
    "後天": 2,
}
# Month names, Indonesian and English; any prefix of three letters or more also counts
# ("des", "sept"). Old spellings ("Pebruari", "Nopember") are still common in Indonesia.
_MONTH_NAMES: Final[dict[str, int]] = {
    name: month
    for month, names in enumerate(
        (
            "januari january",
            "februari pebruari february",
            "maret march",
            "april",
            "mei may",
            "juni june",
            "juli july",
            "agustus agt ags august",
            "september",
            "oktober october",
            "november nopember",
            "desember december",
        ),
        start=1,
    )
    for name in names.split()
}
_MIN_MONTH_PREFIX: Final = 3

_YEAR_FIRST: Final = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", re.ASCII)
_NUMERIC: Final = re.compile(r"(\d{1,2})[-/.](\d{1,2})(?:[-/.](\d{4}|\d{2}))?", re.ASCII)
_DAY_MONTH_NAME: Final = re.compile(
    r"(\d{1,2})(?:st|nd|rd|th)?[\s\-.,]*([a-z]+)\.?(?:[\s\-.,]+(\d{4}))?", re.ASCII
)
_MONTH_NAME_DAY: Final = re.compile(
    r"([a-z]+)\.?\s*(\d{1,2})(?:st|nd|rd|th)?(?:[\s,]+(\d{4}))?", re.ASCII
)
_CHINESE: Final = re.compile(r"(?:([0-9]{4})\s*年)?\s*([0-9]{1,2})\s*月\s*([0-9]{1,2})\s*[日号]?")
# "tgl 5 Des", "tanggal 5 Desember": the word adds nothing.
_DATE_WORD: Final = re.compile(r"^(?:tanggal|tgl)\.?\s*", re.ASCII)


def parse_travel_date(text: str, today: date, locale: str) -> date:
    """A travel date from today up to MAX_DAYS_AHEAD days ahead.

    Numbers are day-first ("5/12" is 5 December) except in Chinese, which writes
    the month first ("12/5"); a date without a year is the next one on or after today.
    """
    words = _fold(text, reason_if_long=ValidationReason.FORMAT).casefold().split()
    folded = _DATE_WORD.sub("", " ".join(words))
    if folded in _RELATIVE_DAYS:
        return today + timedelta(days=_RELATIVE_DAYS[folded])
    year, month, day = _date_parts(folded, month_first=_writes_month_first(locale))
    travel = _next_date(month, day, today) if year is None else _real_date(year, month, day)
    if travel < today:
        raise ValidationError(ValidationReason.PAST)
    if (travel - today).days > MAX_DAYS_AHEAD:
        raise ValidationError(ValidationReason.TOO_FAR)
    return travel


def _writes_month_first(locale: str) -> bool:
    """Whether numeric dates put the month first in this locale ("zh", "zh-CN")."""
    return re.split(r"[-_]", locale, maxsplit=1)[0].casefold() == "zh"


_DateParts = tuple[int | None, int, int]


def _date_parts(folded: str, month_first: bool) -> _DateParts:
    """(year or None, month, day) read from the text; "format" if it is no date."""
    if match := _YEAR_FIRST.fullmatch(folded):
        return int(match[1]), int(match[2]), int(match[3])
    if match := _NUMERIC.fullmatch(folded):
        first, second = int(match[1]), int(match[2])
        month, day = (first, second) if month_first else (second, first)
        return _full_year(match[3]), month, day
    if match := _CHINESE.fullmatch(folded):
        return _full_year(match[1]), int(match[2]), int(match[3])
    if match := _DAY_MONTH_NAME.fullmatch(folded):
        return _full_year(match[3]), _month_number(match[2]), int(match[1])
    if match := _MONTH_NAME_DAY.fullmatch(folded):
        return _full_year(match[3]), _month_number(match[1]), int(match[2])
    raise ValidationError(ValidationReason.FORMAT)


def _full_year(written: str | None) -> int | None:
    """The year as written, with "26" meaning 2026; None if not written."""
    if written is None:
        return None
    year = int(written)
    return 2000 + year if len(written) == 2 else year


def _month_number(word: str) -> int:
    """The month a name or its abbreviation means; "format" if none."""
    if len(word) >= _MIN_MONTH_PREFIX:
        for name, month in _MONTH_NAMES.items():
            if name.startswith(word):
                return month
    raise ValidationError(ValidationReason.FORMAT)


def _real_date(year: int, month: int, day: int) -> date:
    """The date, or "format" if no such day exists (31 February)."""
    try:
        return date(year, month, day)
    except ValueError as error:
        raise ValidationError(ValidationReason.FORMAT) from error


def _next_date(month: int, day: int, today: date) -> date:
    """The next `day`.`month` on or after today; 29 February may be years away."""
    _real_date(2000, month, day)  # a leap year: rejects only days that never exist
    # Eight years always include a leap year, even across 2100 (not a leap year).
    for year in range(today.year, min(today.year + 9, date.max.year + 1)):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate >= today:
            return candidate
    raise ValidationError(ValidationReason.TOO_FAR)
