"""Catalog search: which product a villager sees first for what they typed."""

import random
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.catalog_csv import parse_catalog_csv
from bot.domain.search import CatalogIndex, SearchItem, normalize
from bot.domain.search_scoring import MIN_SCORE

SAMPLE_CATALOG = Path(__file__).resolve().parents[2] / "bot" / "data" / "sample_catalog.csv"

SHOP = [
    SearchItem(1, "Minyak Goreng 1 liter", "Sembako", ("migor", "lenga")),
    SearchItem(2, "Gula Pasir 1 kg", "Sembako", ("gendis",)),
    SearchItem(3, "Gula Pasir Curah 50 kg", "Sembako", ()),
    SearchItem(4, "Indomie Goreng", "Sembako", ("mie goreng",)),
    SearchItem(5, "Pupuk Urea 50 kg", "Pupuk", ("urea",)),
    SearchItem(6, "Pupuk NPK Phonska 50 kg", "Pupuk", ("phonska",)),
    SearchItem(7, "Kapur Dolomit 25 kg", "Pupuk", ()),
    SearchItem(8, "Beras Medium 5 kg", "Sembako", ("beas",)),
    SearchItem(9, "Benih Padi 5 kg", "Pertanian", ("bibit padi",)),
    SearchItem(10, "Cabai Rawit 100 gram", "Dapur", ("lombok",)),
    SearchItem(11, "Benih Cabai Rawit 10 gram", "Pertanian", ()),
    SearchItem(12, "Garam Beryodium 250 gram", "Dapur", ("uyah",)),
    SearchItem(13, "Bawang Putih 250 gram", "Dapur", ()),
    SearchItem(14, "Bawang Merah 250 gram", "Dapur", ("brambang",)),
    SearchItem(15, "Kopi Bubuk Café 165 gram", "Minuman", ("kopi ireng",)),
    SearchItem(16, "Minyak Goreng 2 liter", "Sembako", ("migor", "lenga")),
]
NAMES = {item.product_id: item.name for item in SHOP}


@pytest.fixture(scope="module")
def shop() -> CatalogIndex:
    return CatalogIndex(SHOP)


def names(index: CatalogIndex, query: str, limit: int = 8) -> list[str]:
    return [NAMES[hit.product_id] for hit in index.search(query, limit)]


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("minyk goreng", "Minyak Goreng 1 liter"),  # typo
        ("minyak gorengg", "Minyak Goreng 1 liter"),
        ("gula pasir", "Gula Pasir 1 kg"),
        ("lenga", "Minyak Goreng 1 liter"),  # Javanese alias
        ("migor", "Minyak Goreng 1 liter"),  # abbreviation alias
        ("indomi", "Indomie Goreng"),  # still typing
        ("indomie goreng", "Indomie Goreng"),
        ("uyah", "Garam Beryodium 250 gram"),
        ("beas", "Beras Medium 5 kg"),
        ("beras 5 kg", "Beras Medium 5 kg"),  # "beras" outweighs the common "5 kg"
        ("minyak goreng 2 liter", "Minyak Goreng 2 liter"),
        ("cafe", "Kopi Bubuk Café 165 gram"),  # accents do not matter
        ("kopi ireng", "Kopi Bubuk Café 165 gram"),
    ],
)
def test_first_hit(shop: CatalogIndex, query: str, first: str) -> None:
    assert names(shop, query)[0] == first


def test_category_lists_every_fertilizer_name_matches_first(shop: CatalogIndex) -> None:
    assert names(shop, "pupuk") == [
        "Pupuk Urea 50 kg",
        "Pupuk NPK Phonska 50 kg",
        "Kapur Dolomit 25 kg",  # only its category says pupuk
    ]


def test_shorter_name_ranks_first(shop: CatalogIndex) -> None:
    assert names(shop, "gula pasir") == ["Gula Pasir 1 kg", "Gula Pasir Curah 50 kg"]


def test_query_word_leading_the_name_ranks_first(shop: CatalogIndex) -> None:
    # Indonesian names lead with the head noun: "cabai" means chilies, not chili seeds.
    assert names(shop, "cabai") == ["Cabai Rawit 100 gram", "Benih Cabai Rawit 10 gram"]


def test_ties_are_broken_by_name(shop: CatalogIndex) -> None:
    assert names(shop, "bawang") == ["Bawang Merah 250 gram", "Bawang Putih 250 gram"]
    assert names(shop, "migor") == ["Minyak Goreng 1 liter", "Minyak Goreng 2 liter"]


def test_ties_between_equal_names_are_broken_by_id() -> None:
    index = CatalogIndex(
        [SearchItem(9, "Sabun Mandi", "Kebersihan"), SearchItem(3, "Sabun Mandi", "")]
    )
    assert [hit.product_id for hit in index.search("sabun")] == [3, 9]


def test_order_does_not_depend_on_input_order(shop: CatalogIndex) -> None:
    shuffled = SHOP[:]
    random.Random(4).shuffle(shuffled)
    other = CatalogIndex(shuffled)
    for query in ("goreng", "250 gram", "pupuk", "gula", "kg"):
        assert other.search(query) == shop.search(query)


