"""Locale files: same keys, placeholders and HTML as English; labels stay plain and short."""

from __future__ import annotations

import json
import re
import string
from collections import Counter
from functools import cache

import pytest
from babel import Locale

from bot.views.texts import LOCALE_DIR, LOCALES, PLURAL_PREFIX, counted, plural_category, t

# Tags Telegram's HTML parse mode accepts (we use no attributes except on <a>).
ALLOWED_TAGS = {"b", "i", "u", "s", "code", "pre", "a"}
TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)(\s[^<>]*)?>")

# Button labels, toasts and command descriptions: shown where HTML is not parsed.
LABEL_KEYS = {
    "language.name",
    "onboarding.share_phone",
    "shop.product_button",
    "shop.add_to_cart",
    "shop.added",
    "shop.not_enough",
    "shop.product_gone",
    "cart.view",
    "cart.checkout",
    "cart.empty_notice",
    "checkout.pickup",
    "checkout.delivery",
    "checkout.cancel",
    "checkout.confirm",
    "checkout.skip_note",
    "checkout.send_location",
    "checkout.stale",
    "orders.cancel",
    "desk.open",
    "request.done",
    "request.already_done",
    "request.stale",
    "request.not_allowed",
    "common.stale",
    "common.error",
    "ask.button",
    "ask.reply",
    "ask.close",
    "ask.not_allowed",
    "ask.closed",
    "ask.closed_done",
    "shop.produce_button",
    "sell.units",
    "sell.category",
    "sell.cancel",
    "sell.confirm",
    "sell.skip_photo",
    "sell.with_photo",
    "sell.no_photo",
    "qris.pay_button",
    "qris.payee_button",
    "qris.image_pay",
    # The kasbon book's buttons, toasts and words put into other texts.
    "tab.credit",
    "tab.method.cash",
    "tab.method.qris",
    "tab.reminders_state_on",
    "tab.reminders_state_off",
    "tabs.age",
    "tabs.age_today",
    "tabs.pay_button",
    "tabs.remind_button",
    "tabs.cash",
    "tabs.qris",
    "tabs.cancel",
    "tabs.not_allowed",
    "tabs.nothing_owed",
    "tabs.reminded",
    "tabs.remind_too_soon",
    "tabs.remind_opted_out",
    "tabs.remind_nothing_owed",
    "pay.done",
}
LABEL_PREFIXES = (
    "command.",
    "shop.stock_",
    "action.",
    "status.",
    "kind.",
    "qris.refusal.",
    "qris.no_qr.",
    "pay.button.",
    "pay.state.",
    "pay.refused.",
    "pay.chart.",
)

# Inline and reply keyboard buttons: they must fit on a phone screen.
BUTTON_KEYS = {
    "language.name",
    "onboarding.share_phone",
    "shop.add_to_cart",
    "cart.view",
    "cart.checkout",
    "checkout.pickup",
    "checkout.delivery",
    "checkout.cancel",
    "checkout.confirm",
    "checkout.skip_note",
    "checkout.send_location",
    "orders.cancel",
    "desk.open",
    "ask.button",
    "ask.reply",
    "ask.close",
    "sell.cancel",
    "sell.confirm",
    "sell.skip_photo",
    "qris.pay_button",
    "qris.payee_button",
    "tabs.pay_button",
    "tabs.remind_button",
    "tabs.cash",
    "tabs.qris",
    "tabs.cancel",
}
BUTTON_PREFIXES = ("action.", "pay.button.")
MAX_BUTTON = 30
MAX_COMMAND = 40  # our own limit for Telegram's command menu

LOCALE_FILES = sorted(path.stem for path in LOCALE_DIR.glob("*.json"))
OTHER_LOCALES = [locale for locale in LOCALE_FILES if locale != "en"]


@cache
def load_all(locale: str) -> dict[str, str | dict[str, str]]:
    """Every value of the locale file: texts, and the forms of each plural key."""
    with (LOCALE_DIR / f"{locale}.json").open(encoding="utf-8") as file:
        texts: dict[str, str | dict[str, str]] = json.load(file)
    return texts


@cache
def load(locale: str) -> dict[str, str]:
    """The texts, with each plural form as a key of its own ("plural.nights.one")."""
    flat: dict[str, str] = {}
    for key, value in load_all(locale).items():
        if isinstance(value, dict):
            flat |= {f"{key}.{form}": text for form, text in value.items()}
        else:
            flat[key] = value
    return flat


def plural_keys(locale: str) -> dict[str, dict[str, str]]:
    return {key: value for key, value in load_all(locale).items() if isinstance(value, dict)}


def is_label(key: str) -> bool:
    return key in LABEL_KEYS or key.startswith(LABEL_PREFIXES)


def is_button(key: str) -> bool:
    return key in BUTTON_KEYS or key.startswith(BUTTON_PREFIXES)


def fields(template: str) -> dict[str, str]:
    """Placeholder name -> format spec, e.g. {"km": ".1f", "name": ""}."""
    found: dict[str, str] = {}
    for _, name, spec, _ in string.Formatter().parse(template):
        if name is not None:
            found[re.split(r"[.\[]", name)[0]] = spec or ""
    return found


def tags(template: str) -> list[tuple[bool, str]]:
    """The HTML tags in order, as (is_closing, name)."""
    return [(bool(match[1]), match[2].lower()) for match in TAG.finditer(template)]


