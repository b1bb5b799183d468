"""One reader for the spreadsheets people edit: the catalog and the service price list.

A sheet is a CSV file whose first row names its columns (any order, any case; optional
columns may be left out); every other row is a record. Line numbers are the row numbers a
spreadsheet shows: the header is line 1. Blank rows are skipped. Any bad line means nothing
is imported: the reader names every bad line, each problem as a locale key and the values
its text needs, so each reader of the file is told in their own language.
"""

from __future__ import annotations

import csv
import io
import itertools
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final, TypeVar

from bot.domain.money import Money, MoneyError, parse_major

# Longer than any real cell; past it the file is broken or hostile, not a sheet.
MAX_CELL_CHARS: Final = 1_000

Record = TypeVar("Record")


class SheetProblem(StrEnum):
    """What can be wrong in any sheet; each value is the locale key of its text."""

    CSV_BROKEN = "sheet.csv_broken"
    CELL_HUGE = "sheet.cell_huge"
    SEMICOLONS = "sheet.semicolons"
    MISSING_COLUMNS = "sheet.missing_columns"
    UNKNOWN_COLUMNS = "sheet.unknown_columns"
    REPEATED_COLUMNS = "sheet.repeated_columns"
    CELL_COUNT = "sheet.cell_count"
    REPEATED = "sheet.repeated"
    FAR_TOO_LONG = "sheet.far_too_long"
    EMPTY = "sheet.empty"
    TOO_LONG = "sheet.too_long"
    CONTROL_CHARACTER = "sheet.control_character"
    SPACES = "sheet.spaces"
    BAD_PRICE = "sheet.bad_price"
    ZERO_PRICE = "sheet.zero_price"


@dataclass(frozen=True)
class Problem:
    """One problem: the locale key of its text and the values the text needs."""

    key: str
    values: Mapping[str, str] = field(default_factory=dict)


def problem(key: str, **values: object) -> Problem:
    """A Problem whose values are written as text."""
    return Problem(key, {name: str(value) for name, value in values.items()})


@dataclass(frozen=True)
class RowError:
    """What is wrong on one spreadsheet line (the header is line 1)."""

    line: int
    problem: Problem


class SheetError(ValueError):
    """The file cannot be imported; `errors` lists every problem found, by line."""

    def __init__(self, errors: list[RowError]) -> None:
        """Keep every error; the message (for logs) counts them and names the first by key."""
        self.errors = errors
        first = errors[0]
        super().__init__(
            f"{len(errors)} problem(s), first on line {first.line}: {first.problem.key}"
        )


@dataclass(frozen=True)
class Sheet:
    """One kind of sheet: its columns, how a record is named, and its own words."""

    columns: tuple[str, ...]  # every column, in the order an export writes them
    required: tuple[str, ...]
    # A record's name: its value in this column appears once per value of `unique_within`.
    unique: str
    unique_within: tuple[str, ...]
    max_records: int
    # The keys of the problems that name what the sheet lists ("no products", "no prices").
    empty_file: str
    no_records: str
    too_many_records: str


def read_sheet(
    text: str, sheet: Sheet, read_record: Callable[[Cells], Record | None]
) -> list[Record]:
    """Every record of a whole file; raise SheetError naming every bad line.

    `read_record` reads one record of the right width from its cells, adding a problem to
    them for each bad cell; a record is kept only when its line has no problem at all.
    """
    errors: list[RowError] = []
    rows = _rows(text.removeprefix("\ufeff"), errors)
    _, header = next(rows, (1, []))
    if errors:  # the header itself was not valid CSV
        raise SheetError(errors)
    columns = _read_header(header, sheet)
    records = _read_records(rows, columns, sheet, read_record, errors)
    if not records and not errors:
        errors.append(RowError(1, problem(sheet.no_records)))
    if errors:
        raise SheetError(sorted(errors, key=lambda error: error.line))
    return records


def write_sheet(columns: Sequence[str], records: Iterable[Sequence[str]]) -> str:
    """A file in the import format (encode as "utf-8-sig" for Excel to see UTF-8)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(records)
    return buffer.getvalue()


def _rows(text: str, errors: list[RowError]) -> Iterator[tuple[int, list[str]]]:
    """(spreadsheet line, cells) per row; stops with an error at a broken row."""
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


def _describe_csv_error(error: csv.Error) -> Problem:
    """A reason a person can act on, for the csv module's terse errors."""
    if "field larger than field limit" in str(error):
        return problem(SheetProblem.CELL_HUGE, limit=f"{MAX_CELL_CHARS:,}")
    return problem(SheetProblem.CSV_BROKEN, detail=error)


def _read_header(header: list[str], sheet: Sheet) -> dict[str, int]:
    """Column name -> position; raise SheetError for a header we cannot use."""
    names = [cell.strip().casefold() for cell in header]
    if not any(names):
        raise SheetError([RowError(1, problem(sheet.empty_file))])
    if len(names) == 1 and ";" in names[0]:
        raise SheetError([RowError(1, problem(SheetProblem.SEMICOLONS))])
    problems = _header_problems(names, sheet)
    if problems:
        raise SheetError([RowError(1, found) for found in problems])
    return {name: position for position, name in enumerate(names)}


