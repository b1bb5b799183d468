"""Catalog CSV import and export: the format a shop keeper edits in a spreadsheet.

Header: sku,name,category,price,unit,stock,aliases (any order; stock and aliases
may be left out). Prices are in major units ("15000", "12.50"); an empty stock
means "not tracked"; aliases are separated by "|". Read by the sheet reader
(bot.domain.sheet), which names every bad line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from bot.domain.money import Money, to_major_str
from bot.domain.sheet import (
    Cells,
    Problem,
    Sheet,
    SheetProblem,
    has_control_character,
    problem,
    read_sheet,
    write_sheet,
)

# Products listed from villagers' produce offers: their sku is PRD-<offer number>, and they
# change through the offer only, so catalog files neither carry nor set them.
PRODUCE_SKU_PREFIX: Final = "PRD-"
HEADER: Final = ("sku", "name", "category", "price", "unit", "stock", "aliases")
REQUIRED_COLUMNS: Final = ("sku", "name", "category", "price", "unit")
ALIAS_SEPARATOR: Final = "|"

MAX_ROWS: Final = 100_000
MAX_SKU_CHARS: Final = 64
MAX_NAME_CHARS: Final = 200
MAX_CATEGORY_CHARS: Final = 100
MAX_UNIT_CHARS: Final = 30
MAX_ALIAS_CHARS: Final = 100
MAX_STOCK: Final = 1_000_000_000
_WHOLE_NUMBER = re.compile(r"[0-9]+", re.ASCII)


class CatalogProblem(StrEnum):
    """What only a catalog file can get wrong; each value is the locale key of its text."""

    FILE_EMPTY = "catalog.row.file_empty"
    NO_ROWS = "catalog.row.no_rows"
    TOO_MANY_ROWS = "catalog.row.too_many_rows"
    SKU_PRODUCE = "catalog.row.sku_produce"
    BAD_STOCK = "catalog.row.bad_stock"
    HUGE_STOCK = "catalog.row.huge_stock"
    LONG_ALIAS = "catalog.row.long_alias"


SHEET: Final = Sheet(
    columns=HEADER,
    required=REQUIRED_COLUMNS,
    unique="sku",
    unique_within=(),
    max_records=MAX_ROWS,
    empty_file=CatalogProblem.FILE_EMPTY,
    no_records=CatalogProblem.NO_ROWS,
    too_many_records=CatalogProblem.TOO_MANY_ROWS,
)


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


def parse_catalog_csv(text: str, currency: str) -> list[CatalogRow]:
    """Parse a whole catalogue file; raise SheetError listing every bad line."""
    return read_sheet(text, SHEET, lambda cells: _read_product(cells, currency))


def export_catalog_csv(rows: Iterable[CatalogRow]) -> str:
    """Write rows in the import format (encode as "utf-8-sig" for Excel to see UTF-8)."""
    return write_sheet(
        HEADER,
        (
            (
                row.sku,
                row.name,
                row.category,
                to_major_str(row.price),
                row.unit,
                "" if row.stock is None else str(row.stock),
                ALIAS_SEPARATOR.join(row.aliases),
            )
            for row in rows
        ),
    )


def is_produce_sku(sku: str) -> bool:
    """Whether `sku` is of the form kept for products listed from villagers' offers."""
    return sku.casefold().startswith(PRODUCE_SKU_PREFIX.casefold())


def _read_product(cells: Cells, currency: str) -> CatalogRow | None:
    """One product from one record, or None when a cell is unusable (noted in `cells`)."""
    sku = cells.text("sku", MAX_SKU_CHARS, spaces_allowed=False, check=_produce_problem)
    name = cells.text("name", MAX_NAME_CHARS)
    category = cells.text("category", MAX_CATEGORY_CHARS)
    price = cells.price(currency)
    unit = cells.text("unit", MAX_UNIT_CHARS)
    stock = _stock(cells)
    aliases = _aliases(cells)
    if price is None:
        return None
    return CatalogRow(sku, name, category, price, unit, stock, aliases)


def _produce_problem(sku: str) -> Problem | None:
    """Why a sku is kept from catalog files, or None."""
    return problem(CatalogProblem.SKU_PRODUCE) if is_produce_sku(sku) else None


def _stock(cells: Cells) -> int | None:
    """Empty means stock is not tracked; otherwise a whole number, 0 or more."""
    value = cells.cell("stock")
    if not value:  # empty, or absurdly long and already reported
        return None
    if not _WHOLE_NUMBER.fullmatch(value):
        cells.add(CatalogProblem.BAD_STOCK)
        return None
    if int(value) > MAX_STOCK:
        cells.add(CatalogProblem.HUGE_STOCK, limit=f"{MAX_STOCK:,}")
        return None
    return int(value)


def _aliases(cells: Cells) -> tuple[str, ...]:
    """Other names, split on "|", trimmed, without empties or repeats."""
    found: dict[str, str] = {}
    cell = cells.cell("aliases") or ""
    for alias in (part.strip() for part in cell.split(ALIAS_SEPARATOR)):
        if len(alias) > MAX_ALIAS_CHARS:
            cells.add(CatalogProblem.LONG_ALIAS, limit=MAX_ALIAS_CHARS)
        elif has_control_character(alias):
            cells.add(SheetProblem.CONTROL_CHARACTER, column="aliases")
        elif alias:
            found.setdefault(alias.casefold(), alias)
    return tuple(found.values())
