"""Which button a step presses: by the number the transcript shows, or by its label."""

from __future__ import annotations

from bot.devtools.demo.script import Action, ActionKind, DemoError
from bot.devtools.emulator import Button, SentMessage


def pressed_button(
    chat: list[SentMessage], whose: str, action: Action
) -> tuple[SentMessage, int, Button]:
    """The message, number and button an action presses in `whose` chat; else DemoError."""
    shown = sorted((m for m in chat if m.buttons), key=lambda m: m.version, reverse=True)
    if not shown:
        raise DemoError(f"no message with buttons in the {whose}'s chat")
    if action.kind is ActionKind.NUMBER:
        return button_number(shown[0], int(action.value))
    return find_button(shown, action.value)


def find_button(shown: list[SentMessage], label: str) -> tuple[SentMessage, int, Button]:
    """The newest button labelled `label`; else the one whose label contains it, if unique.

    `shown` is the chat's messages with buttons, newest first.
    """
    wanted = label.casefold()
    for message in shown:
        for number, button in numbered(message):
            if button.text.casefold() == wanted:
                return message, number, button
    for message in shown:
        partial = [(n, b) for n, b in numbered(message) if wanted in b.text.casefold()]
        if len(partial) == 1:
            return message, partial[0][0], partial[0][1]
        if partial:
            names = ", ".join(f"[{n}] {b.text}" for n, b in partial)
            raise DemoError(f"{label!r} could be any of {names}")
    names = "  ".join(f"[{n}] {b.text}" for n, b in numbered(shown[0]))
    raise DemoError(f"no button {label!r}; the latest buttons are {names}")


def button_number(message: SentMessage, number: int) -> tuple[SentMessage, int, Button]:
    """Button `number` of the message."""
    buttons = numbered(message)
    if not 1 <= number <= len(buttons):
        raise DemoError(f"message #{message.message_id} has buttons 1-{len(buttons)}, not {number}")
    return message, number, buttons[number - 1][1]


def numbered(message: SentMessage) -> list[tuple[int, Button]]:
    """The message's buttons with the numbers the transcript shows (from 1, across rows)."""
    return list(enumerate((b for row in message.buttons for b in row), start=1))
