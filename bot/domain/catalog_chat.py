"""Keeping the catalog from the chat: reading an uploaded CSV, typed stock and prices, new skus.

Pure functions with no Telegram types; handlers turn their results into replies.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from enum import Enum, StrEnum
from typing import Final

from bot.domain.amounts import parse_amount, require_positive
from bot.domain.catalog_csv import MAX_SKU_CHARS, MAX_STOCK, is_produce_sku
from bot.domain.money import Money, MoneyError
from bot.domain.sheet import Problem, RowError, has_control_character

# A catalog of a few thousand products is well under this; anything bigger is not a shop list.
MAX_UPLOAD_BYTES: Final = 1_000_000
# Errors named in one reply: enough to fix a file in a round or two, and inside 4096 characters.
ERRORS_SHOWN: Final = 20
# A value quoted in an error (a sku, column names): the rest of a long one adds nothing.
ERROR_VALUE_CHARS: Final = 70
# "-" stops tracking a product's stock (it is then always available).
UNTRACKED: Final = "-"
CSV_MIME_TYPES: Final = frozenset(
    {
        "text/csv",
        "text/plain",
        "text/comma-separated-values",
        "application/csv",
        "application/vnd.ms-excel",  # what some phones call any .csv file
    }
)
SPREADSHEET_SUFFIXES: Final = (".xlsx", ".xls", ".ods", ".numbers")
_WHOLE_NUMBER = re.compile(r"[0-9]{1,10}", re.ASCII)
_SKU_WORD = re.compile(r"[A-Z0-9]+")
# Generated skus stay short enough to type in /stock and /price.
GENERATED_SKU_CHARS: Final = 24


class UploadProblem(Enum):
    """Why an uploaded file is not read as a catalog."""

    TOO_BIG = "too_big"
    SPREADSHEET = "spreadsheet"
    NOT_CSV = "not_csv"
    NOT_UTF8 = "not_utf8"


def upload_problem(
    filename: str | None, mime_type: str | None, size: int | None
) -> UploadProblem | None:
    """Refuse a file by what Telegram says of it, before downloading anything."""
    name = (filename or "").casefold()
    if size is not None and size > MAX_UPLOAD_BYTES:
        return UploadProblem.TOO_BIG
    if name.endswith(SPREADSHEET_SUFFIXES):
        return UploadProblem.SPREADSHEET
    if name.endswith(".csv") or (not name and mime_type in CSV_MIME_TYPES):
        return None
    if name.endswith(".txt") and mime_type in CSV_MIME_TYPES:
        return None
    return UploadProblem.NOT_CSV


def upload_text(data: bytes) -> str | UploadProblem:
    """The file's text (a spreadsheet's byte-order mark dropped), or why it cannot be read."""
    if len(data) > MAX_UPLOAD_BYTES:
        return UploadProblem.TOO_BIG
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return UploadProblem.NOT_UTF8
    if "\x00" in text:  # a binary file that happens to decode
        return UploadProblem.NOT_CSV
    return text


def shown_errors(errors: list[RowError]) -> tuple[list[RowError], int]:
    """The first errors of a sheet to name (each value cut to fit) and how many more."""
    shown = [_shortened(error) for error in errors[:ERRORS_SHOWN]]
    return shown, max(0, len(errors) - ERRORS_SHOWN)


def _shortened(error: RowError) -> RowError:
    """The error with its problem's values cut short."""
    values = error.problem.values
    cut = {name: _cut(value, ERROR_VALUE_CHARS) for name, value in values.items()}
    return RowError(error.line, Problem(error.problem.key, cut))


def _cut(text: str, limit: int) -> str:
    """`text` cut to `limit` characters with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


class BadNumber(ValueError):
    """A typed stock or price that cannot be used; the handler explains the usage."""


def parse_stock(text: str) -> int | None:
    """A typed stock: a whole number from 0, or "-" for not tracked (None); BadNumber otherwise."""
    cleaned = text.strip()
    if cleaned == UNTRACKED:
        return None
    if not _WHOLE_NUMBER.fullmatch(cleaned) or int(cleaned) > MAX_STOCK:
        raise BadNumber(cleaned)
    return int(cleaned)


def parse_price(text: str, currency: str) -> Money:
    """A typed price ("15000", "Rp 15.000", "15rb", "12.50"), more than zero; BadNumber otherwise
    (caused by the AmountRefused that says why)."""
    try:
        return require_positive(parse_amount(text, currency))
    except MoneyError as exc:
        raise BadNumber(text) from exc


class TextProblem(StrEnum):
    """Why a typed name, category or unit is unusable."""

    EMPTY = "empty"
    LONG = "long"
    LINES = "lines"  # a line break would break list buttons and the CSV export


def text_problem(text: str, max_chars: int) -> TextProblem | None:
    """Why a typed name, category or unit is unusable, or None."""
    if not text:
        return TextProblem.EMPTY
    if len(text) > max_chars:
        return TextProblem.LONG
    if has_control_character(text):
        return TextProblem.LINES
    return None


def new_sku(name: str, taken: Collection[str]) -> str:
    """A sku made from the product's name, unused in `taken` (compared case-insensitively)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().upper()
    base = "-".join(_SKU_WORD.findall(ascii_name))[:GENERATED_SKU_CHARS].strip("-") or "P"
    if is_produce_sku(f"{base}-"):  # "Prd ..." would look like a villager's produce
        base = f"P-{base}"[:GENERATED_SKU_CHARS]
    used = {sku.casefold() for sku in taken}
    if base != "P" and base.casefold() not in used:
        return base
    number = 2 if base != "P" else 1
    while f"{base}-{number}".casefold() in used:
        number += 1
    return f"{base}-{number}"[:MAX_SKU_CHARS]
