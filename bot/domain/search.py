"""Typo-tolerant catalog search: what did the customer mean by "minyk goreng"?

Products are indexed by the words of their name, aliases and category. A query
word matches catalogue words exactly, by prefix (someone still typing) or by edit
similarity (a typo). A product's score (0-100) is the share of the query it
covers, rare words (e.g. "beras") counting more than common ones (e.g. "kg").
A small part of each word's share goes to how well the matched name or alias
fits: short ("Gula Pasir" before "Gula Pasir Curah 50 kg") and led by the word
(Indonesian names put the head noun first: "cabai" means "Cabai Rawit" more
than "Benih Cabai").
"""

from __future__ import annotations

import heapq
import math
import re
import unicodedata
from array import array
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from rapidfuzz import fuzz, process

from bot.domain.search_words import SHOP_WORDS

# A product found through its alias or category ranks just below one found by name.
NAME_WEIGHT: Final = 1.0
ALIAS_WEIGHT: Final = 0.95
CATEGORY_WEIGHT: Final = 0.85

MIN_SCORE: Final = 50.0
# Share of a word's points for matching it; the rest rewards a well-fitting string.
MATCH_SHARE: Final = 0.9

# Below these lengths a one-letter typo changes the word too much to guess safely.
_EXACT_ONLY_MAX_LEN: Final = 2
_FUZZY_MIN_LEN: Final = 4
_FUZZY_MIN_RATIO: Final = 75.0
_PREFIX_SIMILARITY: Final = 0.85
_MAX_PREFIX_EXPANSIONS: Final = 64
_MAX_FUZZY_EXPANSIONS: Final = 10
_MAX_QUERY_TOKENS: Final = 12
# Product sets made from postings are kept for the next queries, up to this many members
# in all (about 20 MB): common words ("kg", a category) are then not rebuilt every time.
_SET_CACHE_MEMBERS: Final = 300_000
# Smaller sets are cheaper to rebuild than to keep track of.
_SET_CACHE_MIN_SIZE: Final = 256
# A shop word's usual catalogue word (bot/search_words.py) counts as almost typed.
_SHOP_WORD_SIMILARITY: Final = 0.95
# A query word the catalogue lacks counts this share of an average matched word, so
# "egg ayam" still finds eggs while "kg" alone among strange words finds nothing.
_UNKNOWN_WORD_SHARE: Final = 0.5
# Nobody types more into a search box; longer input is pasted text, cut before work starts.
_MAX_QUERY_CHARS: Final = 200

# Chinese is written without spaces, so each ideograph is its own word; letters and
# digits form separate words so "1kg" and "1 kg" match.
_IDEOGRAPHS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_WORD = re.compile(rf"[{_IDEOGRAPHS}]|[^\W\d_{_IDEOGRAPHS}]+|\d+")


@dataclass(frozen=True, slots=True)
class SearchItem:
    """What the search knows about one product."""

    product_id: int
    name: str
    category: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class SearchHit:
    """One result: which product, and how well it matched (0-100)."""

    product_id: int
    score: float


def normalize(text: str) -> str:
    """Lower-case, strip accents and punctuation, split "1kg" into "1 kg"."""
    folded = text.casefold()
    if not folded.isascii():  # the accent-stripping pass is slow; most names skip it
        decomposed = unicodedata.normalize("NFKD", folded)
        folded = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_WORD.findall(folded))


def _tokens(text: str) -> list[str]:
    """The distinct normalized words of `text`, in order."""
    return list(dict.fromkeys(normalize(text).split()))


# Products sharing one value (0..1) for a query word.
_Group = tuple[float, frozenset[int]]
# One query word: its points in the query, and groups of products containing it.
_Term = tuple[float, list[_Group]]
# Where a catalogue word occurs: field weight, words in that string, whether it is first.
_Occurrence = tuple[float, int, int]
# A catalogue word's products (index positions, ascending), grouped by occurrence. Kept
# as 4-byte arrays, about 15 times smaller than sets: 100,000 products hold a million.
_TokenGroups = tuple[tuple[_Occurrence, "array[int]"], ...]