def html_problems(template: str) -> list[str]:
    problems = []
    stack: list[str] = []
    for closing, name in tags(template):
        if name not in ALLOWED_TAGS:
            problems.append(f"tag <{name}> is not allowed by Telegram")
        if not closing:
            stack.append(name)
        elif not stack or stack.pop() != name:
            problems.append(f"</{name}> does not close the last open tag")
    problems += [f"<{name}> is never closed" for name in stack]
    if "<" in TAG.sub("", template) or ">" in TAG.sub("", template):
        problems.append("a bare < or > must be written as &lt; or &gt;")
    return problems


def dummy_values(template: str) -> dict[str, object]:
    return {name: 1 if spec else "x" for name, spec in fields(template).items()}


def test_every_locale_file_is_a_known_locale() -> None:
    assert set(LOCALE_FILES) == set(LOCALES)
    assert "en" in LOCALE_FILES


@pytest.mark.parametrize("locale", OTHER_LOCALES)
def test_same_keys_as_english(locale: str) -> None:
    english, texts = load_all("en"), load_all(locale)
    assert sorted(set(english) - set(texts)) == [], f"{locale}.json lacks these keys"
    assert sorted(set(texts) - set(english)) == [], f"{locale}.json has keys en.json lacks"


@pytest.mark.parametrize("locale", LOCALE_FILES)
def test_values_are_non_empty_strings(locale: str) -> None:
    for key, value in load(locale).items():
        assert isinstance(value, str), key
        assert value.strip(), key


@pytest.mark.parametrize("locale", OTHER_LOCALES)
def test_same_placeholders_as_english(locale: str) -> None:
    english = load("en")
    wrong = {
        key: (sorted(fields(value)), sorted(fields(english[key])))
        for key, value in load(locale).items()
        if key in english and set(fields(value)) != set(fields(english[key]))
    }
    assert wrong == {}
    forms = {k: set(fields(v)) for k, v in load(locale).items() if k.startswith(PLURAL_PREFIX)}
    assert {key: found for key, found in forms.items() if found != {"count"}} == {}


@pytest.mark.parametrize("locale", LOCALE_FILES)
def test_html_is_balanced_and_allowed(locale: str) -> None:
    wrong = {
        key: problems for key, value in load(locale).items() if (problems := html_problems(value))
    }
    assert wrong == {}


@pytest.mark.parametrize("locale", OTHER_LOCALES)
def test_same_html_tags_as_english(locale: str) -> None:
    english = load("en")
    wrong = [
        key
        for key, value in load(locale).items()
        if key in english and Counter(tags(value)) != Counter(tags(english[key]))
    ]
    assert wrong == []


@pytest.mark.parametrize("locale", LOCALE_FILES)
def test_labels_have_no_html(locale: str) -> None:
    wrong = [key for key, value in load(locale).items() if is_label(key) and TAG.search(value)]
    assert wrong == []


@pytest.mark.parametrize("locale", LOCALE_FILES)
def test_buttons_are_short(locale: str) -> None:
    wrong = {
        key: value
        for key, value in load(locale).items()
        if is_button(key) and len(value.format(**dummy_values(value))) > MAX_BUTTON
    }
    assert wrong == {}


@pytest.mark.parametrize("locale", LOCALE_FILES)
def test_command_descriptions_fit_the_menu(locale: str) -> None:
    wrong = {
        key: value
        for key, value in load(locale).items()
        if key.startswith("command.") and not 0 < len(value) <= MAX_COMMAND
    }
    assert wrong == {}


def test_language_names_are_distinct() -> None:
    names = [load(locale)["language.name"] for locale in LOCALE_FILES]
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("locale", OTHER_LOCALES)
def test_locale_is_translated(locale: str) -> None:
    english, texts = load("en"), load(locale)
    same = [key for key, value in texts.items() if english.get(key) == value]
    same = [key for key in same if not key.startswith(PLURAL_PREFIX)]
    assert len(same) < len(texts) // 4, f"{locale}.json looks untranslated: {same}"


@pytest.mark.parametrize("locale", LOCALES)
def test_every_key_formats(locale: str) -> None:
    for key, template in load("en").items():
        if key.startswith(PLURAL_PREFIX):
            continue  # counted(), below
        own = load(locale).get(key) or template
        values = dummy_values(template) | dummy_values(own)
        assert isinstance(t(locale, key, **values), str), key


@pytest.mark.parametrize("locale", LOCALE_FILES)
def test_plural_keys_have_the_forms_babel_knows_for_the_locale(locale: str) -> None:
    categories = Locale.parse(locale).plural_form.tags | {"other"}
    plurals = plural_keys(locale)
    assert plurals, "no plural keys"
    assert {key: sorted(forms) for key, forms in plurals.items() if set(forms) != categories} == {}
    assert [key for key in plurals if not key.startswith(PLURAL_PREFIX)] == []
    texts = [key for key, value in load_all(locale).items() if isinstance(value, str)]
    assert [key for key in texts if key.startswith(PLURAL_PREFIX)] == []


@pytest.mark.parametrize("locale", LOCALE_FILES)
def test_every_plural_key_counts_in_the_form_babel_picks(locale: str) -> None:
    for key, forms in plural_keys(locale).items():
        for count in (0, 1, 2, 5, 11, 21, 101):
            form = forms[plural_category(locale, count)]
            assert counted(locale, key, count) == form.format(count=count), (key, count)
