"""Telegram's parse_mode="HTML" parser, modelled on tdlib's ``parse_html``.

Error messages and byte offsets follow tdlib so that tests see what the real Bot API
would answer. One deliberate difference: in strict mode a bare ``&`` that does not start
an entity is rejected, whereas Telegram keeps it as a literal character. Bots should
escape it anyway, and strictness catches forgotten ``html.escape`` calls early.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.devtools.emulator.html_text import (
    HtmlParseError,
    ParsedText,
    byte_offset,
    decode_entity,
    strip_outer_whitespace,
    utf16_len,
)

__all__ = [
    "HtmlParseError",
    "ParsedText",
    "parse_html",
    "strip_outer_whitespace",
    "utf16_len",
]

SUPPORTED_TAGS = frozenset(
    {
        "a", "b", "strong", "i", "em", "u", "ins", "s", "strike", "del",
        "span", "tg-spoiler", "tg-emoji", "code", "pre", "blockquote",
    }
)  # fmt: skip
_SPACES = " \t\r\n\x0b"
_TOKEN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-")
_SIMPLE_TYPES = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough",
    "del": "strikethrough", "tg-spoiler": "spoiler", "span": "spoiler", "code": "code",
}  # fmt: skip


@dataclass
class _OpenTag:
    name: str
    argument: str
    utf16_start: int
    text_start: int


class _HtmlParser:
    """Single-pass parser; state lives on the instance to keep helpers small."""

    def __init__(self, source: str, strict: bool) -> None:
        self.src = source
        self.strict = strict
        self.pos = 0
        self.out: list[str] = []
        self.utf16 = 0
        self.chars = 0
        self.stack: list[_OpenTag] = []
        self.entities: list[dict[str, Any]] = []

    def error(self, message: str) -> HtmlParseError:
        """Build the error; kept as a method so call sites read as `raise self.error(...)`."""
        return HtmlParseError(message)

    def at(self, index: int) -> str:
        """Character at index or '' past the end (tdlib's NUL terminator)."""
        return self.src[index] if index < len(self.src) else ""

    def emit(self, chunk: str) -> None:
        """Append visible text and advance the UTF-16 counter."""
        self.out.append(chunk)
        self.chars += len(chunk)
        self.utf16 += utf16_len(chunk)

    def skip_spaces(self) -> None:
        """Advance past HTML whitespace."""
        while self.at(self.pos) and self.at(self.pos) in _SPACES:
            self.pos += 1

    def run(self) -> ParsedText:
        """Parse the whole source."""
        while self.pos < len(self.src):
            char = self.src[self.pos]
            if char == "&":
                self.ampersand()
            elif char == "<":
                if self.at(self.pos + 1) == "/":
                    self.end_tag()
                else:
                    self.start_tag()
            else:
                self.emit(char)
                self.pos += 1
        if self.stack:
            name = self.stack[-1].name
            raise self.error(f'Can\'t find end tag corresponding to start tag "{name}"')
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        for entity in self.entities:
            entity.pop("_language", None)
        return ParsedText("".join(self.out), self.entities)

    def ampersand(self) -> None:
        """Decode an entity, or handle a bare '&'."""
        decoded = decode_entity(self.src, self.pos)
        if decoded is not None:
            self.emit(decoded[0])
            self.pos = decoded[1]
            return
        if self.strict:
            offset = byte_offset(self.src, self.pos)
            raise self.error(
                f'Unescaped "&" at byte offset {offset}; write it as "&amp;" '
                "(the emulator is stricter than Telegram here)"
            )
        self.emit("&")
        self.pos += 1

    def start_tag(self) -> None:
        """Parse `<name attr=value ...>` and push it."""
        begin = self.pos
        offset = byte_offset(self.src, begin)
        self.pos += 1
        while self.at(self.pos) and self.at(self.pos) not in _SPACES + ">":
            self.pos += 1
        if not self.at(self.pos):
            raise self.error(f"Unclosed start tag at byte offset {offset}")
        name = self.src[begin + 1 : self.pos].lower()
        if name not in SUPPORTED_TAGS:
            raise self.error(f'Unsupported start tag "{name}" at byte offset {offset}')
        argument = ""
        while self.at(self.pos) != ">":
            attr = self.attribute(name, offset)
            if attr is not None:
                argument = _tag_argument(name, attr[0], attr[1]) or argument
        self.pos += 1
        if name == "span" and argument != "spoiler":
            raise self.error(f'Tag "span" must have class "tg-spoiler" at byte offset {offset}')
        self.stack.append(_OpenTag(name, argument, self.utf16, self.chars))

    def attribute(self, tag: str, tag_offset: int) -> tuple[str, str] | None:
        """Parse one attribute; returns (name, value) or None at the closing '>'."""
        self.skip_spaces()
        if self.at(self.pos) == ">":
            return None
        name_start = self.pos
        while self.at(self.pos) and self.at(self.pos) not in _SPACES + "=>":
            self.pos += 1
        attr_name = self.src[name_start : self.pos].lower()
        attr_offset = byte_offset(self.src, name_start)
        if not self.at(self.pos):
            raise self.error(f'Unclosed start tag "{tag}" at byte offset {tag_offset}')
        if not attr_name:
            raise self.error(
                f'Empty attribute name in the tag "{tag}" at byte offset {attr_offset}'
            )
        self.skip_spaces()
        if self.at(self.pos) != "=":
            if tag == "blockquote" and attr_name == "expandable":
                return attr_name, ""
            raise self.error(
                f'Expected equal sign in declaration of an attribute of the tag "{tag}" '
                f"at byte offset {attr_offset}"
            )
        self.pos += 1
        self.skip_spaces()
        if not self.at(self.pos):
            raise self.error(f'Unclosed start tag "{tag}" at byte offset {tag_offset}')
        value = self.attribute_value()
        if not self.at(self.pos):
            raise self.error(f"Unclosed start tag at byte offset {tag_offset}")
        return attr_name, value

    def attribute_value(self) -> str:
        """Parse a quoted (entities decoded) or bare-token attribute value."""
        quote = self.at(self.pos)
        if quote not in ("'", '"'):
            token_start = self.pos
            while self.at(self.pos) and self.at(self.pos) in _TOKEN_CHARS:
                self.pos += 1
            if self.at(self.pos) not in tuple(_SPACES + ">"):
                offset = byte_offset(self.src, token_start)
                raise self.error(f"Unexpected end of name token at byte offset {offset}")
            return self.src[token_start : self.pos].lower()
        self.pos += 1
        chars: list[str] = []
        while self.at(self.pos) and self.at(self.pos) != quote:
            decoded = decode_entity(self.src, self.pos) if self.at(self.pos) == "&" else None
            if decoded is not None:
                chars.append(decoded[0])
                self.pos = decoded[1]
            else:
                chars.append(self.src[self.pos])
                self.pos += 1
        if self.at(self.pos) == quote:
            self.pos += 1
        return "".join(chars)

    def end_tag(self) -> None:
        """Parse `</name>` (or `</>`) and close the innermost tag."""
        begin = self.pos
        offset = byte_offset(self.src, begin)
        if not self.stack:
            raise self.error(f"Unexpected end tag at byte offset {offset}")
        self.pos += 2
        while self.at(self.pos) and self.at(self.pos) not in _SPACES + ">":
            self.pos += 1
        name = self.src[begin + 2 : self.pos].lower()
        self.skip_spaces()
        if self.at(self.pos) != ">":
            raise self.error(f"Unclosed end tag at byte offset {offset}")
        self.pos += 1
        open_tag = self.stack[-1]
        if name and name != open_tag.name:
            raise self.error(
                f'Unmatched end tag at byte offset {offset}, expected "</{open_tag.name}>", '
                f'found "</{name}>"'
            )
        self.stack.pop()
        self.close_entity(open_tag)

    def close_entity(self, tag: _OpenTag) -> None:
        """Record the entity a closed tag produced, if it covers any text."""
        length = self.utf16 - tag.utf16_start
        if length <= 0:
            return
        entity: dict[str, Any] = {"type": "", "offset": tag.utf16_start, "length": length}
        if tag.name in _SIMPLE_TYPES:
            entity["type"] = _SIMPLE_TYPES[tag.name]
            if tag.name == "code" and tag.argument:
                entity["_language"] = tag.argument
        elif tag.name == "a":
            url = tag.argument or _link_from_text("".join(self.out)[tag.text_start :])
            if not url:
                return  # Telegram silently drops links it cannot understand
            entity.update(type="text_link", url=url)
        elif tag.name == "tg-emoji":
            entity.update(type="custom_emoji", custom_emoji_id=tag.argument)
        elif tag.name == "blockquote":
            entity["type"] = "expandable_blockquote" if tag.argument else "blockquote"
        else:  # pre: absorb an inner <code class="language-..."> covering the same text
            entity["type"] = "pre"
            last = self.entities[-1] if self.entities else None
            same_span = last is not None and (last["offset"], last["length"]) == (
                tag.utf16_start,
                length,
            )
            if last is not None and same_span and last["type"] == "code" and "_language" in last:
                self.entities.pop()
                entity["language"] = last["_language"]
        self.entities.append(entity)


def _tag_argument(tag: str, attr: str, value: str) -> str:
    """Extract the attribute that matters for the tag, like tdlib does; '' otherwise."""
    if tag == "a" and attr == "href":
        return value
    if tag == "code" and attr == "class" and value.startswith("language-"):
        return value[len("language-") :]
    if tag == "span" and attr == "class" and value.startswith("tg-"):
        return value[len("tg-") :]
    if tag == "tg-emoji" and attr == "emoji-id":
        return value
    if tag == "blockquote" and attr == "expandable":
        return "expandable"
    return ""


def _link_from_text(text: str) -> str:
    """URL for an `<a>` without href: the text itself when it looks like a link."""
    candidate = text.strip()
    if "://" in candidate or ("." in candidate and " " not in candidate):
        return candidate
    return ""


def parse_html(source: str, *, strict: bool = True) -> ParsedText:
    """Parse Telegram HTML into plain text and entities, or raise HtmlParseError."""
    return _HtmlParser(source, strict).run()
