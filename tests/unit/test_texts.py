"""Texts: locale choice, escaping, and names cut to fit Telegram's limits."""

from __future__ import annotations

from bot.views.texts import SHORT_NAME, pick_locale, short, t


def test_long_names_are_cut_for_lists_and_notices() -> None:
    assert short("Minyak Goreng 1 liter") == "Minyak Goreng 1 liter"
    cut = short("Beras " * 40)
    assert len(cut) == SHORT_NAME and cut.endswith("…")


def test_values_are_escaped_but_the_template_html_is_kept() -> None:
    text = t("en", "card.note", note="<b>pintu</b> & jendela")
    assert "&lt;b&gt;pintu&lt;/b&gt; &amp; jendela" in text


def test_language_is_the_users_choice_then_telegrams_then_the_centers() -> None:
    assert pick_locale("zh", "en-US", "id") == "zh"
    assert pick_locale(None, "en-US", "id") == "en"
    assert pick_locale(None, "fr", "id") == "id"
    assert pick_locale(None, None, None) == "id"
