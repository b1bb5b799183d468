"""User-facing texts: looked up by key in the locale files, then formatted with escaped values."""

from __future__ import annotations

import html
import json
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.numbers import format_decimal
from babel.plural import PluralRule

from bot.domain.entities import User

LOCALES = ("id", "en", "zh")
DEFAULT_LOCALE = "id"
LOCALE_DIR = Path(__file__).parent / "locales"


# A count with its noun ("plural.nights"): one text per plural category of the locale
# ("one" and "other" in English; Indonesian and Chinese have "other" only).
PLURAL_PREFIX = "plural."
Forms = dict[str, str]


class Html(str):
    """A fragment that is already valid Telegram HTML; inserted without escaping."""


@cache
def catalog(locale: str) -> dict[str, str | Forms]:
    """The texts of one locale (a plural key holds its forms by category)."""
    with (LOCALE_DIR / f"{locale}.json").open(encoding="utf-8") as file:
        texts: dict[str, str | Forms] = json.load(file)
    return texts


def _template(locale: str, key: str) -> str:
    """The text of `key` in `locale`, else in English; a plural key is not a text."""
    template = catalog(locale).get(key) or catalog("en")[key]
    if not isinstance(template, str):
        raise TypeError(f"{key} has plural forms: use counted()")
    return template


def plural_category(locale: str, count: int) -> str:
    """Babel's (CLDR's) plural category of `count` in `locale`: "one", "other"..."""
    return str(_plural_rule(locale)(count))


@cache
def _plural_rule(locale: str) -> PluralRule:
    """The locale's plural rule, parsed once."""
    return Locale.parse(locale).plural_form


def number(locale: str, value: float | int) -> str:
    """A number as the locale writes it ("1,1" and "1.234" in Indonesian)."""
    return str(format_decimal(value, locale=locale))


def distance_km(locale: str, meters: float) -> str:
    """Meters as kilometres with one decimal, as the locale writes them ("1,1")."""
    return str(format_decimal(round(meters / 1000, 1), format="#,##0.0", locale=locale))


def counted(locale: str, key: str, count: int) -> Html:
    """`count` with its noun ("1 night", "3 nights"), in the form the locale's rules pick."""
    value = catalog(locale).get(key) or catalog("en")[key]
    if not isinstance(value, dict):
        raise TypeError(f"{key} has no plural forms")
    form = value.get(plural_category(locale, count)) or value["other"]
    return Html(html.escape(form, quote=False).format(count=number(locale, count)))


def normalize_locale(code: str | None) -> str | None:
    """Map a Telegram language code ("zh-hans", "en-US", "id") to a locale we speak."""
    if not code:
        return None
    base = code.lower().replace("_", "-").split("-")[0]
    return base if base in LOCALES else None


def pick_locale(chosen: str | None, telegram: str | None, center: str | None) -> str:
    """The user's own choice, else their Telegram language, else the center's, else Indonesian."""
    for candidate in (chosen, telegram, center):
        locale = normalize_locale(candidate)
        if locale:
            return locale
    return DEFAULT_LOCALE


def user_locale(user: User | None, center_language: str | None) -> str:
    """pick_locale for a stored user, who may be unknown (then the center's language)."""
    if user is None:
        return pick_locale(None, None, center_language)
    return pick_locale(user.language, user.telegram_language, center_language)


def manager_locale(user: User | None, center_language: str | None) -> str:
    """A manager's language: their own choice, else their center's, else their Telegram's.

    The operator chose the center's language on purpose; a phone's language often was not,
    and it is unknown until the manager first writes: cards sent before then would turn to
    another language at the manager's first press.
    """
    if user is None:
        return pick_locale(None, None, center_language)
    return pick_locale(user.language, center_language, user.telegram_language)


def _escape(value: Any) -> str:
    return value if isinstance(value, Html) else html.escape(str(value), quote=False)


def t(locale: str, key: str, **values: Any) -> str:
    """The text `key` in `locale` (English if missing there) with HTML-escaped values."""
    template = _template(locale, key)
    return template.format(**{name: _escape(value) for name, value in values.items()})


def h(locale: str, key: str, **values: Any) -> Html:
    """Like `t`, marked as HTML so it can be nested into another text."""
    return Html(t(locale, key, **values))


# A product name in a list line or a notice; full names stay on the product's own card.
SHORT_NAME = 60


def short(name: str) -> str:
    """A long name cut to fit lists, so messages stay inside Telegram's limits."""
    return name if len(name) <= SHORT_NAME else name[: SHORT_NAME - 1] + "…"


def plain(locale: str, key: str, **values: Any) -> str:
    """The text `key` for places without HTML (button labels, toasts): values are not escaped."""
    template = _template(locale, key)
    return template.format(**{name: str(value) for name, value in values.items()})


def has(key: str) -> bool:
    """Whether the locale files define `key` (English is the reference)."""
    return key in catalog("en")
