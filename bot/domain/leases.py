"""Leases: which process serves which bot, and how many bots each process should serve."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Lease:
    """A process's holding of one bot: `epoch` grows by one at each new holder, so a send
    checked against it is refused once another process holds the bot (a fencing number)."""

    bot_id: int
    holder: int
    epoch: int
    expires_at: float  # the database's clock, epoch seconds


def fair_share(bots: int, live_processes: int) -> int:
    """How many bots one process serves: the bots spread evenly, rounded up."""
    return math.ceil(bots / max(1, live_processes))


def above_share(held: list[int], share: int) -> list[int]:
    """The bots a process gives back to come down to its share (the newest ids first)."""
    return sorted(held, reverse=True)[: max(0, len(held) - share)]