class CatalogIndex:
    """An in-memory search index over a catalogue, built once and queried often.

    Scoring works on sets of products rather than one product at a time: products
    are split into classes that share a score, with set operations running at C
    speed, so a query matching 20,000 products still answers in milliseconds.
    """

    def __init__(self, items: Iterable[SearchItem]) -> None:
        """Index `items`; product order (name, then id) is what breaks score ties."""
        tokenize = _MemoizedTokenizer()
        # Names are nearly all distinct: normalized once here, never cached (memory).
        keyed = [(normalize(item.name), item) for item in items]
        keyed.sort(key=lambda pair: (pair[0], pair[1].name, pair[1].product_id))
        ordered = [item for _, item in keyed]
        _require_unique_ids(ordered)
        self._product_ids = [item.product_id for item in ordered]
        names = [name for name, _ in keyed]
        del keyed
        self._groups_by_token = _groups_by_token(ordered, names, tokenize)
        del names
        self._vocabulary = sorted(self._groups_by_token)
        self._idf = _inverse_document_frequencies(self._groups_by_token, len(ordered))
        self._categories = _group_by_category(ordered, tokenize)
        self._sets = _SetCache(_SET_CACHE_MEMBERS)

    def __len__(self) -> int:
        """How many products are indexed."""
        return len(self._product_ids)

    def search(self, query: str, limit: int = 8) -> list[SearchHit]:
        """The best matches for `query`, best first; empty when nothing is close."""
        query_tokens = self._joined(_tokens(query[:_MAX_QUERY_CHARS]))[:_MAX_QUERY_TOKENS]
        if not query_tokens or limit <= 0:
            return []
        matches = [self._similar_tokens(token) for token in query_tokens]
        terms = self._terms(matches, len(query_tokens))
        classes = {0.0: _candidates(terms)}
        for points, groups in terms:
            classes = _refine(classes, points, groups)
        return self._best_hits(classes, limit)

    def categories(self) -> list[str]:
        """Every category name, sorted case-insensitively."""
        return sorted((name for name, _ in self._categories.values()), key=str.casefold)

    def in_category(self, category: str) -> list[int]:
        """Product ids in `category` (any case or accents), sorted by product name."""
        _, product_ids = self._categories.get(normalize(category), ("", []))
        return list(product_ids)

    def _joined(self, query_tokens: list[str]) -> list[str]:
        """Neighbouring words the catalogue writes as one ("sari wangi" -> "sariwangi")."""
        joined: list[str] = []
        for token in query_tokens:
            if joined and joined[-1] + token in self._groups_by_token:
                joined[-1] += token
            else:
                joined.append(token)
        return joined

    def _similar_tokens(self, query_token: str) -> dict[str, float]:
        """Catalogue words meant by `query_token`, with similarity in 0..1."""
        # A word the catalogue knows is taken as typed: "garam" must not also mean "gram".
        if query_token in self._groups_by_token:
            return {query_token: 1.0}
        similar: dict[str, float] = {}
        if len(query_token) >= _FUZZY_MIN_LEN:
            for token, ratio, _ in process.extract(
                query_token,
                self._vocabulary,
                scorer=fuzz.ratio,
                limit=_MAX_FUZZY_EXPANSIONS,
                score_cutoff=_FUZZY_MIN_RATIO,
            ):
                similar[token] = ratio / 100
        for token in SHOP_WORDS.get(query_token, ()):
            if token in self._groups_by_token:
                similar[token] = max(similar.get(token, 0.0), _SHOP_WORD_SIMILARITY)
        if len(query_token) > _EXACT_ONLY_MAX_LEN:
            for token in self._tokens_starting_with(query_token):
                similar[token] = max(similar.get(token, 0.0), _PREFIX_SIMILARITY)
        return similar

    def _tokens_starting_with(self, prefix: str) -> list[str]:
        """Up to a bounded number of catalogue words that extend `prefix`."""
        start = bisect_left(self._vocabulary, prefix)
        found = []
        for token in self._vocabulary[start : start + _MAX_PREFIX_EXPANSIONS]:
            if not token.startswith(prefix):
                break
            found.append(token)
        return found

    def _terms(self, matches: list[dict[str, float]], query_length: int) -> list[_Term]:
        """Each matched query word with its points; all words together are worth 100."""
        weights = [self._query_token_weight(similar) for similar in matches]
        known = [weight for weight in weights if weight is not None]
        if not known:
            return []
        # A word the catalogue lacks still counts, so a mostly strange query finds nothing.
        fallback = _UNKNOWN_WORD_SHARE * sum(known) / len(known)
        points_per_weight = 100 / sum(fallback if w is None else w for w in weights)
        return [
            (weight * points_per_weight, self._groups(similar, query_length, position == 0))
            for position, (weight, similar) in enumerate(zip(weights, matches, strict=True))
            if weight is not None
        ]

    def _query_token_weight(self, similar: dict[str, float]) -> float | None:
        """How informative a query word is: the rarity of its best catalogue match."""
        if not similar:
            return None
        best = max(similar.values())
        return max(self._idf[token] for token, value in similar.items() if value == best)

    def _groups(self, similar: dict[str, float], query_length: int, first: bool) -> list[_Group]:
        """Product groups for one query word, best value first."""
        # Sets are made here, for the words of this query only, so scoring runs at C speed.
        valued = [
            (_value(similarity, occurrence, query_length, first), self._sets.of(products))
            for token, similarity in similar.items()
            for occurrence, products in self._groups_by_token[token]
        ]
        # Best first: _refine places each product in the first group holding it.
        valued.sort(key=lambda group: group[0], reverse=True)
        return valued

    def _best_hits(self, classes: dict[float, set[int]], limit: int) -> list[SearchHit]:
        """The `limit` best products: highest score, then name order (index order)."""
        by_score: dict[float, set[int]] = {}
        for score, members in classes.items():
            _merge_class(by_score, round(score, 2), members)
        hits: list[SearchHit] = []
        for score in sorted((s for s in by_score if s >= MIN_SCORE), reverse=True):
            for index in heapq.nsmallest(limit - len(hits), by_score[score]):
                hits.append(SearchHit(self._product_ids[index], score))
            if len(hits) >= limit:
                break
        return hits


