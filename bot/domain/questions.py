"""Questions a villager asks their center's manager, and the messages of each thread."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

# Open questions one villager may have at a center at once: enough to ask about three things,
# not enough to bury the manager's chat (each question is a message to the manager).
MAX_OPEN_QUESTIONS = 3


class QuestionStatus(StrEnum):
    """A thread is open until the manager closes it."""

    OPEN = "open"
    CLOSED = "closed"


class QuestionRefusal(StrEnum):
    """Why a question, a reply or a Close does not apply."""

    NOT_ALLOWED = "not_allowed"  # not the thread's villager, nor its center's manager
    CLOSED = "closed"
    NO_CENTER = "no_center"  # the villager has joined no center yet
    OWN_CENTER = "own_center"  # a manager asking their own center
    TOO_MANY_OPEN = "too_many_open"  # MAX_OPEN_QUESTIONS open at the center already


class Direction(StrEnum):
    """Which way a message of a thread went."""

    TO_MANAGER = "to_manager"
    TO_VILLAGER = "to_villager"


class EntryKind(StrEnum):
    """What a message of a thread is."""

    TEXT = "text"
    PHOTO = "photo"
    VOICE = "voice"


@dataclass(frozen=True)
class Entry:
    """What someone wrote or recorded: plain text (or a caption) and a Telegram file id."""

    kind: EntryKind
    text: str = ""
    file_id: str | None = None


@dataclass(frozen=True)
class Question:
    """A thread between a villager and their center's manager."""

    id: int
    center_id: int
    villager_id: int
    status: QuestionStatus
    created_at: float
    updated_at: float
    closed_at: float | None
    closed_by: int | None

    @property
    def is_open(self) -> bool:
        """Whether either side can still write in this thread."""
        return self.status is QuestionStatus.OPEN


@dataclass(frozen=True)
class QuestionMessage:
    """One message of a thread, as it was relayed."""

    id: int
    question_id: int
    direction: Direction
    sender_id: int
    kind: EntryKind
    text: str
    file_id: str | None
    created_at: float
