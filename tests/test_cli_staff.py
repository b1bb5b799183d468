"""`kiosdesa center add-staff | remove-staff | staff`: the operator sets a center's helpers."""

from __future__ import annotations

from tests.conftest import open_storage
from tests.test_cli import Kiosdesa, add_leping, assert_one_line_failure, kiosdesa

__all__ = ["kiosdesa"]  # the fixture, shared with the CLI's other tests


async def test_operator_adds_lists_and_removes_a_helper(kiosdesa: Kiosdesa) -> None:
    add_leping(kiosdesa)
    assert kiosdesa.ok("center", "staff", "LEPING") == "LEPING has no staff\n"

    assert kiosdesa.ok("center", "add-staff", "leping", "7003") == "7003 now helps at LEPING\n"
    assert kiosdesa.ok("center", "staff", "LEPING") == "7003\t(has not opened the bot yet)\n"
    async with open_storage(kiosdesa.env["DATABASE_URL"]) as store:
        center = await store.centers.by_code("LEPING")
        assert center.staff_ids == {7003}

    again = kiosdesa("center", "add-staff", "LEPING", "7003")
    assert assert_one_line_failure(again) == "kiosdesa: 7003 already helps at LEPING"
    manager = kiosdesa("center", "add-staff", "LEPING", "42")
    assert assert_one_line_failure(manager) == "kiosdesa: 42 manages LEPING; a manager is not staff"

    assert kiosdesa.ok("center", "remove-staff", "LEPING", "7003") == (
        "7003 no longer helps at LEPING\n"
    )
    gone = kiosdesa("center", "remove-staff", "LEPING", "7003")
    assert assert_one_line_failure(gone) == "kiosdesa: 7003 is not on the staff of LEPING"
    async with open_storage(kiosdesa.env["DATABASE_URL"]) as store:
        assert (await store.centers.by_code("LEPING")).staff_ids == frozenset()


def test_staff_of_an_unknown_center_or_a_bad_id_is_refused(kiosdesa: Kiosdesa) -> None:
    add_leping(kiosdesa)
    nowhere = kiosdesa("center", "add-staff", "NOWHERE", "7003")
    assert assert_one_line_failure(nowhere) == "kiosdesa: no center with code NOWHERE"
    negative = kiosdesa("center", "add-staff", "LEPING", "-5")
    assert negative.returncode != 0
    assert kiosdesa.ok("center", "staff", "LEPING") == "LEPING has no staff\n"
