"""`kiosdesa center set-credit`: the operator sets what one villager may owe a center."""

from __future__ import annotations

from tests.conftest import open_storage
from tests.test_cli import Kiosdesa, add_leping, assert_one_line_failure, kiosdesa

__all__ = ["kiosdesa"]  # the fixture, used by name


async def limit_of(kiosdesa: Kiosdesa) -> int:
    async with open_storage(kiosdesa.env["DATABASE_URL"]) as store:
        center = await store.centers.by_code("LEPING")
        return await store.tabs.credit_limit(center.id)


async def test_the_operator_sets_and_turns_off_a_centers_credit(kiosdesa: Kiosdesa) -> None:
    add_leping(kiosdesa)
    assert await limit_of(kiosdesa) == 0

    assert kiosdesa.ok("center", "set-credit", "leping", "200rb") == (
        "villagers of LEPING may owe up to IDR200,000 each on credit\n"
    )
    assert await limit_of(kiosdesa) == 200_000
    assert kiosdesa.ok("center", "set-credit", "LEPING", "150000") == (
        "villagers of LEPING may owe up to IDR150,000 each on credit\n"
    )
    assert kiosdesa.ok("center", "set-credit", "LEPING", "off") == "credit is off at LEPING\n"
    assert await limit_of(kiosdesa) == 0
    kiosdesa.ok("center", "set-credit", "LEPING", "50000")
    assert kiosdesa.ok("center", "set-credit", "LEPING", "0") == "credit is off at LEPING\n"


async def test_nonsense_limits_and_unknown_centers_are_refused(kiosdesa: Kiosdesa) -> None:
    add_leping(kiosdesa)
    kiosdesa.ok("center", "set-credit", "LEPING", "100000")

    for nonsense in ("banyak", "-5000", "15.5"):
        failure = assert_one_line_failure(kiosdesa("center", "set-credit", "LEPING", nonsense))
        assert failure.startswith(f"kiosdesa: {nonsense!r} is not a credit limit"), failure
    assert await limit_of(kiosdesa) == 100_000
    missing = kiosdesa("center", "set-credit", "NOWHERE", "5000")
    assert assert_one_line_failure(missing) == "kiosdesa: no center with code NOWHERE"
