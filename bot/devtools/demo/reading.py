"""Reading what the person types: line editing and history at a terminal, plain lines off one.

At a terminal the standard `readline` module edits the line (arrows, Home/End, Ctrl-R) and
recalls earlier lines with the up arrow; elsewhere (a pipe, a file, Windows) lines are read
as they come. Both keep the prompt below the chat while the bot's messages arrive.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from typing import Any, Protocol, TextIO

from bot.devtools.demo.transcript import Transcript

# A line ending in this goes on in the next one: the message has several lines.
CONTINUED = "\\"
CONTINUATION_PROMPT = "... "


class Reader(Protocol):
    """Where the chat's lines come from."""

    echo: bool  # whether the transcript must repeat each line (a pipe does not show it)

    def start(self) -> None: ...
    def close(self) -> None: ...
    async def readline(self, prompt: str) -> str | None: ...


async def read_message(reader: Reader, prompt: str) -> str | None:
    """One message: a line, and the next ones while a line ends in `\\`; None at the end."""
    line = await reader.readline(prompt)
    lines: list[str] = []
    while line is not None and line.endswith(CONTINUED):
        lines.append(line[: -len(CONTINUED)])
        line = await reader.readline(CONTINUATION_PROMPT)
    if line is None:
        return "\n".join(lines) if lines else None
    return "\n".join([*lines, line])


def reader_for(stream: TextIO, transcript: Transcript) -> Reader:
    """Line editing and history at a terminal where readline exists; plain lines elsewhere."""
    if _isatty(stream) and _isatty(transcript.stream):
        with contextlib.suppress(ImportError):
            import readline  # noqa: F401  (importing it is what gives input() editing)

            return EditingReader(transcript)
    return LineReader(stream, transcript)


class EditingReader:
    """input() with readline in a thread of its own; the loop stays free for the bot."""

    echo = False

    def __init__(self, transcript: Transcript) -> None:
        self.transcript = transcript
        self.prompt = ""
        self.reading = False
        self._terminal: Any = None
        transcript.before_write = self._clear_line
        transcript.after_write = self._redraw_line

    def start(self) -> None:
        """Remember the terminal's settings: a Ctrl-C mid-line must not leave them changed."""
        with contextlib.suppress(ImportError, OSError, ValueError):
            import termios

            self._terminal = termios.tcgetattr(0)

    def close(self) -> None:
        """Give the terminal its settings back (readline changes them while it reads)."""
        if self._terminal is not None:
            with contextlib.suppress(ImportError, OSError, ValueError):
                import termios

                termios.tcsetattr(0, termios.TCSADRAIN, self._terminal)

    async def readline(self, prompt: str) -> str | None:
        """The next line, edited at the terminal; None at Ctrl-D."""
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[str | None] = loop.create_future()

        def deliver(line: str | None) -> None:
            if not answer.done():
                answer.set_result(line)

        def read() -> None:
            try:
                line: str | None = input(_invisible_codes(prompt))
            except (EOFError, OSError, ValueError):
                line = None
            with contextlib.suppress(RuntimeError):  # the loop closed: the demo has ended
                loop.call_soon_threadsafe(deliver, line)

        self.prompt, self.reading = prompt, True
        # A daemon thread: Ctrl-C ends the demo without waiting for a line to be finished.
        threading.Thread(target=read, name="kiosdesa-demo-input", daemon=True).start()
        try:
            return await answer
        finally:
            self.reading = False

    def _clear_line(self) -> None:
        """Output arrives while the person types: wipe the prompt line first."""
        if self.reading:
            self.transcript.stream.write("\r\x1b[K")

    def _redraw_line(self) -> None:
        """Then draw the prompt and what was typed so far again, below the output."""
        if self.reading:
            import readline

            self.transcript.stream.write(self.prompt + readline.get_line_buffer())
            self.transcript.stream.flush()


def _invisible_codes(prompt: str) -> str:
    """Mark the prompt's ANSI codes as taking no room, so readline counts columns right."""
    out, inside = [], False
    for char in prompt:
        if char == "\x1b":
            out.append("\x01")
            inside = True
        out.append(char)
        if inside and char == "m":
            out.append("\x02")
            inside = False
    return "".join(out)


class LineReader:
    """Lines from a pipe or file without a blocked thread, so Ctrl-C can end the demo."""

    def __init__(self, stream: TextIO, transcript: Transcript) -> None:
        self.stream = stream
        self.echo = not _isatty(stream)  # a terminal echoes what is typed; a pipe does not
        self.prompt = _Prompt(transcript, shown=not self.echo)
        self._buffer = b""
        self._eof = False
        self._ready = asyncio.Event()
        self._fd: int | None = None

    def start(self) -> None:
        """Watch the stream's descriptor; pipes and terminals only (POSIX)."""
        with contextlib.suppress(AttributeError, OSError, NotImplementedError, ValueError):
            fd = self.stream.fileno()
            asyncio.get_running_loop().add_reader(fd, self._on_readable, fd)
            self._fd = fd

    def close(self) -> None:
        """Stop watching standard input."""
        self.prompt.hide()
        if self._fd is not None:
            asyncio.get_running_loop().remove_reader(self._fd)
            self._fd = None

    def _on_readable(self, fd: int) -> None:
        """Take what arrived; an empty read is the end of input (Ctrl-D)."""
        data = os.read(fd, 4096)
        self._buffer += data
        if not data:
            self._eof = True
            self.close()
        self._ready.set()

    async def readline(self, prompt: str) -> str | None:
        """The next line without its newline, or None at the end of input."""
        self.prompt.show(prompt)
        try:
            line = await self._next_line()
        finally:
            self.prompt.hide()
        if line is None and self.prompt.shown:
            self.prompt.transcript.line("")  # Ctrl-D leaves the cursor after the prompt
        return line

    async def _next_line(self) -> str | None:
        """The buffered line, waiting for more input as needed."""
        if self._fd is None and not self._eof:
            # Files (which cannot be watched) and Windows: a thread, which never blocks
            # for long on a file.
            text = await asyncio.to_thread(self.stream.readline)
            return text.rstrip("\r\n") if text else None
        while b"\n" not in self._buffer and not self._eof:
            self._ready.clear()
            await self._ready.wait()
        if not self._buffer:
            return None
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line.decode("utf-8", errors="replace").rstrip("\r")


def _isatty(stream: TextIO) -> bool:
    """True for a terminal."""
    with contextlib.suppress(AttributeError, ValueError):
        return stream.isatty()
    return False


class _Prompt:
    """`villager> ` while waiting for input; output arriving meanwhile is printed above it."""

    def __init__(self, transcript: Transcript, *, shown: bool = True) -> None:
        self.transcript = transcript
        self.shown = shown
        self.text = ""
        self.visible = False
        transcript.before_write = self._before
        transcript.after_write = self._after

    def show(self, text: str) -> None:
        """Print the prompt."""
        self.text = text
        self.visible = self.shown
        self._after()

    def hide(self) -> None:
        """The line was read: output no longer has to work around the prompt."""
        self.visible = False

    def _before(self) -> None:
        if self.visible:
            self.transcript.stream.write("\n")

    def _after(self) -> None:
        if self.visible:
            self.transcript.stream.write(self.text)
            self.transcript.stream.flush()
