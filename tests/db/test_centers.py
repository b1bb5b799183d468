"""Center settings the operator changes after creating a center."""

from __future__ import annotations

from storage import Storage


async def test_places_and_quote_time_are_kept_per_center(store: Storage) -> None:
    await store.centers.add_center("leping", "Desa Leping", 500, quote_ttl_s=3600)
    await store.centers.set_places("LEPING", ["Terminal Tirtonadi", "Klaten"])
    other = await store.centers.add_center("jati", "Desa Jati", 501)

    leping = await store.centers.by_code("leping")
    assert leping.places == ("Terminal Tirtonadi", "Klaten")
    assert leping.quote_ttl_s == 3600
    assert (other.places, other.quote_ttl_s) == ((), 86_400)
