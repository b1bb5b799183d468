"""`kiosdesa demo`: chat with the real bot in the terminal, or replay a script of steps."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import warnings
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TextIO

from telegram.warnings import PTBUserWarning

from bot.devtools.demo.script import DemoError, Step, load_script, parse_action
from bot.devtools.demo.session import DemoSession
from bot.devtools.demo.transcript import Transcript
from bot.devtools.demo.world import DEMO_CENTER_NAME, DEMO_CODE, MANAGER_ID, VILLAGER_ID, Person

# Exit status when Ctrl-C (or SIGTERM) ends a script replay before its last step.
INTERRUPTED = 130
STEP_FAILED = 1

HELP = f"""\
Type what the person would type in Telegram; it is sent to the bot. Also:
  3                 press button 3 of the latest message shown with buttons
  press LABEL       press the button labelled LABEL (or the only one containing it)
  contact           share the phone number (the keyboard's contact button)
  location          share the location (the keyboard's location button, 1.1 km away)
  say TEXT          send TEXT as it is, even if it reads like one of the above
  :villager         play the villager (user {VILLAGER_ID})
  :manager          play the manager of {DEMO_CODE} (user {MANAGER_ID})
  :as USER_ID       play another villager (registered on first use)
  :help             this help
  :quit             leave (Ctrl-D and Ctrl-C too)"""


async def run_demo(
    script: Path | None = None,
    language: str = "en",
    out: TextIO | None = None,
) -> int:
    """Run the demo until the script ends, the person quits, or Ctrl-C; 0 if all went well.

    A ScriptError (unreadable file or bad lines) is raised before anything starts, a
    DemoError if the bot cannot start.
    """
    steps = load_script(script) if script is not None else None
    transcript = Transcript(out if out is not None else sys.stdout)
    session = DemoSession(transcript, language)
    transcript.on_closed = session.stop.set
    with _stop_on_signals(session.stop), warnings.catch_warnings():
        # PTB's advice on the dialogs' per_message setting is for developers, not the demo.
        warnings.filterwarnings("ignore", "If 'per_message=False'", PTBUserWarning)
        async with session:
            if steps is not None:
                transcript.note(f"replaying {script} ({len(steps)} steps)")
                work: Coroutine[Any, Any, int] = replay(session, steps, str(script))
            else:
                work = converse(session, LineReader(sys.stdin))
            result = await _until_stopped(session.stop, work)
    if result is None:
        transcript.write(["", transcript.style.dim("-- stopped")])
        return 0 if steps is None else INTERRUPTED
    return result


@contextlib.contextmanager
def _stop_on_signals(stop: asyncio.Event) -> Iterator[None]:
    """Ctrl-C and SIGTERM set `stop` (the bot's own stop), so everything shuts down in order.

    The bot installs the same handlers once it runs; these cover the start before it.
    """
    loop = asyncio.get_running_loop()
    installed: list[signal.Signals] = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        # Not possible off the main thread or off POSIX: Ctrl-C then raises as usual.
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signum, stop.set)
            installed.append(signum)
    try:
        yield
    finally:
        for signum in installed:
            loop.remove_signal_handler(signum)


async def _until_stopped(stop: asyncio.Event, work: Coroutine[Any, Any, int]) -> int | None:
    """The work's result, or None if `stop` was set first (the work is then cancelled)."""
    task = asyncio.create_task(work)
    stopped = asyncio.create_task(stop.wait())
    await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        stopped.cancel()
        return task.result()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    return None


async def replay(session: DemoSession, steps: list[Step], source: str) -> int:
    """Play every step in order, printing it and the bot's answers; stop at a failed one."""
    for step in steps:
        try:
            person = session.person(step.who)
            session.transcript.write(["", _said(session, person, _typed(step))])
            await session.perform(person, step.action)
        except DemoError as exc:
            session.transcript.note(f"{source}:{step.line}: {exc}")
            return STEP_FAILED
    session.transcript.note("end of script")
    return 0


def _typed(step: Step) -> str:
    """The step as the person would have typed it at the prompt."""
    kind = step.action.kind.value
    if kind in ("contact", "location"):
        return kind
    if kind == "press":
        return f"press {step.action.value}"
    return step.action.value


def _said(session: DemoSession, person: Person, text: str) -> str:
    """A line of the transcript for what a person typed: `villager> /start LEPING`."""
    return session.transcript.style.strong(f"{person.label}> ") + text


class LineReader:
    """Lines from standard input without a blocked thread, so Ctrl-C can end the demo."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.echo = not _isatty(stream)  # a terminal echoes what is typed; a pipe does not
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

    async def readline(self) -> str | None:
        """The next line without its newline, or None at the end of input."""
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


async def converse(session: DemoSession, reader: LineReader) -> int:
    """The interactive chat: read a line, act on it as the current person, repeat."""
    transcript = session.transcript
    _banner(session)
    person = session.person("villager")
    # Piped input is not echoed: each line is printed after the prompt's text instead.
    prompt = _Prompt(transcript, shown=not reader.echo)
    reader.start()
    try:
        while True:
            prompt.show(person)
            line = await reader.readline()
            prompt.hide()
            if line is None:
                if prompt.shown:
                    transcript.line("")  # Ctrl-D leaves the cursor after the prompt
                return 0
            if reader.echo:
                transcript.line(_said(session, person, line))
            command = line.strip()
            if command in (":quit", ":q", ":exit"):
                return 0
            person = await _handle(session, person, command)
    finally:
        reader.close()
        prompt.hide()


async def _handle(session: DemoSession, person: Person, line: str) -> Person:
    """Act on one line; returns who plays next (a `:` command may switch)."""
    transcript = session.transcript
    if not line:
        return person
    try:
        if line.startswith(":"):
            return _command(session, person, line)
        await session.perform(person, parse_action(line))
    except DemoError as exc:
        transcript.note(str(exc))
    return person


def _command(session: DemoSession, person: Person, line: str) -> Person:
    """:villager, :manager, :as USER_ID, :help; DemoError for anything else."""
    name, _, argument = line[1:].partition(" ")
    name, argument = name.lower(), argument.strip()
    if name == "help":
        session.transcript.write(HELP.splitlines())
        return person
    if name in ("villager", "manager") and not argument:
        chosen = session.person(name)
    elif name == "as" and argument.isdigit() and int(argument) > 0:
        chosen = session.person(argument)
    else:
        raise DemoError(f"unknown command {line!r}; :help lists them")
    session.transcript.note(f"now playing: {chosen.label} (user {chosen.user_id})")
    return chosen


def _banner(session: DemoSession) -> None:
    """What this is and how to start."""
    session.transcript.write(
        [
            f"Kios Desa demo: the real bot on a local Telegram emulator, center {DEMO_CODE}",
            f'("{DEMO_CENTER_NAME}") with the sample catalog. The database is a throw-away',
            f"file in {session.workdir}, deleted on exit.",
            f"You are the villager (user {VILLAGER_ID}); `:manager` plays the manager. "
            "`:help` lists commands.",
            f"Start with: /start {DEMO_CODE}",
            "",
        ]
    )


class _Prompt:
    """`villager> ` while waiting for input; output arriving meanwhile is printed above it."""

    def __init__(self, transcript: Transcript, *, shown: bool = True) -> None:
        self.transcript = transcript
        self.shown = shown
        self.text = ""
        self.visible = False
        transcript.before_write = self._before
        transcript.after_write = self._after

    def show(self, person: Person) -> None:
        """Print the prompt for `person`."""
        self.text = self.transcript.style.strong(f"{person.label}> ")
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
