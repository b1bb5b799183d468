"""A center's staff in the database: added and removed once, read with the center that
authorizes a press and with the helper's standing, on SQLite and PostgreSQL."""

from __future__ import annotations

from bot.domain.entities import ServiceRequest
from bot.domain.money import Money
from bot.domain.pipeline import RequestKind, RequestStatus, Role
from bot.services.acting import role_of
from bot.services.handover import hand_over
from storage import Storage


def request_at(center_id: int, villager_id: int = 7001) -> ServiceRequest:
    """A submitted request of this center (as role_of reads it)."""
    return ServiceRequest(
        id=1, center_id=center_id, villager_id=villager_id, kind=RequestKind.GOODS,
        status=RequestStatus.SUBMITTED, total=Money(1000, "IDR"), fulfilment=None, lat=None,
        lon=None, distance_m=None, note=None, details={}, reason=None, manager_chat_id=None,
        manager_message_id=None, created_at=0.0, updated_at=0.0,
    )  # fmt: skip


async def test_helpers_are_added_once_and_play_the_manager_at_their_center_only(
    store: Storage,
) -> None:
    leping = await store.centers.add_center("leping", "Desa Leping", 500)
    jati = await store.centers.add_center("jati", "Desa Jati", 501)
    await store.users.seen(600, "Sari")

    assert await store.staff.add(leping.id, 600, 500)
    assert not await store.staff.add(leping.id, 600, 500)  # once
    assert await store.staff.add(leping.id, 601, 500)  # has not opened the bot yet
    members = await store.staff.members(leping.id)
    assert [(m.user_id, m.name) for m in members] == [(600, "Sari"), (601, None)]
    people = await store.staff.desk_people(leping)
    assert (people.manager, [u.id for u in people.helpers]) == (None, [600])  # 500 never wrote

    leping = await store.centers.get(leping.id)
    assert leping.staff_ids == {600, 601}
    assert (await store.centers.by_code("LEPING")).staff_ids == {600, 601}
    assert role_of(600, request_at(leping.id), leping) is Role.MANAGER
    jati = await store.centers.get(jati.id)
    assert role_of(600, request_at(jati.id), jati) is None
    # A Leping helper gets nothing from a Jati request even when handed Leping's center.
    assert role_of(600, request_at(jati.id), leping) is None

    standing = await store.users.visit(600, "Sari")
    assert (standing.managed, [c.code for c in standing.staffed]) == ((), ["LEPING"])
    await store.users.seen(500, "Joko")
    assert (await store.staff.desk_people(leping)).manager_desks == 1

    assert await store.staff.remove(leping.id, 600)
    assert not await store.staff.remove(leping.id, 600)
    assert (await store.centers.get(leping.id)).staff_ids == {601}
    assert (await store.users.visit(600, "Sari")).staffed == ()


async def test_a_helper_who_takes_the_center_over_is_its_manager_not_its_staff(
    store: Storage,
) -> None:
    leping = await store.centers.add_center("leping", "Desa Leping", 500)
    await store.users.seen(600, "Sari")
    await store.staff.add(leping.id, 600, 500)
    await store.staff.add(leping.id, 601, 500)

    await hand_over(store, "LEPING", 600)

    after = await store.centers.get(leping.id)
    assert (after.manager_id, after.staff_ids) == (600, {601})
    standing = await store.users.visit(600, "Sari")
    assert ([c.code for c in standing.managed], standing.staffed) == (["LEPING"], ())


async def test_the_desk_a_manager_of_several_centers_chose_is_kept(store: Storage) -> None:
    await store.centers.add_center("jati", "Desa Jati", 500)
    leping = await store.centers.add_center("leping", "Desa Leping", 500)
    before = await store.staff.desk_people(leping)  # he has not written to the bot yet
    assert (before.manager, before.manager_desks) == (None, 2)
    await store.users.seen(500, "Joko")
    assert (await store.staff.desk_people(leping)).manager_desks == 2
    # A helper of a third center works on three.
    wonosari = await store.centers.add_center("wonosari", "Desa Wonosari", 501)
    await store.staff.add(wonosari.id, 500, 501)
    people = await store.staff.desk_people(leping)
    assert (people.manager and people.manager.id, people.manager_desks) == (500, 3)

    await store.users.set_desk_center(500, leping.id)

    assert (await store.users.visit(500, "Joko")).user.desk_center_id == leping.id