@pytest.mark.parametrize("query", ["GULA PASIR", "gula-pasir!!", "  Gúla   Pásir ", "gula, pasir."])
def test_case_accents_and_punctuation_do_not_matter(shop: CatalogIndex, query: str) -> None:
    assert shop.search(query) == shop.search("gula pasir")


def test_digits_glued_to_units_match(shop: CatalogIndex) -> None:
    assert shop.search("beras 5kg") == shop.search("beras 5 kg")


@pytest.mark.parametrize("query", ["zzzqqq", "", "   ", "!!!", "xq", "rokok"])
def test_nonsense_finds_nothing(shop: CatalogIndex, query: str) -> None:
    assert shop.search(query) == []


def test_a_known_word_is_not_read_as_a_typo(shop: CatalogIndex) -> None:
    # "garam" (salt) is one letter from "gram"; a shop selling salt means salt.
    assert names(shop, "garam") == ["Garam Beryodium 250 gram"]


def test_scores_are_best_first_and_within_range(shop: CatalogIndex) -> None:
    hits = shop.search("goreng")
    scores = [hit.score for hit in hits]
    assert scores == sorted(scores, reverse=True)
    assert all(MIN_SCORE <= score <= 100 for score in scores)


def test_exact_full_name_scores_100(shop: CatalogIndex) -> None:
    assert shop.search("Indomie Goreng")[0].score == 100.0


def test_limit(shop: CatalogIndex) -> None:
    assert len(shop.search("kg", limit=3)) == 3
    assert shop.search("kg", limit=0) == []


def test_chinese_names_match_by_character() -> None:
    index = CatalogIndex([SearchItem(1, "Minyak Goreng", "Sembako", ("食用油",))])
    assert [hit.product_id for hit in index.search("食用油")] == [1]


def test_categories_and_products_in_a_category(shop: CatalogIndex) -> None:
    assert shop.categories() == ["Dapur", "Minuman", "Pertanian", "Pupuk", "Sembako"]
    assert shop.in_category("pupuk") == [7, 6, 5]  # by name: Kapur, Pupuk NPK, Pupuk Urea
    assert shop.in_category("Tidak Ada") == []


def test_duplicate_product_ids_are_refused() -> None:
    with pytest.raises(ValueError, match="duplicate product id 1"):
        CatalogIndex([SearchItem(1, "Gula", "Sembako"), SearchItem(1, "Garam", "Dapur")])


def test_empty_catalog_finds_nothing() -> None:
    index = CatalogIndex([])
    assert len(index) == 0
    assert index.search("gula") == []
    assert index.categories() == []


@pytest.mark.parametrize(
    ("text", "normalized"),
    [
        ("Gula Pasir 1kg", "gula pasir 1 kg"),
        ("  Kopi  Bubuk (Café) ", "kopi bubuk cafe"),
        ("Minyak_Goreng-2L", "minyak goreng 2 l"),
        ("食用油 5L", "食 用 油 5 l"),
    ],
)
def test_normalize(text: str, normalized: str) -> None:
    assert normalize(text) == normalized


@given(query=st.text(max_size=300), limit=st.integers(min_value=-1, max_value=20))
def test_any_query_gives_unique_hits_best_first(query: str, limit: int) -> None:
    hits = CatalogIndex(SHOP).search(query, limit)
    assert len(hits) <= max(limit, 0)
    assert len({hit.product_id for hit in hits}) == len(hits)
    assert [hit.score for hit in hits] == sorted((hit.score for hit in hits), reverse=True)


@pytest.fixture(scope="module")
def sample_shop() -> tuple[CatalogIndex, dict[int, str]]:
    rows = parse_catalog_csv(SAMPLE_CATALOG.read_text(encoding="utf-8"), "IDR")
    items = [SearchItem(i, r.name, r.category, r.aliases) for i, r in enumerate(rows, 1)]
    return CatalogIndex(items), {item.product_id: item.name for item in items}


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("endog", "Telur Ayam 1 kg"),  # Javanese: egg
        ("gendis", "Gula Pasir 1 kg"),  # Javanese krama: sugar
        ("uyah", "Garam Beryodium 250 gram"),  # Javanese/Sundanese: salt
        ("beas", "Beras Medium 5 kg"),  # Sundanese: rice
        ("lenga", "Minyak Goreng 1 liter"),  # Javanese: oil
        ("migor", "Minyak Goreng 1 liter"),
        ("pacul", "Cangkul Baja"),  # Javanese: hoe
        ("elpiji", "Gas LPG 3 kg"),
        ("brambang", "Bawang Merah 250 gram"),
        ("odol", "Pasta Gigi 190 gram"),
        ("minyk goreng", "Minyak Goreng 1 liter"),
        ("pupuk urea", "Pupuk Urea 50 kg"),
    ],
)
def test_sample_catalog_local_names(
    sample_shop: tuple[CatalogIndex, dict[int, str]], query: str, first: str
) -> None:
    index, product_names = sample_shop
    assert product_names[index.search(query)[0].product_id] == first
