"""What a person does in the demo: one action per line, typed live or replayed from a file.

A script line is `who: action`, where `who` is `villager`, `manager` or a Telegram user id,
and the action is what they would type at the interactive prompt:

- `press LABEL`: press the inline button labelled LABEL (the newest one shown with it);
  a label written in English is found in the person's language too, so one script plays
  in every locale;
- a number such as `3`: press button 3 of the bot's last message when that message offers
  buttons; when it asks for text (no buttons, or a reply field), the number is sent as text;
- `#3`: always press button 3 of the latest message shown with buttons;
- `contact` / `location`: tap the reply keyboard's button that shares them;
- `say TEXT`: send TEXT as it is (for text that would read as one of the above);
- anything else: send it as a message (`/start LEPING`, `minyk goreng`).

A line ending in `\\` continues on the next line: the message has several lines (passenger
names, one a line). Blank lines and lines starting with `#` are ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

ROLES = ("villager", "manager")
# Numbers are buttons only up to this many; a longer number is sent as text (a quantity, a
# phone number).
MAX_BUTTON_NUMBER = 99
_BUTTON = re.compile(r"^#\s*(\d{1,2})$")
# A line ending in this joins the next one to the same message.
CONTINUED = "\\"
_WHO = re.compile(r"^\s*(?P<who>[A-Za-z]+|\d+)\s*:\s*(?P<what>.*?)\s*$", re.DOTALL)


class ActionKind(Enum):
    """The kinds of things a person can do in a chat."""

    TEXT = "text"
    PRESS = "press"
    NUMBER = "number"  # a bare number: a button, or text when the bot asked for text
    BUTTON = "button"  # `#3`: always a button
    CONTACT = "contact"
    LOCATION = "location"


@dataclass(frozen=True)
class Action:
    """One thing a person does: its kind and its text (label, number or message)."""

    kind: ActionKind
    value: str = ""


@dataclass(frozen=True)
class Step:
    """One script line: who acts, what they do, and where it was written."""

    line: int
    who: str
    action: Action


class ScriptError(Exception):
    """A script that cannot be replayed; the message names every bad line."""


class DemoError(Exception):
    """A step that cannot be done as written (no such button, the bot stopped, ...)."""


def parse_action(text: str) -> Action:
    """Turn what a person typed into an Action (see the module docstring)."""
    stripped = text.strip()
    lowered = stripped.lower()
    if "\n" in stripped:  # several lines are always a message
        return Action(ActionKind.TEXT, stripped[4:] if lowered.startswith("say ") else stripped)
    button = _BUTTON.match(stripped)
    if button is not None and 0 < int(button[1]) <= MAX_BUTTON_NUMBER:
        return Action(ActionKind.BUTTON, str(int(button[1])))
    if lowered.startswith("press ") and stripped[6:].strip():
        return Action(ActionKind.PRESS, stripped[6:].strip())
    if lowered.startswith("say ") and stripped[4:].strip():
        return Action(ActionKind.TEXT, stripped[4:].strip())
    if stripped.isdigit() and 0 < int(stripped) <= MAX_BUTTON_NUMBER:
        return Action(ActionKind.NUMBER, str(int(stripped)))
    if lowered == "contact":
        return Action(ActionKind.CONTACT)
    if lowered == "location":
        return Action(ActionKind.LOCATION)
    return Action(ActionKind.TEXT, stripped)


def parse_who(who: str) -> str | None:
    """A role name in lower case or a user id; None if it is neither."""
    lowered = who.lower()
    if lowered in ROLES or (who.isdigit() and int(who) > 0):
        return lowered
    return None


def parse_script(text: str, source: str = "<script>") -> list[Step]:
    """Every step of a script; ScriptError listing all bad lines if any."""
    steps: list[Step] = []
    problems: list[str] = []
    for number, line in joined_lines(text.splitlines()):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        step, problem = _parse_line(number, line)
        if step is not None:
            steps.append(step)
        else:
            problems.append(f"{source}:{number}: {problem}")
    if problems:
        raise ScriptError("\n".join(problems))
    return steps


def joined_lines(lines: list[str]) -> list[tuple[int, str]]:
    """Lines with their numbers; one ending in `\\` takes the next as its own next line."""
    joined: list[tuple[int, str]] = []
    pending: tuple[int, str] | None = None
    for number, line in enumerate(lines, start=1):
        if pending is not None:
            number, line = pending[0], pending[1] + "\n" + line
        if line.endswith(CONTINUED):
            pending = (number, line[: -len(CONTINUED)])
            continue
        pending = None
        joined.append((number, line))
    if pending is not None:
        joined.append(pending)
    return joined


def _parse_line(number: int, line: str) -> tuple[Step | None, str]:
    """One step, or None and the reason the line is not one."""
    match = _WHO.match(line)
    if match is None:
        return None, "expected 'who: what they type or press', e.g. 'villager: /start LEPING'"
    who = parse_who(match["who"])
    if who is None:
        return None, f"unknown person {match['who']!r}: use villager, manager or a user id"
    if not match["what"]:
        return None, "nothing to type or press after the colon"
    return Step(number, who, parse_action(match["what"])), ""


def load_script(path: Path) -> list[Step]:
    """Read and parse a script file; ScriptError if it is unreadable or has bad lines."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScriptError(f"cannot read {path}: {exc}") from exc
    return parse_script(text, str(path))
