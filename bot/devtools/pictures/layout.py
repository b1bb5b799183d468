"""Text in a chat picture: the fonts, Telegram's entities as styles, and word wrapping."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from fontTools.ttLib import TTFont
from matplotlib import get_data_path
from PIL import ImageFont

# DejaVu ships with matplotlib, a dependency of the bot (the report chart): every machine
# that runs the bot can draw the pictures alike.
FONT_DIR = Path(get_data_path()) / "fonts" / "ttf"
FONT_FILES = {
    "plain": "DejaVuSans.ttf",
    "bold": "DejaVuSans-Bold.ttf",
    "italic": "DejaVuSans-Oblique.ttf",
    "code": "DejaVuSansMono.ttf",
    "link": "DejaVuSans.ttf",
}
# Entity types and the style they draw in (the first that applies wins).
STYLE_OF_ENTITY = {
    "bold": "bold",
    "italic": "italic",
    "code": "code",
    "pre": "code",
    "text_link": "link",
    "url": "link",
}
# Symbols of buttons the font lacks, drawn as the nearest symbol it has.
SUBSTITUTES = {"➖": "−", "➕": "+", "🗑": "✕", "✅": "✓"}
_WORD = re.compile(r"\S+\s*|\s+")

Piece = tuple[str, str]  # (text, style)
Line = list[Piece]


@dataclass(frozen=True)
class Fonts:
    """The faces of one size, and the characters they can draw."""

    size: int
    faces: dict[str, ImageFont.FreeTypeFont]
    drawable: frozenset[int]

    def width(self, line: Line) -> float:
        """How wide a line is drawn."""
        return sum(self.faces[style].getlength(text) for text, style in line)


@cache
def fonts(size: int) -> Fonts:
    """DejaVu Sans at `size` pixels, with its styles."""
    faces = {
        style: ImageFont.truetype(str(FONT_DIR / name), size) for style, name in FONT_FILES.items()
    }
    cmap = TTFont(FONT_DIR / FONT_FILES["plain"], lazy=True).getBestCmap()
    return Fonts(size, faces, frozenset(cmap))


def styled(text: str, entities: list[dict[str, Any]], drawable: frozenset[int]) -> list[Piece]:
    """Each character with its style; characters the font lacks (colour emoji) are left out."""
    styles = ["plain"] * len(text)
    index = _utf16_index(text)
    for entity in entities:
        style = STYLE_OF_ENTITY.get(entity.get("type", ""))
        start = index.get(entity.get("offset", 0))
        end = index.get(entity.get("offset", 0) + entity.get("length", 0))
        if style is None or start is None or end is None:
            continue
        for i in range(start, end):
            styles[i] = style if styles[i] == "plain" else styles[i]
    pieces: list[Piece] = []
    dropped = False
    for char, style in zip(text, styles, strict=True):
        char = SUBSTITUTES.get(char, char)
        if char != "\n" and ord(char) not in drawable:
            dropped = True
            continue
        if dropped and char == " " and (not pieces or pieces[-1][0] in " \n"):
            continue  # the space after a dropped emoji
        dropped = False
        pieces.append((char, style))
    return pieces


def wrap(pieces: list[Piece], fonts: Fonts, width: float) -> list[Line]:
    """Lines no wider than `width`, broken between words (inside a word only if it must)."""
    lines: list[Line] = []
    for paragraph in _paragraphs(pieces):
        text = "".join(c for c, _ in paragraph).strip()
        if not text:
            lines.append([])
            continue
        lines.extend(_wrap_paragraph(_trim(paragraph), fonts, width))
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _paragraphs(pieces: list[Piece]) -> list[list[Piece]]:
    """The pieces split at line breaks."""
    paragraphs: list[list[Piece]] = [[]]
    for char, style in pieces:
        if char == "\n":
            paragraphs.append([])
        else:
            paragraphs[-1].append((char, style))
    return paragraphs


def _trim(paragraph: list[Piece]) -> list[Piece]:
    """Without leading spaces (left where an emoji was dropped)."""
    start = 0
    while start < len(paragraph) and paragraph[start][0].isspace():
        start += 1
    return paragraph[start:]


def _wrap_paragraph(chars: list[Piece], fonts: Fonts, width: float) -> list[Line]:
    """Greedy word wrapping of one paragraph."""
    text = "".join(c for c, _ in chars)
    lines: list[Line] = [[]]
    for match in _WORD.finditer(text):
        word = _merge(chars[match.start() : match.end()])
        bare = _merge(chars[match.start() : match.start() + len(match.group().rstrip())])
        if lines[-1] and fonts.width(lines[-1]) + fonts.width(bare) > width:
            lines.append([])
        while fonts.width(bare) > width:  # a word longer than the line: cut it
            head = _longest_fit(bare, fonts, width)
            lines[-1].extend(head)
            lines.append([])
            word = bare = _merge(_chars(bare)[len(_chars(head)) :])
        lines[-1].extend(word)
    return [_merge(line) for line in lines]


def _longest_fit(line: Line, fonts: Fonts, width: float) -> Line:
    """The longest start of `line` that fits `width` (at least one character)."""
    chars = _chars(line)
    count = 1
    while count < len(chars) and fonts.width(_merge(chars[: count + 1])) <= width:
        count += 1
    return _merge(chars[:count])


def _chars(line: Line) -> list[Piece]:
    """A line as single characters."""
    return [(c, style) for text, style in line for c in text]


def _merge(chars: list[Piece]) -> Line:
    """Neighbouring pieces of one style joined."""
    merged: Line = []
    for text, style in chars:
        if merged and merged[-1][1] == style:
            merged[-1] = (merged[-1][0] + text, style)
        else:
            merged.append((text, style))
    return merged


def _utf16_index(text: str) -> dict[int, int]:
    """Telegram's UTF-16 offsets as indexes into the Python string."""
    mapping: dict[int, int] = {}
    units = 0
    for i, char in enumerate(text):
        mapping[units] = i
        units += 2 if ord(char) > 0xFFFF else 1
    mapping[units] = len(text)
    return mapping
