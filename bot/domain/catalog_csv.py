"""Catalog CSV import and export: the format a shop keeper edits in a spreadsheet.

Header: sku,name,category,price,unit,stock,aliases (any order; stock and aliases
may be left out). Prices are in major units ("15000", "12.50"); an empty stock
means "not tracked"; aliases are separated by "|". Line numbers in errors are the
row numbers a spreadsheet shows: the header is line 1.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Final

from bot.domain.money import Money, MoneyError, parse_major, to_major_str

# Products listed from villagers' produce offers: their sku is PRD-<offer number>, and they
# change through the offer only, so catalog files neither carry nor set them.
PRODUCE_SKU_PREFIX: Final = "PRD-"
HEADER: Final = ("sku", "name", "category", "price", "unit", "stock", "aliases")
REQUIRED_COLUMNS: Final = ("sku", "name", "category", "price", "unit")
ALIAS_SEPARATOR: Final = "|"

MAX_ROWS: Final = 100_000
# Longer than any real cell; past it the file is broken or hostile, not a catalogue.
MAX_CELL_CHARS: Final = 1_000
MAX_SKU_CHARS: Final = 64
MAX_NAME_CHARS: Final = 200
MAX_CATEGORY_CHARS: Final = 100
MAX_UNIT_CHARS: Final = 30
MAX_ALIAS_CHARS: Final = 100
MAX_STOCK: Final = 1_000_000_000
# Shown in CatalogCsvError's message; callers wanting all of them read `.errors`.
_ERRORS_IN_MESSAGE: Final = 10
_WHOLE_NUMBER = re.compile(r"[0-9]+", re.ASCII)


@dataclass(frozen=True)
class CatalogRow:
    """One product as written in the catalogue file."""

    sku: str
    name: str
    category: str
    price: Money
    unit: str
    stock: int | None
    aliases: tuple[str, ...] = ()


# What each problem says, in English (the command line's words); the chat translates `key`.
ENGLISH: Final = {
    "csv_broken": "not valid CSV here ({detail}); check for an unclosed quote",
    "cell_huge": "a cell is far too long (at most {limit} characters)",
    "file_empty": "no products: the file is empty",
    "no_rows": "no products: the file has a header but no rows",
    "semicolons": "columns must be separated by commas, not semicolons",
    "missing_columns": "missing columns: {columns}",
    "unknown_columns": "unknown columns: {columns}",
    "repeated_columns": "repeated columns: {columns}",
    "too_many_rows": "too many rows: at most {limit} products per file",
    "cell_count": "expected {expected} cells, found {found}",
    "sku_repeated": "sku {sku} is already used on line {first}",
    "sku_spaces": "sku must not contain spaces",
    "sku_produce": "skus starting with PRD- are kept for villagers' produce",
    "control_character": "{column} contains a line break or control character",
    "far_too_long": "{column} is far too long ({length} characters)",
    "empty": "{column} is empty",
    "too_long": "{column} is longer than {limit} characters",
    "bad_price": "price: {reason}",
    "zero_price": "price must be more than 0",
    "bad_stock": "stock must be a whole number of 0 or more, or empty",
    "huge_stock": "stock is more than {limit}",
    "long_alias": "alias longer than {limit} characters",
}


@dataclass(frozen=True)
class Problem:
    """One problem as a key of ENGLISH and the values its words need."""

    key: str
    values: Mapping[str, str] = field(default_factory=dict)

    @property
    def message(self) -> str:
        """The problem in English."""
        return ENGLISH[self.key].format(**self.values)


def problem(key: str, **values: object) -> Problem:
    """A Problem whose values are written as text."""
    return Problem(key, {name: str(value) for name, value in values.items()})


@dataclass(frozen=True)
class RowError:
    """What is wrong on one spreadsheet line (the header is line 1).

    `problem` names it for translation; equality compares the line and the English message.
    """

    line: int
    message: str
    problem: Problem | None = field(default=None, compare=False)

    @classmethod
    def of(cls, line: int, found: Problem) -> RowError:
        """The error for `found` on `line`."""
        return cls(line, found.message, found)


class CatalogCsvError(ValueError):
    """The file cannot be imported; `errors` lists every problem found."""

    def __init__(self, errors: list[RowError]) -> None:
        """Keep every error; the message shows the first few."""
        self.errors = errors
        shown = "; ".join(f"line {e.line}: {e.message}" for e in errors[:_ERRORS_IN_MESSAGE])
        more = len(errors) - _ERRORS_IN_MESSAGE
        super().__init__(shown + (f"; and {more} more" if more > 0 else ""))


def parse_catalog_csv(text: str, currency: str) -> list[CatalogRow]:
    """Parse a whole catalogue file; raise CatalogCsvError listing every bad line."""
    errors: list[RowError] = []
    records = _records(text.removeprefix("\ufeff"), errors)
    _, header = next(records, (1, []))
    if errors:  # the header itself was not valid CSV
        raise CatalogCsvError(errors)
    columns = _read_header(header)
    rows = _parse_rows(records, columns, currency, errors)
    if not rows and not errors:
        errors.append(RowError.of(1, problem("no_rows")))
    if errors:
        raise CatalogCsvError(sorted(errors, key=lambda error: error.line))
    return rows


def export_catalog_csv(rows: Iterable[CatalogRow]) -> str:
    """Write rows in the import format (encode as "utf-8-sig" for Excel to see UTF-8)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    for row in rows:
        stock = "" if row.stock is None else str(row.stock)
        aliases = ALIAS_SEPARATOR.join(row.aliases)
        price = to_major_str(row.price)
        writer.writerow((row.sku, row.name, row.category, price, row.unit, stock, aliases))
    return buffer.getvalue()


