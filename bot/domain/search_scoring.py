"""How matched query words become a product's score (0-100), one class of products at a time.

Each query word brings points (its share of the query) and groups of products holding a
catalogue word it matched, each group with a value (0..1) for how well. Products are kept
in classes sharing a score and split word by word with set operations, at C speed.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from typing import Final

from bot.domain.search_index import Occurrence

MIN_SCORE: Final = 50.0
# Share of a word's points for matching it; the rest rewards a well-fitting string.
MATCH_SHARE: Final = 0.9

# Products sharing one value (0..1) for a query word.
Group = tuple[float, frozenset[int]]
# One query word: its points in the query, and groups of products containing it.
Term = tuple[float, list[Group]]


@dataclass(frozen=True)
class SearchHit:
    """One result: which product, and how well it matched (0-100)."""

    product_id: int
    score: float


def match_value(similarity: float, occurrence: Occurrence, query_length: int, first: bool) -> float:
    """What matching one query word at one occurrence is worth (0..1)."""
    field_weight, string_length, position = occurrence
    brevity = min(1.0, query_length / string_length)
    # The query's first word names the thing wanted, so it should lead the name too.
    leads = 1.0 if position == 0 or not first else 0.0
    fit = (brevity + leads) / 2
    return MATCH_SHARE * similarity * field_weight + (1.0 - MATCH_SHARE) * fit


def scored_classes(terms: list[Term]) -> dict[float, set[int]]:
    """The candidate products grouped by score, after every query word has added its points."""
    classes = {0.0: _candidates(terms)}
    for points, groups in terms:
        classes = _refine(classes, points, groups)
    return classes


def best_hits(
    classes: dict[float, set[int]], limit: int, product_ids: list[int]
) -> list[SearchHit]:
    """The `limit` best products: highest score, then index order (`product_ids` maps it)."""
    by_score: dict[float, set[int]] = {}
    for score, members in classes.items():
        _merge_class(by_score, round(score, 2), members)
    hits: list[SearchHit] = []
    for score in sorted((s for s in by_score if s >= MIN_SCORE), reverse=True):
        for index in heapq.nsmallest(limit - len(hits), by_score[score]):
            hits.append(SearchHit(product_ids[index], score))
        if len(hits) >= limit:
            break
    return hits


def _candidates(terms: list[Term]) -> set[int]:
    """Products that could reach MIN_SCORE: those containing an essential query word.

    Words are set aside cheapest first while, together, they could not lift a
    product to MIN_SCORE; so a product matching only "1 kg" is never scored.
    """
    # Scores are rounded to 2 decimals, so allow for a product rounding up to MIN_SCORE.
    needed = MIN_SCORE - 0.005
    by_reach = sorted(terms, key=_reach)
    set_aside = 0.0
    essential_from = 0
    for position, term in enumerate(by_reach):
        set_aside += _reach(term)
        if set_aside >= needed:
            break
        essential_from = position + 1
    essential = by_reach[essential_from:]
    return set().union(*(products for _, groups in essential for _, products in groups))


def _reach(term: Term) -> float:
    """The most points one query word can add to a product."""
    points, groups = term
    return points * max((value for value, _ in groups), default=0.0)


def _refine(
    classes: dict[float, set[int]], points: float, groups: list[Group]
) -> dict[float, set[int]]:
    """Split each score class by the best group of this query word its products are in."""
    refined: dict[float, set[int]] = {}
    for score, members in classes.items():
        for value, products in groups:
            inside = members & products
            if inside:
                _merge_class(refined, score + points * value, inside)
                members -= inside
        if members:
            _merge_class(refined, score, members)
    return refined


def _merge_class(classes: dict[float, set[int]], score: float, members: set[int]) -> None:
    """Add `members` to the class with `score`."""
    if score in classes:
        classes[score] |= members
    else:
        classes[score] = members
