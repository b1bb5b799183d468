"""Service price list CSV: what a center's operator edits in a spreadsheet.

Header: kind,operator,code,name,price,commission (any order; commission may be
left out, and an empty commission is 0). Prices are in major units ("11500",
"30.50"). Line numbers in errors are the row numbers a spreadsheet shows: the
header is line 1. Any bad line means nothing is imported.
"""

from __future__ import annotations

import csv
import io
import itertools
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Final

from bot.domain.catalog_csv import RowError
from bot.domain.money import Money, MoneyError, parse_major, to_major_str
from bot.domain.phones import OPERATORS, REGION_BY_CURRENCY
from bot.domain.pipeline import RequestKind
from bot.domain.service_defaults import default_fees, default_topups

HEADER: Final = ("kind", "operator", "code", "name", "price", "commission")
REQUIRED_COLUMNS: Final = ("kind", "operator", "code", "name", "price")
# The kinds a center keeps a price list for; the others are priced per request.
# Top-ups have products; bills, tickets and lodging have one row with code "fee".
PRICED_KINDS: Final = (RequestKind.TOPUP, RequestKind.BILL, RequestKind.TICKET, RequestKind.LODGING)
KINDS_WITH_OPERATOR: Final = frozenset({RequestKind.TOPUP})

MAX_ROWS: Final = 10_000
# Longer than any real cell; past it the file is broken or hostile, not a price list.
MAX_CELL_CHARS: Final = 1_000
MAX_CODE_CHARS: Final = 64
MAX_NAME_CHARS: Final = 200
_ERRORS_IN_MESSAGE: Final = 10


@dataclass(frozen=True)
class PriceRow:
    """One service product as written in the price list file."""

    kind: RequestKind
    operator: str | None
    code: str
    name: str
    price: Money
    commission: Money


class PricesCsvError(ValueError):
    """The file cannot be imported; `errors` lists every problem found."""

    def __init__(self, errors: list[RowError]) -> None:
        """Keep every error; the message shows the first few."""
        self.errors = errors
        shown = "; ".join(f"line {e.line}: {e.message}" for e in errors[:_ERRORS_IN_MESSAGE])
        more = len(errors) - _ERRORS_IN_MESSAGE
        super().__init__(shown + (f"; and {more} more" if more > 0 else ""))


def operator_codes(currency: str) -> tuple[str, ...]:
    """The operator codes a center pricing in `currency` may list."""
    region = REGION_BY_CURRENCY.get(currency)
    if region is None:
        raise ValueError(f"unsupported currency: {currency!r}")
    return tuple(operator.code for operator in OPERATORS[region])


def in_list_order(rows: Iterable[PriceRow], currency: str) -> list[PriceRow]:
    """Rows as a price list reads: by kind, operator (in OPERATORS order), price, code."""
    rank = {code: position for position, code in enumerate(operator_codes(currency))}
    return sorted(
        rows,
        key=lambda row: (
            row.kind.value,
            rank.get(row.operator or "", len(rank)),
            row.price.minor,
            row.code.casefold(),
        ),
    )


def default_price_rows(currency: str) -> list[PriceRow]:
    """The default top-up list of a new center, as storage seeds it, in list order."""
    rows = [
        PriceRow(
            kind=RequestKind.TOPUP,
            operator=operator,
            # The same code storage.services.ServicePrices.ensure_defaults stores.
            code=f"{operator}-{product.code}",
            name=product.name,
            price=Money(product.price_minor, currency),
            commission=Money(product.commission_minor, currency),
        )
        for operator, product in default_topups(currency)
    ]
    rows += [
        PriceRow(
            kind=RequestKind(kind),
            operator=None,
            code=product.code,
            name=product.name,
            price=Money(product.price_minor, currency),
            commission=Money(product.commission_minor, currency),
        )
        for kind, product in default_fees(currency)
    ]
    return in_list_order(rows, currency)


