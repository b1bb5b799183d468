"""Search for what villagers type beyond the catalogue's own words (bench/search_quality.py)."""

import pytest

from bot.domain.search import CatalogIndex, SearchItem

KIOS = [
    SearchItem(1, "Minyak Goreng 1 liter", "Sembako", ("migor",)),
    SearchItem(2, "Gula Pasir 1 kg", "Sembako"),
    SearchItem(3, "Telur Ayam 1 kg", "Sembako"),
    SearchItem(4, "Teh Sariwangi 25 pcs", "Minuman"),
    SearchItem(5, "Sabun Mandi Batang 85 gram", "Kebersihan"),
    SearchItem(6, "Sapu Ijuk", "Rumah Tangga"),
    SearchItem(7, "Bawang Merah 250 gram", "Dapur", ("brambang",)),
    SearchItem(8, "Bawang Merah 1 kg", "Dapur", ("brambang",)),
    SearchItem(9, "Kacang Hijau 500 gram", "Dapur"),
    SearchItem(10, "Pasta Gigi 190 gram", "Kebersihan"),
    SearchItem(11, "Kopi Bubuk 165 gram", "Minuman"),
]
NAMES = {item.product_id: item.name for item in KIOS}


@pytest.fixture(scope="module")
def kios() -> CatalogIndex:
    return CatalogIndex(KIOS)


def first(index: CatalogIndex, query: str) -> str | None:
    hits = index.search(query)
    return NAMES[hits[0].product_id] if hits else None


@pytest.mark.parametrize(
    ("query", "meant"),
    [
        ("sugar", "Gula Pasir 1 kg"),
        ("cooking oil", "Minyak Goreng 1 liter"),
        ("soap", "Sabun Mandi Batang 85 gram"),  # not the broom "sapu", one letter away
        ("coffee", "Kopi Bubuk 165 gram"),
        ("toothpaste", "Pasta Gigi 190 gram"),
    ],
)
def test_english_shop_words_find_the_indonesian_product(
    kios: CatalogIndex, query: str, meant: str
) -> None:
    assert first(kios, query) == meant


@pytest.mark.parametrize(
    ("query", "meant"),
    [
        ("endog pitik", "Telur Ayam 1 kg"),  # Javanese: chicken egg
        ("kacang ijo", "Kacang Hijau 500 gram"),  # Javanese: green
        ("brambang 1 kilo", "Bawang Merah 1 kg"),  # a kilo is a kg
    ],
)
def test_regional_words_find_the_product(kios: CatalogIndex, query: str, meant: str) -> None:
    assert first(kios, query) == meant


def test_a_brand_typed_as_two_words_is_found(kios: CatalogIndex) -> None:
    assert first(kios, "sari wangi") == "Teh Sariwangi 25 pcs"


@pytest.mark.parametrize(
    ("query", "meant"),
    [
        ("egg ayam", "Telur Ayam 1 kg"),  # "egg" unknown word aside, "ayam" decides
        ("pasta gi", "Pasta Gigi 190 gram"),  # still typing a two-letter stub
        ("minyak zaitun", "Minyak Goreng 1 liter"),
    ],
)
def test_one_unknown_word_beside_a_known_one_still_finds(
    kios: CatalogIndex, query: str, meant: str
) -> None:
    assert first(kios, query) == meant


@pytest.mark.parametrize("query", ["rokok", "beli rokok kretek", "mau beli kg", "abc xyz"])
def test_mostly_strange_words_find_nothing(kios: CatalogIndex, query: str) -> None:
    assert kios.search(query) == []


def test_a_word_the_catalogue_knows_is_not_translated() -> None:
    # "tea" is in this catalogue as an alias: it means that product, not every "teh".
    index = CatalogIndex(
        [SearchItem(1, "Es Teh", "Minuman", ("tea",)), SearchItem(2, "Teh Celup", "Minuman")]
    )
    assert [hit.product_id for hit in index.search("tea")] == [1]
