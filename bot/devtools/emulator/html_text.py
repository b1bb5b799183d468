"""Text primitives of Telegram formatting: entities, UTF-16 lengths, trimming."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


class HtmlParseError(ValueError):
    """Raised with tdlib's wording when Telegram would refuse the HTML."""


@dataclass
class ParsedText:
    """Plain text a person sees plus the Bot API entities Telegram would report."""

    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit Telegram uses for limits and offsets."""
    return len(text.encode("utf-16-le")) // 2


def byte_offset(text: str, index: int) -> int:
    """UTF-8 byte offset of a character index, as tdlib reports positions."""
    return len(text[:index].encode("utf-8"))


def decode_entity(text: str, pos: int) -> tuple[str, int] | None:
    """Decode the entity at text[pos] == '&' like tdlib; None if it is not one."""
    end = pos + 1
    if text.startswith("&#", pos):
        end += 1
        is_hex = text.startswith("x", end) or text.startswith("X", end)
        end += 1 if is_hex else 0
        digits_start = end
        allowed = "0123456789abcdefABCDEF" if is_hex else "0123456789"
        while end < len(text) and text[end] in allowed:
            end += 1
        digits = text[digits_start:end]
        code = int(digits, 16 if is_hex else 10) if digits else 0
        if code == 0 or code >= 0x10FFFF or end - pos >= 10:
            return None
        if 0xD800 <= code <= 0xDFFF:
            raise HtmlParseError(
                "Text contains invalid Unicode characters after decoding HTML entities, "
                "check for unmatched surrogate code units"
            )
        char = chr(code)
    else:
        while end < len(text) and text[end].isascii() and text[end].isalpha():
            end += 1
        name = text[pos + 1 : end]
        if name not in NAMED_ENTITIES:
            return None
        char = NAMED_ENTITIES[name]
    if text.startswith(";", end):
        end += 1
    return char, end


def strip_outer_whitespace(parsed: ParsedText) -> ParsedText:
    """Trim leading/trailing whitespace like Telegram does, shifting entity offsets."""
    text = parsed.text
    stripped = text.lstrip()
    shift = utf16_len(text) - utf16_len(stripped)
    stripped = stripped.rstrip()
    limit = utf16_len(stripped)
    entities: list[dict[str, Any]] = []
    for entity in parsed.entities:
        start = max(entity["offset"] - shift, 0)
        end = min(entity["offset"] + entity["length"] - shift, limit)
        if end > start:
            entities.append({**entity, "offset": start, "length": end - start})
    return ParsedText(stripped, entities)