def parse_prices_csv(text: str, currency: str) -> list[PriceRow]:
    """Parse a whole price list file; raise PricesCsvError listing every bad line."""
    operators = operator_codes(currency)
    errors: list[RowError] = []
    records = _records(text.removeprefix("\ufeff"), errors)
    _, header = next(records, (1, []))
    if errors:  # the header itself was not valid CSV
        raise PricesCsvError(errors)
    columns = _read_header(header)
    rows = _parse_rows(records, columns, _Rules(currency, operators), errors)
    if not rows and not errors:
        errors.append(RowError(1, "no prices: the file has a header but no rows"))
    if errors:
        raise PricesCsvError(sorted(errors, key=lambda error: error.line))
    return rows


def export_prices_csv(rows: Iterable[PriceRow]) -> str:
    """Write rows in the import format (encode as "utf-8-sig" for Excel to see UTF-8)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    for row in rows:
        price, commission = to_major_str(row.price), to_major_str(row.commission)
        writer.writerow((row.kind.value, row.operator or "", row.code, row.name, price, commission))
    return buffer.getvalue()


@dataclass(frozen=True)
class _Rules:
    """What a cell is checked against: the center's currency and its operators."""

    currency: str
    operators: tuple[str, ...]


def _records(text: str, errors: list[RowError]) -> Iterator[tuple[int, list[str]]]:
    """(spreadsheet line, cells) per record; stops with an error at a broken record."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    for line in itertools.count(1):
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            errors.append(
                RowError(line, f"not valid CSV here ({error}); check for an unclosed quote")
            )
            return
        yield line, cells


def _read_header(header: list[str]) -> dict[str, int]:
    """Column name -> position; raise PricesCsvError for a header we cannot use."""
    names = [cell.strip().casefold() for cell in header]
    if not any(names):
        raise PricesCsvError([RowError(1, "no prices: the file is empty")])
    if len(names) == 1 and ";" in names[0]:
        raise PricesCsvError([RowError(1, "columns must be separated by commas, not semicolons")])
    problems = []
    if missing := [name for name in REQUIRED_COLUMNS if name not in names]:
        problems.append("missing columns: " + ", ".join(missing))
    if unknown := [name or "(empty)" for name in names if name not in HEADER]:
        problems.append("unknown columns: " + ", ".join(unknown))
    if repeated := sorted({name for name in names if name in HEADER and names.count(name) > 1}):
        problems.append("repeated columns: " + ", ".join(repeated))
    if problems:
        raise PricesCsvError([RowError(1, problem) for problem in problems])
    return {name: position for position, name in enumerate(names)}


def _parse_rows(
    records: Iterator[tuple[int, list[str]]],
    columns: dict[str, int],
    rules: _Rules,
    errors: list[RowError],
) -> list[PriceRow]:
    """Every good price line after the header; problems go to `errors`."""
    rows: list[PriceRow] = []
    first_line_of_code: dict[tuple[str, str], int] = {}
    price_lines = 0
    for line, cells in records:
        if not any(cell.strip() for cell in cells):
            continue  # spreadsheets leave blank rows; they carry nothing
        price_lines += 1
        if price_lines > MAX_ROWS:
            errors.append(RowError(line, f"too many rows: at most {MAX_ROWS:,} prices per file"))
            break
        if len(cells) != len(columns):
            errors.append(RowError(line, f"expected {len(columns)} cells, found {len(cells)}"))
            continue
        row, problems = _Line(cells, columns, rules).read()
        # Checked even on a bad line, so one round of fixes can clear every problem.
        repeat = _repeated_code(line, cells, columns, first_line_of_code)
        errors.extend(RowError(line, problem) for problem in [*problems, *repeat])
        if row is not None and not repeat:
            rows.append(row)
    return rows


def _repeated_code(
    line: int, cells: list[str], columns: dict[str, int], first_line: dict[tuple[str, str], int]
) -> list[str]:
    """Record where a (kind, code) first appears; a problem naming both lines for a repeat."""
    kind = cells[columns["kind"]].strip().casefold()
    code = cells[columns["code"]].strip()
    if not code:
        return []  # an empty code is already reported as such
    # "telkomsel-P10" and "TELKOMSEL-p10" are the same product to a person.
    key = (kind, code.casefold())
    if key in first_line:
        return [f"code {code!r} is already used on line {first_line[key]}"]
    first_line[key] = line
    return []


def _has_control_character(value: str) -> bool:
    """Line breaks and control characters break chat buttons and later exports."""
    return any(unicodedata.category(c) in {"Cc", "Zl", "Zp"} for c in value)


class _Line:
    """Reads one record's cells by column name, collecting problems instead of raising."""

    def __init__(self, cells: list[str], columns: dict[str, int], rules: _Rules) -> None:
        """Wrap one record of the right width."""
        self._cells = cells
        self._columns = columns
        self._rules = rules
        self._problems: list[str] = []

    def read(self) -> tuple[PriceRow | None, list[str]]:
        """The row, or None; and every problem found on the line."""
        kind = self._kind()
        operator = self._operator(kind)
        code = self._text("code", MAX_CODE_CHARS, spaces_allowed=False)
        name = self._text("name", MAX_NAME_CHARS, spaces_allowed=True)
        price = self._money("price", required=True)
        commission = self._money("commission", required=False)
        if price is not None and commission is not None and commission.minor > price.minor:
            self._problems.append("commission is more than the price")
        if kind is None or price is None or commission is None or self._problems:
            return None, self._problems
        return PriceRow(kind, operator, code, name, price, commission), self._problems

    def _cell(self, column: str) -> str | None:
        """The trimmed cell of `column` ("" if the file lacks it); None if absurdly long."""
        position = self._columns.get(column)
        value = "" if position is None else self._cells[position].strip()
        if len(value) > MAX_CELL_CHARS:
            self._problems.append(f"{column} is far too long ({len(value):,} characters)")
            return None
        return value

    def _kind(self) -> RequestKind | None:
        """A kind the center keeps prices for, or None after noting why not."""
        cell = self._cell("kind")
        if cell is None:
            return None
        value = cell.casefold()
        allowed = ", ".join(kind.value for kind in PRICED_KINDS)
        if value in {kind.value for kind in PRICED_KINDS}:
            return RequestKind(value)
        if not value:
            self._problems.append(f"kind is empty (use {allowed})")
        elif value in {kind.value for kind in RequestKind}:
            self._problems.append(f"kind {cell!r} has no price list (use {allowed})")
        else:
            self._problems.append(f"kind {cell!r} is unknown (use {allowed})")
        return None

    def _operator(self, kind: RequestKind | None) -> str | None:
        """An operator code of the center's country; required for top-ups."""
        cell = self._cell("operator")
        if cell is None:
            return None
        value = cell.casefold()
        listed = ", ".join(self._rules.operators)
        if not value:
            if kind in KINDS_WITH_OPERATOR:
                self._problems.append(f"operator is empty (a {kind} needs one of: {listed})")
            return None
        if value not in self._rules.operators:
            self._problems.append(f"operator {cell!r} is not one of: {listed}")
        return value

    def _text(self, column: str, max_chars: int, *, spaces_allowed: bool) -> str:
        """A required text cell: non-empty, at most `max_chars`, no control characters."""
        value = self._cell(column)
        if value is None:
            return ""
        if not value:
            self._problems.append(f"{column} is empty")
        elif len(value) > max_chars:
            self._problems.append(f"{column} is longer than {max_chars} characters")
        elif _has_control_character(value):
            self._problems.append(f"{column} contains a line break or control character")
        elif not spaces_allowed and any(c.isspace() for c in value):
            self._problems.append(f"{column} must not contain spaces")
        return value

    def _money(self, column: str, *, required: bool) -> Money | None:
        """An amount in major units; the price must be more than 0, an empty fee is 0."""
        text = self._cell(column)
        if text is None:
            return None
        if not text and not required:
            return Money.zero(self._rules.currency)
        try:
            amount = parse_major(text, self._rules.currency)
        except MoneyError as error:
            self._problems.append(f"{column}: {error}")
            return None
        if required and amount.minor == 0:
            self._problems.append(f"{column} must be more than 0")
        return amount