def _header_problems(names: list[str], sheet: Sheet) -> list[Problem]:
    """Missing, unknown and repeated column names in the header."""
    problems = []
    if missing := [name for name in sheet.required if name not in names]:
        problems.append(problem(SheetProblem.MISSING_COLUMNS, columns=", ".join(missing)))
    if unknown := [name or "(empty)" for name in names if name not in sheet.columns]:
        problems.append(problem(SheetProblem.UNKNOWN_COLUMNS, columns=", ".join(unknown)))
    if repeated := sorted({n for n in names if n in sheet.columns and names.count(n) > 1}):
        problems.append(problem(SheetProblem.REPEATED_COLUMNS, columns=", ".join(repeated)))
    return problems


def _read_records(
    rows: Iterator[tuple[int, list[str]]],
    columns: dict[str, int],
    sheet: Sheet,
    read_record: Callable[[Cells], Record | None],
    errors: list[RowError],
) -> list[Record]:
    """Every good record after the header; problems go to `errors`."""
    records: list[Record] = []
    first_line: dict[tuple[str, ...], int] = {}
    count = 0
    for line, cells in rows:
        if not any(cell.strip() for cell in cells):
            continue  # spreadsheets leave blank rows; they carry nothing
        count += 1
        if count > sheet.max_records:
            limit = f"{sheet.max_records:,}"
            errors.append(RowError(line, problem(sheet.too_many_records, limit=limit)))
            break
        if len(cells) != len(columns):
            found = problem(SheetProblem.CELL_COUNT, expected=len(columns), found=len(cells))
            errors.append(RowError(line, found))
            continue
        record = Cells(cells, columns)
        value = read_record(record)
        # Checked even on a bad line, so one round of fixes can clear every problem.
        problems = [*record.problems, *_repeated(line, record, sheet, first_line)]
        errors.extend(RowError(line, found) for found in problems)
        if value is not None and not problems:
            records.append(value)
    return records


def _repeated(
    line: int, record: Cells, sheet: Sheet, first_line: dict[tuple[str, ...], int]
) -> list[Problem]:
    """Record where a name first appears; a problem naming both lines for a repeat."""
    name = record.raw(sheet.unique)
    if not name:
        return []  # an empty name is already reported as such
    # "beras-5" and "BERAS-5" are the same thing to a person.
    key = (*(record.raw(column).casefold() for column in sheet.unique_within), name.casefold())
    if key in first_line:
        first = first_line[key]
        return [problem(SheetProblem.REPEATED, column=sheet.unique, value=repr(name), first=first)]
    first_line[key] = line
    return []


def has_control_character(value: str) -> bool:
    """Whether `value` holds a line break or control character (they break buttons and exports)."""
    return any(unicodedata.category(c) in {"Cc", "Zl", "Zp"} for c in value)


class Cells:
    """One record's cells by column name; problems are collected instead of raised."""

    def __init__(self, cells: list[str], columns: dict[str, int]) -> None:
        """Wrap one record of the right width."""
        self._cells = cells
        self._columns = columns
        self.problems: list[Problem] = []

    def add(self, key: str, **values: object) -> None:
        """Note one problem of this record."""
        self.problems.append(problem(key, **values))

    def raw(self, column: str) -> str:
        """The trimmed cell of `column`, unchecked ("" if the file lacks the column)."""
        position = self._columns.get(column)
        return "" if position is None else self._cells[position].strip()

    def cell(self, column: str) -> str | None:
        """The trimmed cell of `column` ("" if the file lacks it); None if absurdly long."""
        value = self.raw(column)
        if len(value) > MAX_CELL_CHARS:
            self.add(SheetProblem.FAR_TOO_LONG, column=column, length=f"{len(value):,}")
            return None
        return value

    def text(
        self,
        column: str,
        max_chars: int,
        *,
        spaces_allowed: bool = True,
        check: Callable[[str], Problem | None] | None = None,
    ) -> str:
        """A required text cell: non-empty, at most `max_chars`, no control characters."""
        value = self.cell(column)
        if value is None:
            return ""
        if not value:
            self.add(SheetProblem.EMPTY, column=column)
        elif len(value) > max_chars:
            self.add(SheetProblem.TOO_LONG, column=column, limit=max_chars)
        elif has_control_character(value):
            self.add(SheetProblem.CONTROL_CHARACTER, column=column)
        elif not spaces_allowed and any(c.isspace() for c in value):
            self.add(SheetProblem.SPACES, column=column)
        elif check and (found := check(value)):
            self.problems.append(found)
        return value

    def price(self, currency: str) -> Money | None:
        """The price cell in the currency's major unit; must be more than zero."""
        price = self.amount("price", currency, SheetProblem.BAD_PRICE)
        if price is not None and price.minor == 0:
            self.add(SheetProblem.ZERO_PRICE)
        return price

    def amount(
        self, column: str, currency: str, bad: str, *, empty_is_zero: bool = False
    ) -> Money | None:
        """An amount in major units ("15000", "12.50"), or None after noting `bad` and why."""
        text = self.cell(column)
        if text is None:
            return None
        if not text and empty_is_zero:
            return Money.zero(currency)
        try:
            return parse_major(text, currency)
        except MoneyError as error:
            self.add(bad, reason=error)
            return None
