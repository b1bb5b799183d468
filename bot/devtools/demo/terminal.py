"""`kiosdesa demo`: chat with the real bot in the terminal, or replay a script of steps."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import warnings
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any, TextIO

from telegram.warnings import PTBUserWarning

from bot.devtools.demo.acting import ChatActions
from bot.devtools.demo.reading import (
    CONTINUATION_PROMPT,
    CONTINUED,
    Reader,
    read_message,
    reader_for,
)
from bot.devtools.demo.script import ActionKind, DemoError, Step, load_script, parse_action
from bot.devtools.demo.session import DemoSession
from bot.devtools.demo.transcript import Transcript
from bot.devtools.demo.world import DEMO_CENTER_NAME, DEMO_CODE, MANAGER_ID, VILLAGER_ID, Person

# Exit status when Ctrl-C (or SIGTERM) ends a script replay before its last step.
INTERRUPTED = 130
STEP_FAILED = 1

HELP = f"""\
Type what the person would type in Telegram; it is sent to the bot. Also:
  3                 press button 3 of the bot's last message, if it shows buttons; when it
                    asks for text instead (no buttons), 3 is sent as text
  #3                press button 3 of the latest message shown with buttons, always
  line \\           end a line with \\ to go on in the next: one message of several lines
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
    with stop_on_signals(session.stop), warnings.catch_warnings():
        # PTB's advice on the dialogs' per_message setting is for developers, not the demo.
        warnings.filterwarnings("ignore", "If 'per_message=False'", PTBUserWarning)
        async with session:
            if steps is not None:
                transcript.note(f"replaying {script} ({len(steps)} steps)")
                work: Coroutine[Any, Any, int] = replay(session, steps, str(script))
            else:
                _banner(session)
                reader = reader_for(sys.stdin, transcript)
                first = session.person("villager")
                work = converse(session, reader, first, demo_switch(session), HELP)
            result = await until_stopped(session.stop, work)
    if result is None:
        transcript.write(["", transcript.style.dim("-- stopped")])
        return 0 if steps is None else INTERRUPTED
    return result


@contextlib.contextmanager
def stop_on_signals(stop: asyncio.Event) -> Iterator[None]:
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


async def until_stopped(stop: asyncio.Event, work: Coroutine[Any, Any, int]) -> int | None:
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
    kind = step.action.kind
    if kind in (ActionKind.CONTACT, ActionKind.LOCATION):
        return str(kind.value)
    if kind is ActionKind.PRESS:
        return f"press {step.action.value}"
    if kind is ActionKind.BUTTON:
        return f"#{step.action.value}"
    return _as_typed(step.action.value)


def _as_typed(text: str) -> str:
    """A message of several lines as it was typed: each line but the last ends in `\\`."""
    return (CONTINUED + "\n" + CONTINUATION_PROMPT).join(text.split("\n"))


def _said(session: ChatActions, person: Person, text: str) -> str:
    """A line of the transcript for what a person typed: `villager> /start LEPING`."""
    return session.transcript.style.strong(f"{person.label}> ") + text


# Who plays next after a `:` command: (command, argument) -> the person; DemoError if unknown.
Switch = Callable[[str, str], Person]


async def converse(
    session: ChatActions, reader: Reader, person: Person, switch: Switch, help_text: str
) -> int:
    """The interactive chat: read a message, act on it as the current person, repeat."""
    transcript = session.transcript
    reader.start()
    try:
        while True:
            prompt = transcript.style.strong(f"{person.label}> ")
            line = await read_message(reader, prompt)
            if line is None:
                return 0
            if reader.echo:  # piped input is not shown by a terminal: print it
                transcript.line(_said(session, person, _as_typed(line)))
            command = line.strip()
            if command in (":quit", ":q", ":exit"):
                return 0
            person = await _handle(session, person, command, switch, help_text)
    finally:
        reader.close()


async def _handle(
    session: ChatActions, person: Person, line: str, switch: Switch, help_text: str
) -> Person:
    """Act on one line; returns who plays next (a `:` command may switch)."""
    transcript = session.transcript
    if not line:
        return person
    try:
        if line.startswith(":"):
            name, _, argument = line[1:].partition(" ")
            if name.lower() == "help":
                transcript.write(help_text.splitlines())
                return person
            chosen = switch(name.lower(), argument.strip())
            transcript.note(f"now playing: {chosen.label} (user {chosen.user_id})")
            return chosen
        await session.perform(person, parse_action(line))
    except DemoError as exc:
        transcript.note(str(exc))
    return person


def demo_switch(session: DemoSession) -> Switch:
    """:villager, :manager, :as USER_ID."""

    def switch(name: str, argument: str) -> Person:
        if name in ("villager", "manager") and not argument:
            return session.person(name)
        if name == "as" and argument.isdigit() and int(argument) > 0:
            return session.person(argument)
        raise DemoError(f"unknown command ':{name}'; :help lists them")

    return switch


def _banner(session: DemoSession) -> None:
    """What this is and how to start."""
    session.transcript.write(
        [
            f"Kios Desa demo: the real bot on a local Telegram emulator, center {DEMO_CODE}",
            f'("{DEMO_CENTER_NAME}") with the sample catalog. The database is a throw-away',
            f"file in {session.workdir}, deleted on exit.",
            f"You are the villager (user {VILLAGER_ID}); `:manager` plays the manager. "
            "`:help` lists commands.",
            "A number presses that button of the bot's last message when it shows buttons;",
            "when the bot asked for text, the number is sent as text. `#3` always presses",
            "button 3. End a line with \\ to write several lines; the up arrow recalls a line.",
            f"Start with: /start {DEMO_CODE}",
            "",
        ]
    )
