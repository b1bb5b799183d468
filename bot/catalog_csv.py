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
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Final

from bot.money import Money, MoneyError, parse_major, to_major_str

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


@dataclass(frozen=True)
class RowError:
    """What is wrong on one spreadsheet line (the header is line 1)."""

    line: int
    message: str


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
        errors.append(RowError(1, "no products: the file has a header but no rows"))
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
            errors.append(RowError(line, _describe_csv_error(error)))
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
            errors.append(RowError(line, f"too many rows: at most {MAX_ROWS:,} products per file"))
            break
        row = _parse_row(line, cells, columns, currency, errors)
        # Checked even on a bad line, so one round of fixes can clear every problem.
        is_new = _is_new_sku(line, _sku_cell(cells, columns), first_line_of_sku, errors)
        if row is not None and is_new:
            rows.append(row)
    return rows


def _describe_csv_error(error: csv.Error) -> str:
    """A reason a shop keeper can act on, for the csv module's terse errors."""
    if "field larger than field limit" in str(error):
        return f"a cell is far too long (at most {MAX_CELL_CHARS:,} characters)"
    return f"not valid CSV here ({error}); check for an unclosed quote"


def _read_header(header: list[str]) -> dict[str, int]:
    """Column name -> position; raise CatalogCsvError for a header we cannot use."""
    names = [cell.strip().casefold() for cell in header]
    if not any(names):
        raise CatalogCsvError([RowError(1, "no products: the file is empty")])
    if len(names) == 1 and ";" in names[0]:
        raise CatalogCsvError([RowError(1, "columns must be separated by commas, not semicolons")])
    problems = _header_problems(names)
    if problems:
        raise CatalogCsvError([RowError(1, problem) for problem in problems])
    return {name: position for position, name in enumerate(names)}


def _header_problems(names: list[str]) -> list[str]:
    """Missing, unknown and repeated column names in the header."""
    problems = []
    missing = [name for name in REQUIRED_COLUMNS if name not in names]
    if missing:
        problems.append("missing columns: " + ", ".join(missing))
    unknown = [name or "(empty)" for name in names if name not in HEADER]
    if unknown:
        problems.append("unknown columns: " + ", ".join(unknown))
    repeated = sorted({name for name in names if name in HEADER and names.count(name) > 1})
    if repeated:
        problems.append("repeated columns: " + ", ".join(repeated))
    return problems


def _parse_row(
    line: int, cells: list[str], columns: dict[str, int], currency: str, errors: list[RowError]
) -> CatalogRow | None:
    """One product from one record, or None after adding this line's errors."""
    if len(cells) != len(columns):
        errors.append(RowError(line, f"expected {len(columns)} cells, found {len(cells)}"))
        return None
    found: list[str] = []
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
    errors.extend(RowError(line, message) for message in found)
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
        errors.append(RowError(line, f"sku {sku!r} is already used on line {first}"))
        return False
    first_line_of_sku[key] = line
    return True


def _sku_cell(cells: list[str], columns: dict[str, int]) -> str:
    """The trimmed sku of a record, or "" when the record has the wrong width."""
    return cells[columns["sku"]].strip() if len(cells) == len(columns) else ""


def _sku_problem(sku: str) -> str | None:
    """Why a sku is unusable, or None."""
    if any(character.isspace() for character in sku):
        return "sku must not contain spaces"
    return None


def _control_character_problem(column: str, value: str) -> str | None:
    """Line breaks and control characters break chat buttons and later exports."""
    if any(unicodedata.category(c) in {"Cc", "Zl", "Zp"} for c in value):
        return f"{column} contains a line break or control character"
    return None


class _RowFields:
    """Reads one record's cells by column name, collecting problems instead of raising."""

    def __init__(self, cells: list[str], columns: dict[str, int], problems: list[str]) -> None:
        """Wrap one record; `problems` receives one message per bad cell."""
        self._cells = cells
        self._columns = columns
        self._problems = problems

    def cell(self, column: str) -> str | None:
        """The trimmed cell of `column` ("" if the file lacks it); None if absurdly long."""
        position = self._columns.get(column)
        value = "" if position is None else self._cells[position].strip()
        if len(value) > MAX_CELL_CHARS:
            self._problems.append(f"{column} is far too long ({len(value):,} characters)")
            return None
        return value

    def text(
        self, column: str, max_chars: int, check: Callable[[str], str | None] | None = None
    ) -> str:
        """A required text cell: non-empty, at most `max_chars`, no control characters."""
        value = self.cell(column)
        if value is None:
            return ""
        problem = (
            (f"{column} is empty" if not value else None)
            or (
                f"{column} is longer than {max_chars} characters"
                if len(value) > max_chars
                else None
            )
            or _control_character_problem(column, value)
            or (check(value) if check else None)
        )
        if problem:
            self._problems.append(problem)
        return value

    def price(self, currency: str) -> Money:
        """The price cell in the currency's major unit; must be more than zero."""
        text = self.cell("price")
        if text is None:
            return Money.zero(currency)
        try:
            price = parse_major(text, currency)
        except MoneyError as error:
            self._problems.append(f"price: {error}")
            return Money.zero(currency)
        if price.minor == 0:
            self._problems.append("price must be more than 0")
        return price

    def stock(self) -> int | None:
        """Empty means stock is not tracked; otherwise a whole number, 0 or more."""
        value = self.cell("stock")
        if not value:  # empty, or absurdly long and already reported
            return None
        if not _WHOLE_NUMBER.fullmatch(value):
            self._problems.append("stock must be a whole number of 0 or more, or empty")
            return None
        if int(value) > MAX_STOCK:
            self._problems.append(f"stock is more than {MAX_STOCK:,}")
            return None
        return int(value)

    def aliases(self) -> tuple[str, ...]:
        """Other names, split on "|", trimmed, without empties or repeats."""
        found: dict[str, str] = {}
        cell = self.cell("aliases") or ""
        for alias in (part.strip() for part in cell.split(ALIAS_SEPARATOR)):
            if len(alias) > MAX_ALIAS_CHARS:
                self._problems.append(f"alias longer than {MAX_ALIAS_CHARS} characters")
            elif problem := _control_character_problem("aliases", alias):
                self._problems.append(problem)
            elif alias:
                found.setdefault(alias.casefold(), alias)
        return tuple(found.values())
