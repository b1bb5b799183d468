"""The flood gate: a burst a person can make, a pace no person keeps up, told once a minute."""

from __future__ import annotations

from bot.domain.flood import FORGET_AFTER_S, NOTICE_EVERY_S, FloodGate, Verdict

SITI, BUDI = 1, 2


def verdicts(gate: FloodGate, user: int, count: int, at: float) -> list[Verdict]:
    return [gate.check(user, at) for _ in range(count)]


def test_a_burst_passes_and_the_next_update_is_refused_with_one_notice() -> None:
    gate = FloodGate(burst=5, per_minute=60)
    assert verdicts(gate, SITI, 5, at=0.0) == [Verdict.ALLOW] * 5
    assert verdicts(gate, SITI, 3, at=0.0) == [
        Verdict.REFUSE_AND_TELL,
        Verdict.REFUSE,
        Verdict.REFUSE,
    ]


def test_one_users_flood_leaves_the_others_alone() -> None:
    gate = FloodGate(burst=2, per_minute=60)
    verdicts(gate, SITI, 10, at=0.0)
    assert verdicts(gate, BUDI, 2, at=0.0) == [Verdict.ALLOW, Verdict.ALLOW]


def test_tokens_come_back_at_the_pace_and_no_more_than_the_burst() -> None:
    gate = FloodGate(burst=3, per_minute=60)  # one a second
    verdicts(gate, SITI, 3, at=0.0)
    assert gate.check(SITI, 0.5) is Verdict.REFUSE_AND_TELL
    assert gate.check(SITI, 1.6) is Verdict.ALLOW  # 1.6 s: one and a bit came back
    assert gate.check(SITI, 1.7) is Verdict.REFUSE
    # A long pause fills the bucket to the burst, not beyond.
    assert verdicts(gate, SITI, 4, at=1000.0) == [Verdict.ALLOW] * 3 + [Verdict.REFUSE_AND_TELL]


def test_a_trickling_flooder_is_told_at_most_once_a_minute() -> None:
    gate = FloodGate(burst=1, per_minute=60)
    told = 0
    for tenth in range(0, 1200):  # two minutes, ten updates a second
        told += gate.check(SITI, tenth / 10) is Verdict.REFUSE_AND_TELL
    assert told == 2
    assert NOTICE_EVERY_S == 60.0


def test_quiet_users_are_forgotten() -> None:
    gate = FloodGate(burst=2, per_minute=60)
    for user in range(1000):
        gate.check(user, 0.0)
    assert len(gate) == 1000
    gate.check(SITI, FORGET_AFTER_S * 2)
    assert len(gate) == 1
