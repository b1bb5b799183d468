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


async def test_a_users_own_center_and_the_ones_they_manage_come_in_one_look(
    store: Storage,
) -> None:
    jati = await store.centers.add_center("jati", "Desa Jati", 500)
    leping = await store.centers.add_center("leping", "Desa Leping", 500)
    wonosari = await store.centers.add_center("wonosari", "Desa Wonosari", 501)

    # The manager of Jati and Leping shops at Wonosari.
    assert await store.centers.of_user(wonosari.id, 500) == (wonosari, [jati, leping])
    # Wonosari's manager shops at their own center.
    assert await store.centers.of_user(wonosari.id, 501) == (wonosari, [wonosari])
    # A villager who has not joined a center yet, and manages none.
    assert await store.centers.of_user(None, 7001) == (None, [])
