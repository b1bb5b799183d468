"""Where the demo writes the conversation: a stream, with emphasis suited to it."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from typing import TextIO

from bot.devtools.demo.render import Style, style_for


class Transcript:
    """Writes lines as they happen; a live prompt can be cleared before and redrawn after."""

    def __init__(self, stream: TextIO, style: Style | None = None) -> None:
        self.stream = stream
        self.style = style if style is not None else style_for(stream)
        # Set by the interactive prompt: called around output that arrives while it waits.
        self.before_write: Callable[[], None] | None = None
        self.after_write: Callable[[], None] | None = None
        # Called once if the reader goes away (`kiosdesa demo --script ... | head`).
        self.on_closed: Callable[[], None] | None = None
        self.closed = False

    def write(self, lines: list[str]) -> None:
        """Print lines now (bot messages arrive while the person may be typing)."""
        if not lines or self.closed:
            return
        try:
            if self.before_write is not None:
                self.before_write()
            self.stream.write("".join(line + "\n" for line in lines))
            self.stream.flush()
            if self.after_write is not None:
                self.after_write()
        except BrokenPipeError:
            self._reader_gone()

    def _reader_gone(self) -> None:
        """Stop writing; point the descriptor at /dev/null so the exit flush cannot fail."""
        self.closed = True
        with contextlib.suppress(AttributeError, OSError, ValueError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self.stream.fileno())
            os.close(devnull)
        if self.on_closed is not None:
            self.on_closed()

    def line(self, text: str) -> None:
        """Print one line."""
        self.write([text])

    def note(self, text: str) -> None:
        """A remark from the demo itself, not from the chat."""
        self.write([self.style.dim(f"-- {text}")])
