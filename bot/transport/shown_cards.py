"""What a manager's card message was last redrawn to, by a press or by the outbox.

The press redraws the card at once; the outbox then holds an edit of the same card to the
same content. Sending both would spend one of the chat's messages a second (precious during
a burst of new cards) only to be answered "message is not modified". Whichever comes first
notes what it put on the card here (the outbox before its edit, the press after its own),
and the other skips a redraw that would show exactly that; while a press's edit is on its
way, the outbox holds its edit of that card until the press has noted (or failed). A note
stands until the card is redrawn to something else (a second press on a card already showing
the outcome redraws nothing either), or until the outbox's edit it stands for fails.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

# Notes the sender never asks about (it edited first) are forgotten, oldest first, past this.
MAX_NOTES = 1000

Content = tuple[str, Mapping[str, Any] | None]


class ShownCards:
    """(chat, message) -> the text and buttons a handler just put on that card message."""

    def __init__(self) -> None:
        self._shown: dict[tuple[int, int], Content] = {}
        # Cards a press is redrawing right now: the outbox waits for the outcome.
        self._redrawing: set[tuple[int, int]] = set()

    @contextmanager
    def redrawing(self, chat_id: int, message_id: int) -> Iterator[None]:
        """Mark the card as being redrawn by a press until the block ends (however it ends).

        Without it, the outbox could edit the card to the same content while the press's own
        edit is on its way, and one of the two would be answered "message is not modified".
        """
        key = (chat_id, message_id)
        self._redrawing.add(key)
        try:
            yield
        finally:
            self._redrawing.discard(key)

    def is_redrawing(self, chat_id: int, message_id: int) -> bool:
        """Whether a press is redrawing this card at this moment."""
        return (chat_id, message_id) in self._redrawing

    def note(
        self, chat_id: int, message_id: int, text: str, markup: Mapping[str, Any] | None
    ) -> None:
        """The card message now shows `text` with `markup` (InlineKeyboardMarkup.to_dict())."""
        key = (chat_id, message_id)
        self._shown.pop(key, None)
        self._shown[key] = (text, dict(markup) if markup else None)
        while len(self._shown) > MAX_NOTES:
            del self._shown[next(iter(self._shown))]

    def already_shows(
        self, chat_id: int, message_id: int, text: str, markup: Mapping[str, Any] | None
    ) -> bool:
        """Whether the message shows exactly this, as last noted."""
        shown = self._shown.get((chat_id, message_id))
        return shown is not None and shown == (text, dict(markup) if markup else None)

    def forget(
        self, chat_id: int, message_id: int, text: str, markup: Mapping[str, Any] | None
    ) -> None:
        """Drop the note of this content (an edit noted beforehand did not reach the card)."""
        if self.already_shows(chat_id, message_id, text, markup):
            del self._shown[(chat_id, message_id)]
