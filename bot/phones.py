"""Phone numbers, parsed and formatted with the phonenumbers library."""

from __future__ import annotations

import phonenumbers

# Which region a center's numbers default to, by its currency.
REGION_BY_CURRENCY = {"IDR": "ID", "CNY": "CN"}


def normalize_phone(raw: str, currency: str = "IDR") -> str | None:
    """The number in E.164 (+6281234567890), or None if it is not a valid number."""
    text = raw.strip()
    if text.isdigit() and len(text) > 10 and not text.startswith("0"):
        text = "+" + text  # Telegram contacts carry the country code without "+"
    try:
        number = phonenumbers.parse(text, REGION_BY_CURRENCY.get(currency, "ID"))
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
