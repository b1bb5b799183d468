"""How many bots each live process serves: the bots spread evenly, rounded up."""

from bot.domain.leases import above_share, fair_share


def test_bots_spread_evenly_over_the_live_processes_rounded_up() -> None:
    assert fair_share(2, 2) == 1
    assert fair_share(3, 2) == 2
    assert fair_share(30, 3) == 10
    assert fair_share(5, 1) == 5
    assert fair_share(1, 3) == 1
    assert fair_share(4, 0) == 4  # no heartbeat seen yet: this process alone


def test_a_process_above_its_share_gives_back_only_the_surplus() -> None:
    assert above_share([111, 222, 333], 2) == [333]
    assert above_share([111, 222], 2) == []
    assert above_share([111], 0) == [111]