def _records(text: str, errors: list[RowError]) -> Iterator[tuple[int, list[str]]]:
    """(spreadsheet line, cells) per record; stops with an error at a broken record."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    for line in itertools.count(1):
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            errors.append(RowError.of(line, _describe_csv_error(error)))
            return
        yield line, cells


def _parse_rows(
    records: Iterator[tuple[int, list[str]]],
    columns: dict[str, int],
    currency: str,
    errors: list[RowError],
) -> list[CatalogRow]:
    """Every good product after the header; problems go to `errors`."""
    rows: list[CatalogRow] = []
    first_line_of_sku: dict[str, int] = {}
    product_lines = 0
    for line, cells in records:
        if not any(cell.strip() for cell in cells):
            continue  # spreadsheets leave blank rows; they carry nothing
        product_lines += 1
        if product_lines > MAX_ROWS:
            errors.append(RowError.of(line, problem("too_many_rows", limit=f"{MAX_ROWS:,}")))
            break
        row = _parse_row(line, cells, columns, currency, errors)
        # Checked even on a bad line, so one round of fixes can clear every problem.
        is_new = _is_new_sku(line, _sku_cell(cells, columns), first_line_of_sku, errors)
        if row is not None and is_new:
            rows.append(row)
    return rows


def _describe_csv_error(error: csv.Error) -> Problem:
    """A reason a shop keeper can act on, for the csv module's terse errors."""
    if "field larger than field limit" in str(error):
        return problem("cell_huge", limit=f"{MAX_CELL_CHARS:,}")
    return problem("csv_broken", detail=error)


def _read_header(header: list[str]) -> dict[str, int]:
    """Column name -> position; raise CatalogCsvError for a header we cannot use."""
    names = [cell.strip().casefold() for cell in header]
    if not any(names):
        raise CatalogCsvError([RowError.of(1, problem("file_empty"))])
    if len(names) == 1 and ";" in names[0]:
        raise CatalogCsvError([RowError.of(1, problem("semicolons"))])
    problems = _header_problems(names)
    if problems:
        raise CatalogCsvError([RowError.of(1, found) for found in problems])
    return {name: position for position, name in enumerate(names)}


def _header_problems(names: list[str]) -> list[Problem]:
    """Missing, unknown and repeated column names in the header."""
    problems = []
    missing = [name for name in REQUIRED_COLUMNS if name not in names]
    if missing:
        problems.append(problem("missing_columns", columns=", ".join(missing)))
    unknown = [name or "(empty)" for name in names if name not in HEADER]
    if unknown:
        problems.append(problem("unknown_columns", columns=", ".join(unknown)))
    repeated = sorted({name for name in names if name in HEADER and names.count(name) > 1})
    if repeated:
        problems.append(problem("repeated_columns", columns=", ".join(repeated)))
    return problems


def _parse_row(
    line: int, cells: list[str], columns: dict[str, int], currency: str, errors: list[RowError]
) -> CatalogRow | None:
    """One product from one record, or None after adding this line's errors."""
    if len(cells) != len(columns):
        found_cells = problem("cell_count", expected=len(columns), found=len(cells))
        errors.append(RowError.of(line, found_cells))
        return None
    found: list[Problem] = []
    fields = _RowFields(cells, columns, found)
    row = CatalogRow(
        sku=fields.text("sku", MAX_SKU_CHARS, _sku_problem),
        name=fields.text("name", MAX_NAME_CHARS),
        category=fields.text("category", MAX_CATEGORY_CHARS),
        price=fields.price(currency),
        unit=fields.text("unit", MAX_UNIT_CHARS),
        stock=fields.stock(),
        aliases=fields.aliases(),
    )
    errors.extend(RowError.of(line, each) for each in found)
    return None if found else row


