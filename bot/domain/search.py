"""Typo-tolerant catalog search: what did the customer mean by "minyk goreng"?

Products are indexed by the words of their name, aliases and category. A query
word matches catalogue words exactly, by prefix (someone still typing) or by edit
similarity (a typo). A product's score (0-100) is the share of the query it
covers, rare words (e.g. "beras") counting more than common ones (e.g. "kg").
A small part of each word's share goes to how well the matched name or alias
fits: short ("Gula Pasir" before "Gula Pasir Curah 50 kg") and led by the word
(Indonesian names put the head noun first: "cabai" means "Cabai Rawit" more
than "Benih Cabai").

This module reads the query; search_index.py builds what it reads from, and
search_scoring.py turns the matched words into scores.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from typing import Final

from rapidfuzz import fuzz, process

from bot.domain.search_index import (
    MemoizedTokenizer,
    SearchItem,
    SetCache,
    distinct_words,
    group_by_category,
    groups_by_token,
    inverse_document_frequencies,
    normalize,
    require_unique_ids,
)
from bot.domain.search_scoring import Group, SearchHit, Term, best_hits, match_value, scored_classes
from bot.domain.search_words import SHOP_WORDS

# The search's public face: the index and the types its methods speak in.
__all__ = ["CatalogIndex", "SearchHit", "SearchItem", "normalize"]

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
# A shop word's usual catalogue word (bot/domain/search_words.py) counts as almost typed.
_SHOP_WORD_SIMILARITY: Final = 0.95
# A query word the catalogue lacks counts this share of an average matched word, so
# "egg ayam" still finds eggs while "kg" alone among strange words finds nothing.
_UNKNOWN_WORD_SHARE: Final = 0.5
# Nobody types more into a search box; longer input is pasted text, cut before work starts.
_MAX_QUERY_CHARS: Final = 200


class CatalogIndex:
    """An in-memory search index over a catalogue, built once and queried often.

    Scoring works on sets of products rather than one product at a time: products
    are split into classes that share a score, with set operations running at C
    speed, so a query matching 20,000 products still answers in milliseconds.
    """

    def __init__(self, items: Iterable[SearchItem]) -> None:
        """Index `items`; product order (name, then id) is what breaks score ties."""
        tokenize = MemoizedTokenizer()
        # Names are nearly all distinct: normalized once here, never cached (memory).
        keyed = [(normalize(item.name), item) for item in items]
        keyed.sort(key=lambda pair: (pair[0], pair[1].name, pair[1].product_id))
        ordered = [item for _, item in keyed]
        require_unique_ids(ordered)
        self._product_ids = [item.product_id for item in ordered]
        names = [name for name, _ in keyed]
        del keyed
        self._groups_by_token = groups_by_token(ordered, names, tokenize)
        del names
        self._vocabulary = sorted(self._groups_by_token)
        self._idf = inverse_document_frequencies(self._groups_by_token, len(ordered))
        self._categories = group_by_category(ordered, tokenize)
        self._sets = SetCache(_SET_CACHE_MEMBERS)

    def __len__(self) -> int:
        """How many products are indexed."""
        return len(self._product_ids)

    def search(self, query: str, limit: int = 8) -> list[SearchHit]:
        """The best matches for `query`, best first; empty when nothing is close."""
        query_tokens = self._joined(distinct_words(normalize(query[:_MAX_QUERY_CHARS])))[
            :_MAX_QUERY_TOKENS
        ]
        if not query_tokens or limit <= 0:
            return []
        matches = [self._similar_tokens(token) for token in query_tokens]
        terms = self._terms(matches, len(query_tokens))
        return best_hits(scored_classes(terms), limit, self._product_ids)

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

    def _terms(self, matches: list[dict[str, float]], query_length: int) -> list[Term]:
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

    def _groups(self, similar: dict[str, float], query_length: int, first: bool) -> list[Group]:
        """Product groups for one query word, best value first."""
        # Sets are made here, for the words of this query only, so scoring runs at C speed.
        valued = [
            (match_value(similarity, occurrence, query_length, first), self._sets.of(products))
            for token, similarity in similar.items()
            for occurrence, products in self._groups_by_token[token]
        ]
        # Best first: scored_classes places each product in the first group holding it.
        valued.sort(key=lambda group: group[0], reverse=True)
        return valued
