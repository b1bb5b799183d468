"""What the running bot carries in memory (bench/memory_bench.py measures the whole process)."""

import subprocess
import sys

from bot.domain.search import CatalogIndex, SearchHit, SearchItem
from bot.domain.search_scoring import MIN_SCORE


def test_starting_the_bot_does_not_load_the_chart_library() -> None:
    # matplotlib costs about 50 MB; it is loaded when a manager first asks for a chart.
    probe = "import sys, bot.cli; print(sorted({'matplotlib', 'numpy'} & set(sys.modules)))"
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == "[]"


def test_a_large_catalogue_answers_the_same_every_time() -> None:
    # Word postings are compact arrays; the sets made from them are cached and evicted.
    products = [
        SearchItem(n, f"{kind} Merek{n % 97} {n % 5 + 1} kg", "Sembako", ("sembako",))
        for n, kind in enumerate(["Beras Medium", "Gula Pasir", "Minyak Goreng"] * 700, 1)
    ]
    index = CatalogIndex(products)
    first = [index.search(query) for query in ("beras", "gula pasir 2 kg", "kg", "sembako")]
    again = [index.search(query) for query in ("beras", "gula pasir 2 kg", "kg", "sembako")]
    assert first == again
    assert len(first[0]) == 8 and all(hit.score > MIN_SCORE for hit in first[0])
    assert all(product_names(index, products, first[0])[i].startswith("Beras") for i in range(8))


def product_names(
    index: CatalogIndex, products: list[SearchItem], hits: list[SearchHit]
) -> list[str]:
    by_id = {item.product_id: item.name for item in products}
    return [by_id[hit.product_id] for hit in hits]
