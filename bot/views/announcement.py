"""An announcement as villagers receive it, and Telegram's length limits (no Telegram types)."""

from __future__ import annotations

import html
import re

from babel.numbers import format_decimal

from bot.views.texts import LOCALES, plain, t

MAX_TEXT = 4096
MAX_CAPTION = 1024
# First words of an announcement in the manager's list.
SHORT_PREVIEW = 40
_TAG = re.compile(r"<[^<>]*>")


def announcement_html(locale: str, center_name: str, body_html: str) -> str:
    """The message a villager gets: the center's name, the manager's text, how to /mute."""
    parts = [
        t(locale, "broadcast.header", center=center_name),
        body_html.strip(),
        t(locale, "broadcast.footer"),
    ]
    return "\n\n".join(part for part in parts if part)


def plain_text(html_text: str) -> str:
    """What a reader sees of Telegram HTML: tags dropped, entities decoded, outer space cut."""
    return html.unescape(_TAG.sub("", html_text)).strip()


def visible_length(html_text: str) -> int:
    """Length as Telegram counts it for its limits: UTF-16 code units of the visible text."""
    return len(plain_text(html_text).encode("utf-16-le")) // 2


def room_for_body(center_name: str, *, caption: bool) -> int:
    """How long the manager's text may be, once the name and /mute line are added (any locale)."""
    limit = MAX_CAPTION if caption else MAX_TEXT
    frame = max(visible_length(announcement_html(locale, center_name, "x")) for locale in LOCALES)
    return limit - (frame - 1)


def number(value: int, locale: str) -> str:
    """A count with the locale's digit grouping ("1,200" in English, "1.200" in Indonesian)."""
    return str(format_decimal(value, locale=locale))


def first_words(body_html: str, locale: str) -> str:
    """The start of an announcement as plain text, for a list line (a bare photo says so)."""
    text = " ".join(plain_text(body_html).split())
    if not text:
        return plain(locale, "broadcast.photo")
    return text if len(text) <= SHORT_PREVIEW else text[: SHORT_PREVIEW - 1].rstrip() + "…"
