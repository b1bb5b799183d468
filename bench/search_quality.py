"""Search quality: is the product a villager meant among the first 3 results?

Runs the 200 queries of bench/data/search_queries.csv (misspellings, abbreviations,
Javanese and Sundanese names, brands, English mixes; see the file's header for how it
was made) over bench/data/village_catalog.csv, alone and mixed into synthetic catalogues
of 1,000 to 100,000 products (bench/search_bench.py), which act as distractors there.

Run: python bench/search_quality.py [--sizes 0 10000 100000] [--misses]
Target: top-3 share >= 0.9 at every size.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from search_bench import PRODUCT_TYPES, synthetic_catalog  # noqa: E402

from bot.domain.catalog_csv import parse_catalog_csv  # noqa: E402
from bot.domain.search import CatalogIndex, SearchItem  # noqa: E402

DATA = ROOT / "bench" / "data"
TARGET = 0.9
TOP = 3
# Synthetic product ids start here, clear of the village catalog's.
SYNTHETIC_FIRST_ID = 1_000_000
# A villager asking for a brand wants that brand, not another of the same kind.
BRAND_KINDS = frozenset({"brand", "brand typo"})


@dataclass(frozen=True)
class QualityQuery:
    """What a villager typed, which products would satisfy them, and the query's kind."""

    text: str
    expected: frozenset[str]
    kind: str


def village_catalog() -> dict[int, tuple[str, SearchItem]]:
    """Product id -> (sku, search item) of the bench catalog."""
    rows = parse_catalog_csv((DATA / "village_catalog.csv").read_text("utf-8"), "IDR")
    return {
        number: (row.sku, SearchItem(number, row.name, row.category, row.aliases))
        for number, row in enumerate(rows, 1)
    }


def product_kind(name: str) -> str | None:
    """The synthetic product type a product name begins with ("Pupuk NPK ..."), if any."""
    for kind in PRODUCT_TYPES:
        if name.startswith(kind.name + " ") or name == kind.name:
            return kind.name
    return None


def load_queries() -> list[QualityQuery]:
    """The query file, comment lines skipped."""
    lines = (DATA / "search_queries.csv").read_text("utf-8").splitlines()
    rows = csv.DictReader(line for line in lines if not line.startswith("#"))
    return [
        QualityQuery(row["query"], frozenset(row["expected"].split("|")), row["class"])
        for row in rows
    ]


@dataclass(frozen=True)
class Quality:
    """Top-3 results for one catalogue size."""

    products: int
    share: float
    by_kind: dict[str, tuple[int, int]]  # kind -> (found, total)
    misses: list[tuple[str, list[str]]]  # query, names shown instead


def measure(extra_products: int, queries: list[QualityQuery], seed: int = 7) -> Quality:
    """Index the village catalog plus `extra_products` synthetic ones and judge each query."""
    village = village_catalog()
    items = [item for _, item in village.values()]
    if extra_products:
        synthetic, _ = synthetic_catalog(extra_products, seed)
        items += [
            SearchItem(SYNTHETIC_FIRST_ID + s.product_id, s.name, s.category, s.aliases)
            for s in synthetic
        ]
    names = {item.product_id: item.name for item in items}
    index = CatalogIndex(items)
    found: Counter[str] = Counter()
    total: Counter[str] = Counter()
    kind_of_sku = {sku: product_kind(item.name) for sku, item in village.values()}
    misses = []
    for query in queries:
        hits = index.search(query.text, limit=TOP)
        shown = [village[h.product_id][0] if h.product_id in village else None for h in hits]
        # Among synthetic distractors, a product of the intended kind is a right answer too.
        wanted_kinds = {kind_of_sku[sku] for sku in query.expected} - {None}
        if query.kind in BRAND_KINDS:
            wanted_kinds = set()
        synthetic_kinds = {
            product_kind(names[h.product_id]) for h in hits if h.product_id not in village
        }
        total[query.kind] += 1
        if set(shown) & query.expected or synthetic_kinds & wanted_kinds:
            found[query.kind] += 1
        else:
            misses.append((query.text, [names[hit.product_id] for hit in hits]))
    by_kind = {kind: (found[kind], total[kind]) for kind in total}
    return Quality(len(items), sum(found.values()) / len(queries), by_kind, misses)


def main() -> int:
    """Print the top-3 share per catalogue size and per query kind."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[0, 10_000, 100_000])
    parser.add_argument("--misses", action="store_true", help="list the queries missed")
    args = parser.parse_args()
    queries = load_queries()
    failed = False
    for extra in args.sizes:
        result = measure(extra, queries)
        verdict = "PASS" if result.share >= TARGET else "FAIL"
        failed |= result.share < TARGET
        kinds = "  ".join(f"{k} {f}/{t}" for k, (f, t) in sorted(result.by_kind.items()))
        print(f"products={result.products:>7,} top{TOP}={result.share:.3f} {verdict}  {kinds}")
        if args.misses:
            for text, shown in result.misses:
                print(f"    miss {text!r}: {shown}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
