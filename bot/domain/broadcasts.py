"""What the broadcasts repository returns: plain values, no database handles."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class BroadcastStatus(StrEnum):
    """Where an announcement is: composed, going out, finished, or dropped before sending."""

    DRAFT = "draft"
    SENDING = "sending"
    DONE = "done"
    CANCELLED = "cancelled"


class DeliveryStatus(StrEnum):
    """What became of the announcement for one villager."""

    PENDING = "pending"
    SENT = "sent"
    BLOCKED = "blocked"
    FAILED = "failed"


@dataclass(frozen=True)
class Broadcast:
    """An announcement: HTML text (a caption when there is a photo) and its progress message."""

    id: int
    center_id: int
    manager_id: int
    text: str
    photo_file_id: str | None
    status: BroadcastStatus
    created_at: float
    finished_at: float | None
    progress_chat_id: int | None
    progress_message_id: int | None


@dataclass(frozen=True)
class Tally:
    """How many deliveries of a broadcast are in each status."""

    sent: int = 0
    blocked: int = 0
    failed: int = 0
    pending: int = 0

    @property
    def total(self) -> int:
        """Everyone the broadcast goes to."""
        return self.sent + self.blocked + self.failed + self.pending

    @property
    def settled(self) -> int:
        """Deliveries that are over, whatever their outcome."""
        return self.sent + self.blocked + self.failed


@dataclass(frozen=True)
class Recipient:
    """A villager still waiting for the announcement, with what picks their language."""

    user_id: int
    language: str | None
    telegram_language: str | None


@dataclass(frozen=True)
class Outcome:
    """What became of one villager's delivery."""

    broadcast_id: int
    user_id: int
    status: DeliveryStatus
