"""Service price list CSV: what a center's operator edits in a spreadsheet.

Header: kind,operator,code,name,price,commission (any order; commission may be
left out, and an empty commission is 0). Prices are in major units ("11500",
"30.50"). Read by the sheet reader (bot.domain.sheet), which names every bad line.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from bot.domain.money import Money, to_major_str
from bot.domain.phones import OPERATORS, REGION_BY_CURRENCY
from bot.domain.pipeline import RequestKind
from bot.domain.service_defaults import default_fees, default_topups
from bot.domain.sheet import Cells, Sheet, read_sheet, write_sheet

HEADER: Final = ("kind", "operator", "code", "name", "price", "commission")
REQUIRED_COLUMNS: Final = ("kind", "operator", "code", "name", "price")
# The kinds a center keeps a price list for; the others are priced per request.
# Top-ups have products; bills, tickets and lodging have one row with code "fee".
PRICED_KINDS: Final = (RequestKind.TOPUP, RequestKind.BILL, RequestKind.TICKET, RequestKind.LODGING)
KINDS_WITH_OPERATOR: Final = frozenset({RequestKind.TOPUP})

MAX_ROWS: Final = 10_000
MAX_CODE_CHARS: Final = 64
MAX_NAME_CHARS: Final = 200


class PricesProblem(StrEnum):
    """What only a price list can get wrong; each value is the locale key of its text."""

    FILE_EMPTY = "prices.row.file_empty"
    NO_ROWS = "prices.row.no_rows"
    TOO_MANY_ROWS = "prices.row.too_many_rows"
    KIND_EMPTY = "prices.row.kind_empty"
    KIND_UNPRICED = "prices.row.kind_unpriced"
    KIND_UNKNOWN = "prices.row.kind_unknown"
    OPERATOR_EMPTY = "prices.row.operator_empty"
    OPERATOR_UNKNOWN = "prices.row.operator_unknown"
    BAD_COMMISSION = "prices.row.bad_commission"
    COMMISSION_OVER_PRICE = "prices.row.commission_over_price"


SHEET: Final = Sheet(
    columns=HEADER,
    required=REQUIRED_COLUMNS,
    unique="code",
    unique_within=("kind",),  # a bill's "fee" and a ticket's "fee" are two products
    max_records=MAX_ROWS,
    empty_file=PricesProblem.FILE_EMPTY,
    no_records=PricesProblem.NO_ROWS,
    too_many_records=PricesProblem.TOO_MANY_ROWS,
)


@dataclass(frozen=True)
class PriceRow:
    """One service product as written in the price list file."""

    kind: RequestKind
    operator: str | None
    code: str
    name: str
    price: Money
    commission: Money


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
    """Parse a whole price list file; raise SheetError listing every bad line."""
    operators = operator_codes(currency)
    return read_sheet(text, SHEET, lambda cells: _read_price(cells, currency, operators))


def export_prices_csv(rows: Iterable[PriceRow]) -> str:
    """Write rows in the import format (encode as "utf-8-sig" for Excel to see UTF-8)."""
    return write_sheet(
        HEADER,
        (
            (
                row.kind.value,
                row.operator or "",
                row.code,
                row.name,
                to_major_str(row.price),
                to_major_str(row.commission),
            )
            for row in rows
        ),
    )


def _read_price(cells: Cells, currency: str, operators: tuple[str, ...]) -> PriceRow | None:
    """One service product from one record, or None when a cell is unusable (noted in `cells`)."""
    kind = _kind(cells)
    operator = _operator(cells, kind, operators)
    code = cells.text("code", MAX_CODE_CHARS, spaces_allowed=False)
    name = cells.text("name", MAX_NAME_CHARS)
    price = cells.price(currency)
    commission = cells.amount(
        "commission", currency, PricesProblem.BAD_COMMISSION, empty_is_zero=True
    )
    if price is None or commission is None:
        return None
    if commission.minor > price.minor:
        cells.add(PricesProblem.COMMISSION_OVER_PRICE)
    return None if kind is None else PriceRow(kind, operator, code, name, price, commission)


def _kind(cells: Cells) -> RequestKind | None:
    """A kind the center keeps prices for, or None after noting why not."""
    cell = cells.cell("kind")
    if cell is None:
        return None
    value = cell.casefold()
    if value in {kind.value for kind in PRICED_KINDS}:
        return RequestKind(value)
    kinds = ", ".join(kind.value for kind in PRICED_KINDS)
    if not value:
        cells.add(PricesProblem.KIND_EMPTY, kinds=kinds)
    elif value in {kind.value for kind in RequestKind}:
        cells.add(PricesProblem.KIND_UNPRICED, kind=repr(cell), kinds=kinds)
    else:
        cells.add(PricesProblem.KIND_UNKNOWN, kind=repr(cell), kinds=kinds)
    return None


def _operator(cells: Cells, kind: RequestKind | None, operators: tuple[str, ...]) -> str | None:
    """An operator code of the center's country; required for top-ups."""
    cell = cells.cell("operator")
    if cell is None:
        return None
    value = cell.casefold()
    listed = ", ".join(operators)
    if not value:
        if kind in KINDS_WITH_OPERATOR:
            cells.add(PricesProblem.OPERATOR_EMPTY, kind=kind, operators=listed)
        return None
    if value not in operators:
        cells.add(PricesProblem.OPERATOR_UNKNOWN, operator=repr(cell), operators=listed)
    return value
