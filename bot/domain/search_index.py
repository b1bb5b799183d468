"""The catalogue side of search: each product's words, where they occur, how rare they are.

Built once per catalogue by `CatalogIndex` (bot/domain/search.py). Product texts and
queries are normalized alike; every (word, occurrence) gets a compact posting list of
products, and the sets made from postings are cached for the queries that need them.
"""

from __future__ import annotations

import math
import re
import unicodedata
from array import array
from collections import OrderedDict
from dataclasses import dataclass
from typing import Final

# A product found through its alias or category ranks just below one found by name.
NAME_WEIGHT: Final = 1.0
ALIAS_WEIGHT: Final = 0.95
CATEGORY_WEIGHT: Final = 0.85

# Smaller sets are cheaper to rebuild than to keep track of.
_SET_CACHE_MIN_SIZE: Final = 256

# Chinese is written without spaces, so each ideograph is its own word; letters and
# digits form separate words so "1kg" and "1 kg" match.
_IDEOGRAPHS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_WORD = re.compile(rf"[{_IDEOGRAPHS}]|[^\W\d_{_IDEOGRAPHS}]+|\d+")

# Where a catalogue word occurs: field weight, words in that string, whether it is first.
Occurrence = tuple[float, int, int]
# A catalogue word's products (index positions, ascending), grouped by occurrence. Kept
# as 4-byte arrays, about 15 times smaller than sets: 100,000 products hold a million.
TokenGroups = tuple[tuple[Occurrence, "array[int]"], ...]


@dataclass(frozen=True, slots=True)
class SearchItem:
    """What the search knows about one product."""

    product_id: int
    name: str
    category: str
    aliases: tuple[str, ...] = ()


def normalize(text: str) -> str:
    """Lower-case, strip accents and punctuation, split "1kg" into "1 kg"."""
    folded = text.casefold()
    if not folded.isascii():  # the accent-stripping pass is slow; most names skip it
        decomposed = unicodedata.normalize("NFKD", folded)
        folded = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_WORD.findall(folded))


def distinct_words(normalized: str) -> list[str]:
    """The distinct words of an already normalized text, in order."""
    return list(dict.fromkeys(normalized.split()))


class SetCache:
    """Frozensets of the postings used lately, within a budget of members (LRU)."""

    def __init__(self, budget: int) -> None:
        """Start empty; hold at most `budget` members over all sets."""
        self._budget = budget
        self._members = 0
        # Keyed by the postings' identity: they live as long as the index holding both.
        self._sets: OrderedDict[int, frozenset[int]] = OrderedDict()

    def of(self, postings: array[int]) -> frozenset[int]:
        """The postings as a set, from the cache when there."""
        if len(postings) < _SET_CACHE_MIN_SIZE:
            return frozenset(postings)
        key = id(postings)
        cached = self._sets.get(key)
        if cached is not None:
            self._sets.move_to_end(key)
            return cached
        made = frozenset(postings)
        self._sets[key] = made
        self._members += len(made)
        while self._members > self._budget:
            _, evicted = self._sets.popitem(last=False)
            self._members -= len(evicted)
        return made


class MemoizedTokenizer:
    """Tokenizes while building; aliases and categories repeat across thousands of products."""

    def __init__(self) -> None:
        """Start with empty caches."""
        self._normalized: dict[str, str] = {}
        self._tokens: dict[str, list[str]] = {}
        self._keys_by_text: dict[tuple[str, float], list[int]] = {}
        self._numbers: dict[tuple[str, Occurrence], int] = {}
        self.occurrences: list[tuple[str, Occurrence]] = []

    def normalized(self, text: str) -> str:
        """normalize(text), computed once per distinct text."""
        if text not in self._normalized:
            self._normalized[text] = normalize(text)
        return self._normalized[text]

    def __call__(self, text: str) -> list[str]:
        """The distinct words of `text`, computed once per distinct text."""
        if text not in self._tokens:
            self._tokens[text] = distinct_words(self.normalized(text))
        return self._tokens[text]

    def occurrence_keys(self, text: str, weight: float) -> list[int]:
        """Numbers for each (word, occurrence) of `text`: positions in `occurrences`."""
        # Small integers keep the build loop free of tuple hashing, its slowest part.
        cache_key = (text, weight)
        if cache_key not in self._keys_by_text:
            self._keys_by_text[cache_key] = self._keys(self(text), weight)
        return self._keys_by_text[cache_key]

    def name_keys(self, normalized_name: str) -> list[int]:
        """occurrence_keys of a product name already normalized, remembering nothing of it."""
        return self._keys(distinct_words(normalized_name), NAME_WEIGHT)

    def _keys(self, words: list[str], weight: float) -> list[int]:
        """The numbers of each word's occurrence in a string made of `words`."""
        occurrence = (weight, len(words))
        return [
            self._key((word, (*occurrence, 0 if position == 0 else 1)))
            for position, word in enumerate(words)
        ]

    def _key(self, word_and_occurrence: tuple[str, Occurrence]) -> int:
        """The number of a (word, occurrence), numbering new ones in order."""
        if word_and_occurrence not in self._numbers:
            self._numbers[word_and_occurrence] = len(self.occurrences)
            self.occurrences.append(word_and_occurrence)
        return self._numbers[word_and_occurrence]


def require_unique_ids(items: list[SearchItem]) -> None:
    """Raise ValueError if two items share a product id."""
    seen: set[int] = set()
    for item in items:
        if item.product_id in seen:
            raise ValueError(f"duplicate product id {item.product_id}")
        seen.add(item.product_id)


def groups_by_token(
    items: list[SearchItem], normalized_names: list[str], tokenize: MemoizedTokenizer
) -> dict[str, TokenGroups]:
    """Word -> products containing it, grouped by occurrence (a product may be in several)."""
    postings: list[array[int]] = []
    for index, (item, name) in enumerate(zip(items, normalized_names, strict=True)):
        keys = tokenize.name_keys(name) + tokenize.occurrence_keys(item.category, CATEGORY_WEIGHT)
        for alias in item.aliases:
            keys += tokenize.occurrence_keys(alias, ALIAS_WEIGHT)
        for key in keys:
            if key == len(postings):
                postings.append(array("i"))
            # Two aliases may share a word ("gula putih", "gula aren"): list the product once.
            if not postings[key] or postings[key][-1] != index:
                postings[key].append(index)
    by_token: dict[str, TokenGroups] = {}
    for (token, occurrence), indexes in zip(tokenize.occurrences, postings, strict=True):
        by_token[token] = (*by_token.get(token, ()), (occurrence, indexes))
    return by_token


def inverse_document_frequencies(
    groups: dict[str, TokenGroups], product_count: int
) -> dict[str, float]:
    """Rarity of each word: ln(1 + products / products containing it)."""
    return {
        token: math.log1p(product_count / len(frozenset().union(*(p for _, p in occurrences))))
        for token, occurrences in groups.items()
    }


def group_by_category(
    items: list[SearchItem], tokenize: MemoizedTokenizer
) -> dict[str, tuple[str, list[int]]]:
    """Normalized category -> (display name, product ids in name order)."""
    groups: dict[str, tuple[str, list[int]]] = {}
    for item in items:
        key = tokenize.normalized(item.category)
        display, product_ids = groups.setdefault(key, (item.category, []))
        product_ids.append(item.product_id)
        # Spellings may differ in case only; keep one deterministic display name.
        if item.category < display:
            groups[key] = (item.category, product_ids)
    return groups
