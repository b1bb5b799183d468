"""The lease keeper follows the deployment's bots as they change: a bot added is taken at the
next round, a bot removed is stopped and its lease given back (with the recording stand-ins of
test_lease_keeper for the leases table and the bots served)."""

from __future__ import annotations

from bot.domain.leases import Lease
from bot.transport.lease_keeper import LeaseKeeper
from tests.unit.test_lease_keeper import TTL_S, FlakyLeases, Served

DEFAULT, KLATEN = 111, 222


class GivingBack(FlakyLeases):
    """The leases table, remembering which bots were given back."""

    def __init__(self) -> None:
        super().__init__()
        self.given_back: list[int] = []

    async def give_back(self, lease: Lease) -> bool:
        self.given_back.append(lease.bot_id)
        return True


async def test_a_bot_added_is_served_and_a_bot_removed_is_stopped_and_given_back() -> None:
    bots = [DEFAULT]

    async def roster() -> list[int]:
        return list(bots)

    leases, served = GivingBack(), Served()
    keeper = LeaseKeeper(leases, [DEFAULT], served, TTL_S, roster)  # type: ignore[arg-type]
    await keeper.join("host", 1)
    await keeper.tick()
    assert served.bots == {DEFAULT}

    bots.append(KLATEN)  # kiosdesa bot add klaten
    await keeper.tick()
    assert served.bots == {DEFAULT, KLATEN}

    bots.remove(KLATEN)  # kiosdesa bot remove klaten
    await keeper.tick()
    assert served.bots == {DEFAULT}
    assert leases.given_back == [KLATEN]
    assert set(keeper.held) == {DEFAULT}
