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
    for user_id in (500, 501):
        await store.users.seen(user_id, "Joko")
        await store.users.join_center(user_id, wonosari.id)

    # The manager of Jati and Leping shops at Wonosari.
    joko = await store.users.visit(500, "Joko")
    assert (joko.center, joko.managed) == (wonosari, (jati, leping))
    # Wonosari's manager shops at their own center.
    own = await store.users.visit(501, "Joko")
    assert (own.center, own.managed) == (wonosari, (wonosari,))
    # A newcomer who has not joined a center yet, and manages none, is recorded as well.
    newcomer = await store.users.visit(7001, "Siti", telegram_language="id")
    assert (newcomer.center, newcomer.managed) == (None, ())
    assert newcomer.user == await store.users.get(7001)
    assert newcomer.user.telegram_language == "id"
    # A changed name is written; the standing read back carries it.
    renamed = await store.users.visit(500, "Joko", "Susilo")
    assert renamed.user.last_name == "Susilo"
    assert (await store.users.get(500)) == renamed.user
