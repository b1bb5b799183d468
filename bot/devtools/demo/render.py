"""Turning what the bot sent into terminal lines, as a person would see it in Telegram."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from bot.devtools.emulator import Button, KeyboardButton, ReplyKeyboard, SentMessage

INDENT = "    "
# SGR codes (on, off) for the entities a terminal can show; the off codes end only their
# own attribute, so nested entities (bold inside italic) come out right.
_ANSI = {
    "bold": ("1", "22"),
    "italic": ("3", "23"),
    "underline": ("4", "24"),
    "strikethrough": ("9", "29"),
    "code": ("36", "39"),
    "pre": ("36", "39"),
}


@dataclass(frozen=True)
class Style:
    """ANSI emphasis on a terminal; plain text (bold is the text itself) anywhere else."""

    ansi: bool = False

    def sgr(self, text: str, on: str, off: str) -> str:
        """`text` between the escape codes, or unchanged without ANSI."""
        return f"\x1b[{on}m{text}\x1b[{off}m" if self.ansi and text else text

    def dim(self, text: str) -> str:
        """Headers and hints: less prominent than the conversation itself."""
        return self.sgr(text, "2", "22")

    def strong(self, text: str) -> str:
        """What the person typed or pressed."""
        return self.sgr(text, "1", "22")


def style_for(stream: TextIO) -> Style:
    """ANSI only on a colour-capable terminal, and never when NO_COLOR is set."""
    is_tty = getattr(stream, "isatty", lambda: False)()
    wanted = "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"
    return Style(ansi=bool(is_tty) and wanted)


def render_text(text: str, entities: list[dict[str, Any]], style: Style) -> str:
    """The message text with its entities as emphasis; links keep their address visible."""
    index = _utf16_to_index(text)
    inserts: list[tuple[int, int, str]] = []  # (position, 0 = closing first, text)
    for entity in entities:
        start = index.get(entity.get("offset", 0))
        end = index.get(entity.get("offset", 0) + entity.get("length", 0))
        if start is None or end is None:
            continue  # offsets inside a surrogate pair: the emulator never makes them
        kind = entity.get("type", "")
        if kind == "text_link":
            inserts.append((end, 0, f" ({entity.get('url', '')})"))
        codes = _ANSI.get(kind)
        if codes is not None and style.ansi:
            inserts.append((start, 1, f"\x1b[{codes[0]}m"))
            inserts.append((end, 0, f"\x1b[{codes[1]}m"))
    out = text
    for position, _, insert in sorted(inserts, reverse=True):
        out = out[:position] + insert + out[position:]
    return out


def _utf16_to_index(text: str) -> dict[int, int]:
    """Map UTF-16 offsets (Telegram's unit) to indexes into the Python string."""
    mapping: dict[int, int] = {}
    units = 0
    for i, char in enumerate(text):
        mapping[units] = i
        units += 2 if ord(char) > 0xFFFF else 1
    mapping[units] = len(text)
    return mapping


def render_buttons(rows: list[list[Button]]) -> list[str]:
    """Inline buttons row by row, numbered across rows: `[1] Approve  [2] Reject`."""
    lines: list[str] = []
    number = 0
    for row in rows:
        cells = []
        for button in row:
            number += 1
            link = f" -> {button.url}" if button.url else ""
            cells.append(f"[{number}] {button.text}{link}")
        lines.append("  ".join(cells))
    return lines


def keyboard_hint(button: KeyboardButton) -> str:
    """A reply-keyboard button, with the demo word that taps it when it shares something."""
    if button.request_contact:
        return f"{button.text} (type: contact)"
    if button.request_location:
        return f"{button.text} (type: location)"
    return button.text


def render_keyboard(keyboard: ReplyKeyboard) -> str:
    """The reply keyboard shown under the input field."""
    return "keyboard: " + "  ".join(f"<{keyboard_hint(b)}>" for row in keyboard.rows for b in row)


def render_message(
    message: SentMessage, chat_label: str, style: Style, saved: Path | None = None
) -> list[str]:
    """A header naming the chat, then the body, media, buttons and keyboard, indented."""
    header = f"  bot -> {chat_label} #{message.message_id}"
    if message.deleted:
        return [style.dim(f"{header} (deleted)")]
    if message.edited:
        header += " (edited)"
    lines = [style.dim(header + ":")]
    media = message.photo or message.voice or message.document
    if media is not None:
        what = {"photo": "photo", "voice": "voice message"}.get(
            message.kind, f"document {media.filename or ''}"
        )
        lines.append(INDENT + style.dim(f"[{what.strip()} saved as {saved or media.file_path}]"))
    if message.text:
        body = render_text(message.text, message.entities, style)
        lines.extend(INDENT + line if line else "" for line in body.splitlines())
    lines.extend(INDENT + line for line in render_buttons(message.buttons))
    if message.reply_keyboard is not None:
        lines.append(INDENT + style.dim(render_keyboard(message.reply_keyboard)))
    elif message.removes_keyboard:
        lines.append(INDENT + style.dim("(keyboard hidden)"))
    return lines


def render_toast(text: str, alert: bool, style: Style) -> str:
    """A callback answer: Telegram shows it over the chat for a moment (or as an alert)."""
    kind = "alert" if alert else "popup"
    return style.dim(f"  ({kind}) ") + text
