"""Which button a step presses: by the number the transcript shows, or by its label."""

from __future__ import annotations

from functools import cache

from bot.devtools.demo.script import Action, ActionKind, DemoError
from bot.devtools.emulator import Button, SentMessage
from bot.views.texts import LOCALES, catalog


def last_shown(chat: list[SentMessage]) -> SentMessage | None:
    """The message the chat showed last: the newest send or edit not deleted."""
    visible = [m for m in chat if not m.deleted]
    return max(visible, key=lambda m: m.version) if visible else None


def offers_buttons(chat: list[SentMessage]) -> bool:
    """Whether the bot's last message offers buttons and asks for no typed answer."""
    last = last_shown(chat)
    return last is not None and bool(last.buttons) and not last.force_reply


def pressed_button(
    chat: list[SentMessage], whose: str, action: Action
) -> tuple[SentMessage, int, Button]:
    """The message, number and button an action presses in `whose` chat; else DemoError."""
    shown = sorted((m for m in chat if m.buttons), key=lambda m: m.version, reverse=True)
    if not shown:
        raise DemoError(f"no message with buttons in the {whose}'s chat")
    if action.kind in (ActionKind.NUMBER, ActionKind.BUTTON):
        return button_number(shown[0], int(action.value))
    for label in [action.value, *translations(action.value)]:
        found = find_button(shown, label)
        if found is not None:
            return found
    names = "  ".join(f"[{n}] {b.text}" for n, b in numbered(shown[0]))
    raise DemoError(f"no button {action.value!r}; the latest buttons are {names}")


def find_button(shown: list[SentMessage], label: str) -> tuple[SentMessage, int, Button] | None:
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
    return None


@cache
def translations(label: str) -> list[str]:
    """The same label in every locale: "Add to cart" is also "Masukkan keranjang" and "加入购物车".

    A script is written with the English labels; the person may see another language.
    """
    wanted = label.casefold()
    english = catalog("en")
    # Plural entries ({"one": ..., "other": ...}) are never button labels.
    keys = [k for k, v in english.items() if isinstance(v, str) and _bare(v) == wanted]
    found = [catalog(locale).get(key, "") for key in keys for locale in LOCALES]
    labels = [text for text in dict.fromkeys(found) if isinstance(text, str) and text]
    return [_bare(text) for text in labels if _bare(text) != wanted]


def _bare(text: str) -> str:
    """A label without its leading symbols or its values, in lower case ("my number")."""
    text = text.split("{", 1)[0]
    start = 0
    while start < len(text) and not text[start].isalnum():
        start += 1  # 🛒 View cart: a script need not type the symbol
    return text[start:].strip().casefold()


def button_number(message: SentMessage, number: int) -> tuple[SentMessage, int, Button]:
    """Button `number` of the message."""
    buttons = numbered(message)
    if not 1 <= number <= len(buttons):
        raise DemoError(f"message #{message.message_id} has buttons 1-{len(buttons)}, not {number}")
    return message, number, buttons[number - 1][1]


def numbered(message: SentMessage) -> list[tuple[int, Button]]:
    """The message's buttons with the numbers the transcript shows (from 1, across rows)."""
    return list(enumerate((b for row in message.buttons for b in row), start=1))
