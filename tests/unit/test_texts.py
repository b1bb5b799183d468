"""Texts: locale choice, escaping, and names cut to fit Telegram's limits."""

from __future__ import annotations

from bot.domain.entities import User
from bot.views.texts import SHORT_NAME, catalog, counted, manager_locale, pick_locale, short, t


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


def test_a_count_meets_its_noun_in_the_form_the_language_uses() -> None:
    assert counted("en", "plural.nights", 1) == "1 night"
    assert counted("en", "plural.nights", 2) == "2 nights"
    assert counted("en", "plural.guests", 0) == "0 guests"
    assert counted("id", "plural.nights", 1) == "1 malam"
    assert counted("id", "plural.nights", 3) == "3 malam"
    assert counted("zh", "plural.guests", 1) == "1位客人"
    assert counted("id", "plural.products", 1500) == "1.500 produk"
    assert counted("en", "plural.products", 1500) == "1,500 products"


def test_no_text_says_one_with_a_plural_noun_or_an_s_in_brackets() -> None:
    lodging = t(
        "en",
        "lodging.summary",
        place="Malang",
        check_in="1",
        check_out="2",
        nights=counted("en", "plural.nights", 1),
        guests=counted("en", "plural.guests", 1),
        budget="-",
    )
    assert "(1 night)" in lodging and "1 guest\n" in lodging
    for locale in ("id", "en", "zh"):
        for key, value in catalog(locale).items():
            texts = value.values() if isinstance(value, dict) else [value]
            assert not any("(s)" in text for text in texts), (locale, key)


def test_a_manager_reads_his_choice_else_his_centers_language_else_his_phones() -> None:
    def manager(chosen: str | None, phone: str | None) -> User:
        return User(
            id=9,
            first_name="Pak Joko",
            last_name=None,
            username=None,
            telegram_language=phone,
            language=chosen,
            phone=None,
            center_id=None,
            blocked_at=None,
            muted=False,
        )

    assert manager_locale(manager("zh", "en"), "id") == "zh"
    assert manager_locale(manager(None, "en"), "id") == "id"  # the center's, not the phone's
    assert manager_locale(manager(None, "en"), None) == "en"
    assert manager_locale(None, "zh") == "zh"  # before he ever wrote: the same language
