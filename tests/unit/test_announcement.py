"""An announcement as villagers get it: the center's name, the text, how to /mute; its limits."""

from __future__ import annotations

from bot.devtools.emulator import parse_html
from bot.views.announcement import (
    MAX_CAPTION,
    MAX_TEXT,
    announcement_html,
    first_words,
    number,
    room_for_body,
    visible_length,
)
from bot.views.texts import LOCALES

CENTER = "Kios Desa Leping & Co"


def test_every_locale_names_the_center_and_ends_with_how_to_mute() -> None:
    for locale in LOCALES:
        shown = parse_html(announcement_html(locale, CENTER, "Pasar <b>murah</b> besok")).text
        assert shown.startswith(f"📣 {CENTER}")
        assert "Pasar murah besok" in shown
        assert shown.splitlines()[-1].endswith(("/mute.", "/mute。"))


def test_a_photo_without_caption_still_gets_the_name_and_the_mute_line() -> None:
    shown = parse_html(announcement_html("en", CENTER, "")).text
    assert shown == f"📣 {CENTER}\n\n🔕 To stop these announcements, send /mute."


def test_length_is_counted_as_telegram_does() -> None:
    assert visible_length("<b>a &amp; b</b>") == 5
    assert visible_length("  x  ") == 1
    assert visible_length("🙂") == 2  # UTF-16 code units


def test_the_longest_text_allowed_fits_in_every_language() -> None:
    room = room_for_body(CENTER, caption=False)
    body = "x" * room
    for locale in LOCALES:
        assert visible_length(announcement_html(locale, CENTER, body)) <= MAX_TEXT
    assert (
        max(visible_length(announcement_html(locale, CENTER, body + "x")) for locale in LOCALES)
        > MAX_TEXT
    )
    caption_room = room_for_body(CENTER, caption=True)
    assert 900 < caption_room < MAX_CAPTION


def test_counts_are_grouped_the_locale_s_way() -> None:
    assert number(1200, "en") == "1,200"
    assert number(1200, "id") == "1.200"


def test_a_list_shows_the_first_words_only() -> None:
    long = "Besok ada <b>pasar murah</b> di balai desa mulai jam delapan pagi sampai siang"
    assert first_words(long, "en") == "Besok ada pasar murah di balai desa mul…"
    assert first_words("", "en") == "🖼 photo"