def _is_new_sku(
    line: int, sku: str, first_line_of_sku: dict[str, int], errors: list[RowError]
) -> bool:
    """Record the sku's first line; add an error naming both lines for a repeat."""
    if not sku:
        return True  # an empty sku is already reported as such
    key = sku.casefold()  # "beras-5" and "BERAS-5" are the same product to a person
    if key in first_line_of_sku:
        first = first_line_of_sku[key]
        errors.append(RowError.of(line, problem("sku_repeated", sku=repr(sku), first=first)))
        return False
    first_line_of_sku[key] = line
    return True


def _sku_cell(cells: list[str], columns: dict[str, int]) -> str:
    """The trimmed sku of a record, or "" when the record has the wrong width."""
    return cells[columns["sku"]].strip() if len(cells) == len(columns) else ""


def _sku_problem(sku: str) -> Problem | None:
    """Why a sku is unusable, or None."""
    if any(character.isspace() for character in sku):
        return problem("sku_spaces")
    if is_produce_sku(sku):
        return problem("sku_produce")
    return None


def is_produce_sku(sku: str) -> bool:
    """Whether `sku` is of the form kept for products listed from villagers' offers."""
    return sku.casefold().startswith(PRODUCE_SKU_PREFIX.casefold())


def _control_character_problem(column: str, value: str) -> Problem | None:
    """Line breaks and control characters break chat buttons and later exports."""
    if any(unicodedata.category(c) in {"Cc", "Zl", "Zp"} for c in value):
        return problem("control_character", column=column)
    return None


class _RowFields:
    """Reads one record's cells by column name, collecting problems instead of raising."""

    def __init__(self, cells: list[str], columns: dict[str, int], problems: list[Problem]) -> None:
        """Wrap one record; `problems` receives one message per bad cell."""
        self._cells = cells
        self._columns = columns
        self._problems = problems

    def cell(self, column: str) -> str | None:
        """The trimmed cell of `column` ("" if the file lacks it); None if absurdly long."""
        position = self._columns.get(column)
        value = "" if position is None else self._cells[position].strip()
        if len(value) > MAX_CELL_CHARS:
            self._problems.append(problem("far_too_long", column=column, length=f"{len(value):,}"))
            return None
        return value

    def text(
        self, column: str, max_chars: int, check: Callable[[str], Problem | None] | None = None
    ) -> str:
        """A required text cell: non-empty, at most `max_chars`, no control characters."""
        value = self.cell(column)
        if value is None:
            return ""
        found = (
            (problem("empty", column=column) if not value else None)
            or (
                problem("too_long", column=column, limit=max_chars)
                if len(value) > max_chars
                else None
            )
            or _control_character_problem(column, value)
            or (check(value) if check else None)
        )
        if found:
            self._problems.append(found)
        return value

    def price(self, currency: str) -> Money:
        """The price cell in the currency's major unit; must be more than zero."""
        text = self.cell("price")
        if text is None:
            return Money.zero(currency)
        try:
            price = parse_major(text, currency)
        except MoneyError as error:
            self._problems.append(problem("bad_price", reason=error))
            return Money.zero(currency)
        if price.minor == 0:
            self._problems.append(problem("zero_price"))
        return price

    def stock(self) -> int | None:
        """Empty means stock is not tracked; otherwise a whole number, 0 or more."""
        value = self.cell("stock")
        if not value:  # empty, or absurdly long and already reported
            return None
        if not _WHOLE_NUMBER.fullmatch(value):
            self._problems.append(problem("bad_stock"))
            return None
        if int(value) > MAX_STOCK:
            self._problems.append(problem("huge_stock", limit=f"{MAX_STOCK:,}"))
            return None
        return int(value)

    def aliases(self) -> tuple[str, ...]:
        """Other names, split on "|", trimmed, without empties or repeats."""
        found: dict[str, str] = {}
        cell = self.cell("aliases") or ""
        for alias in (part.strip() for part in cell.split(ALIAS_SEPARATOR)):
            if len(alias) > MAX_ALIAS_CHARS:
                self._problems.append(problem("long_alias", limit=MAX_ALIAS_CHARS))
            elif bad := _control_character_problem("aliases", alias):
                self._problems.append(bad)
            elif alias:
                found.setdefault(alias.casefold(), alias)
        return tuple(found.values())