def _value(similarity: float, occurrence: _Occurrence, query_length: int, first: bool) -> float:
    """What matching one query word at one occurrence is worth (0..1)."""
    field_weight, string_length, position = occurrence
    brevity = min(1.0, query_length / string_length)
    # The query's first word names the thing wanted, so it should lead the name too.
    leads = 1.0 if position == 0 or not first else 0.0
    fit = (brevity + leads) / 2
    return MATCH_SHARE * similarity * field_weight + (1.0 - MATCH_SHARE) * fit


def _candidates(terms: list[_Term]) -> set[int]:
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


def _reach(term: _Term) -> float:
    """The most points one query word can add to a product."""
    points, groups = term
    return points * max((value for value, _ in groups), default=0.0)


def _refine(
    classes: dict[float, set[int]], points: float, groups: list[_Group]
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


class _SetCache:
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


class _MemoizedTokenizer:
    """Tokenizes while building; aliases and categories repeat across thousands of products."""

    def __init__(self) -> None:
        """Start with empty caches."""
        self._normalized: dict[str, str] = {}
        self._tokens: dict[str, list[str]] = {}
        self._keys_by_text: dict[tuple[str, float], list[int]] = {}
        self._numbers: dict[tuple[str, _Occurrence], int] = {}
        self.occurrences: list[tuple[str, _Occurrence]] = []

    def normalized(self, text: str) -> str:
        """normalize(text), computed once per distinct text."""
        if text not in self._normalized:
            self._normalized[text] = normalize(text)
        return self._normalized[text]

    def __call__(self, text: str) -> list[str]:
        """The distinct words of `text`, computed once per distinct text."""
        if text not in self._tokens:
            self._tokens[text] = list(dict.fromkeys(self.normalized(text).split()))
        return self._tokens[text]

    def occurrence_keys(self, text: str, weight: float) -> list[int]:
        """Numbers for each (word, occurrence) of `text`: positions in `occurrences`."""
        # Small integers keep the build loop free of tuple hashing, its slowest part.
        cache_key = (text, weight)
        if cache_key not in self._keys_by_text:
            words = self(text)
            self._keys_by_text[cache_key] = [
                self._key((word, (weight, len(words), 0 if position == 0 else 1)))
                for position, word in enumerate(words)
            ]
        return self._keys_by_text[cache_key]

    def name_keys(self, normalized_name: str) -> list[int]:
        """occurrence_keys of a product name already normalized, remembering nothing of it."""
        words = list(dict.fromkeys(normalized_name.split()))
        occurrence = (NAME_WEIGHT, len(words))
        return [
            self._key((word, (*occurrence, 0 if position == 0 else 1)))
            for position, word in enumerate(words)
        ]

    def _key(self, word_and_occurrence: tuple[str, _Occurrence]) -> int:
        """The number of a (word, occurrence), numbering new ones in order."""
        if word_and_occurrence not in self._numbers:
            self._numbers[word_and_occurrence] = len(self.occurrences)
            self.occurrences.append(word_and_occurrence)
        return self._numbers[word_and_occurrence]


def _require_unique_ids(items: list[SearchItem]) -> None:
    """Raise ValueError if two items share a product id."""
    seen: set[int] = set()
    for item in items:
        if item.product_id in seen:
            raise ValueError(f"duplicate product id {item.product_id}")
        seen.add(item.product_id)


def _groups_by_token(
    items: list[SearchItem], normalized_names: list[str], tokenize: _MemoizedTokenizer
) -> dict[str, _TokenGroups]:
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
    by_token: dict[str, _TokenGroups] = {}
    for (token, occurrence), indexes in zip(tokenize.occurrences, postings, strict=True):
        by_token[token] = (*by_token.get(token, ()), (occurrence, indexes))
    return by_token


def _inverse_document_frequencies(
    groups_by_token: dict[str, _TokenGroups], product_count: int
) -> dict[str, float]:
    """Rarity of each word: ln(1 + products / products containing it)."""
    return {
        token: math.log1p(product_count / len(frozenset().union(*(p for _, p in groups))))
        for token, groups in groups_by_token.items()
    }


def _group_by_category(
    items: list[SearchItem], tokenize: _MemoizedTokenizer
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
