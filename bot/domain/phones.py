"""Phone numbers, parsed and formatted with the phonenumbers library."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

import phonenumbers
from phonenumbers import (
    PhoneMetadata,
    PhoneNumber,
    PhoneNumberFormat,
    PhoneNumberType,
    carrier,
)

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


# --- Mobile numbers for top-ups: which number, and which operator sells its credit ---


class PhoneReason(StrEnum):
    """Why a typed number cannot be topped up; the value is the code its text is keyed by."""

    INVALID = "invalid"
    NOT_MOBILE = "not_mobile"
    WRONG_COUNTRY = "wrong_country"


class PhoneError(ValueError):
    """A typed number cannot be topped up; `reason` says why, as a short code."""

    def __init__(self, reason: PhoneReason) -> None:
        """Keep the reason code; the bot turns it into a localized message."""
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Operator:
    """A mobile operator brand: a stable code to store, a name to show."""

    code: str
    name: str


@dataclass(frozen=True)
class MobileNumber:
    """A valid mobile number of the center's country.

    `national` is the number as dialled inside the country, digits only
    ("081234567890", "13800138000"); `operator` is a code from OPERATORS, or
    None when no operator is known for the prefix.
    """

    e164: str
    national: str
    region: str
    operator: str | None


OPERATORS: Final[dict[str, tuple[Operator, ...]]] = {
    "ID": (
        Operator("telkomsel", "Telkomsel"),
        Operator("indosat", "Indosat"),
        Operator("xl", "XL"),
        Operator("axis", "AXIS"),
        Operator("smartfren", "Smartfren"),
        Operator("tri", "Tri"),
    ),
    "CN": (
        Operator("cmcc", "China Mobile"),
        Operator("unicom", "China Unicom"),
        Operator("telecom", "China Telecom"),
    ),
}

# Brand by the national number's prefix. Indonesia: the table wins over the library,
# whose data says "Indosat Ooredoo Hutchison" for Tri's 089x; the brands are still sold
# (and topped up) separately, as are XL and AXIS.
_ID_PREFIXES: Final[dict[str, str]] = {
    "telkomsel": "0811 0812 0813 0821 0822 0823 0851 0852 0853",
    "indosat": "0814 0815 0816 0855 0856 0857 0858",
    "xl": "0817 0818 0819 0859 0877 0878",
    "axis": "0831 0832 0833 0838",
    "smartfren": "0881 0882 0883 0884 0885 0886 0887 0888 0889",
    "tri": "0895 0896 0897 0898 0899",
}
# China: used only where the library's carrier data is silent. 134 stops at 1348:
# 1349 is Chinasat's satellite block, not China Mobile's.
_CN_PREFIXES: Final[dict[str, str]] = {
    "cmcc": "1340 1341 1342 1343 1344 1345 1346 1347 1348 135 136 137 138 139 147 "
    "150 151 152 157 158 159 178 182 183 184 187 188 195 197 198",
    "unicom": "130 131 132 145 155 156 166 175 176 185 186 196",
    "telecom": "133 149 153 173 177 180 181 189 190 191 193 199",
}
_PREFIX_TABLES: Final[dict[str, dict[str, str]]] = {
    region: {prefix: code for code, prefixes in table.items() for prefix in prefixes.split()}
    for region, table in (("ID", _ID_PREFIXES), ("CN", _CN_PREFIXES))
}
# The library's English carrier names; others (e.g. "China Broadnet") have no code here.
_CARRIER_CODES: Final[dict[str, str]] = {
    "Telkomsel": "telkomsel",
    "Indosat Ooredoo Hutchison": "indosat",
    "XL": "xl",
    "AXIS": "axis",
    "Smartfren": "smartfren",
    "China Mobile": "cmcc",
    "China Unicom": "unicom",
    "China Telecom": "telecom",
}
# Far longer than any number with separators; stops pasted text before the library sees it.
_MAX_INPUT_LENGTH: Final = 40
# Digits, the usual separators, and one leading "+" (or "00"); no letters, which the
# library would otherwise read as a vanity number ("0812 FLOWERS").
_PHONE_CHARACTERS: Final = re.compile(r"\+?[0-9 ()./\-]+", re.ASCII)
_SEPARATORS: Final = re.compile(r"[ ()./\-]+", re.ASCII)


def parse_mobile(text: str, region: str) -> MobileNumber:
    """The mobile number typed in any common form, for a center in `region` ("ID", "CN")."""
    if region not in OPERATORS:
        raise ValueError(f"unsupported region: {region!r}")
    number = _parse_any_form(_clean_phone_text(text), region)
    if phonenumbers.region_code_for_number(number) != region:
        raise PhoneError(PhoneReason.WRONG_COUNTRY)
    if phonenumbers.number_type(number) != PhoneNumberType.MOBILE:
        raise PhoneError(PhoneReason.NOT_MOBILE)
    national = _digits_as_dialled(number)
    return MobileNumber(
        e164=phonenumbers.format_number(number, PhoneNumberFormat.E164),
        national=national,
        region=region,
        operator=_detect_operator(number, region, national),
    )


def operator_name(code: str) -> str:
    """The display name of an operator code from OPERATORS."""
    for operators in OPERATORS.values():
        for operator in operators:
            if operator.code == code:
                return operator.name
    raise KeyError(code)


def _clean_phone_text(text: str) -> str:
    """The number with separators removed and "00" turned into "+"; PhoneError if not one."""
    # Chinese keyboards often type full-width digits and a full-width plus sign.
    folded = unicodedata.normalize("NFKC", text[: _MAX_INPUT_LENGTH + 1]).strip()
    if len(folded) > _MAX_INPUT_LENGTH or not _PHONE_CHARACTERS.fullmatch(folded):
        raise PhoneError(PhoneReason.INVALID)
    compact = _SEPARATORS.sub("", folded)
    # "0062 812..." is how many people write +62; no national number starts with "00".
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if not compact.lstrip("+"):
        raise PhoneError(PhoneReason.INVALID)
    return compact


def _parse_any_form(compact: str, region: str) -> PhoneNumber:
    """A valid number: national, +international, or international without the "+"."""
    number = _parse_valid(compact, region)
    # Longer than any local mobile number: "8613800138000" typed at an Indonesian
    # center is a Chinese number without its "+", not garbage. A shorter one is more
    # likely a local typo ("140 1234 5678" in China is not a US number).
    too_long_to_be_local = len(compact) > _longest_mobile_number(region)
    if number is None and not compact.startswith(("+", "0")) and too_long_to_be_local:
        number = _parse_valid("+" + compact, region)
    if number is None:
        raise PhoneError(PhoneReason.INVALID)
    return number


def _longest_mobile_number(region: str) -> int:
    """How many digits the region's longest mobile number has, without its trunk "0"."""
    metadata = PhoneMetadata.metadata_for_region(region)
    if metadata is None or metadata.mobile is None or not metadata.mobile.possible_length:
        raise ValueError(f"no mobile numbers known for region {region!r}")
    return max(metadata.mobile.possible_length)


def _parse_valid(text: str, region: str) -> PhoneNumber | None:
    """The number if the library parses it and calls it valid, else None."""
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def _digits_as_dialled(number: PhoneNumber) -> str:
    """The national form without separators ("081234567890")."""
    formatted = phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    return "".join(character for character in formatted if character.isdigit())


def _detect_operator(number: PhoneNumber, region: str, national: str) -> str | None:
    """The operator code: by our prefix table or the library's carrier data."""
    by_table = _operator_by_prefix(region, national)
    by_data = _CARRIER_CODES.get(carrier.name_for_number(number, "en"))
    # Indonesia's table knows brands; China's data is finer (170x is split three ways).
    first, second = (by_table, by_data) if region == "ID" else (by_data, by_table)
    return first or second


def _operator_by_prefix(region: str, national: str) -> str | None:
    """The operator of the longest matching prefix in the region's table."""
    table = _PREFIX_TABLES.get(region, {})
    for length in (4, 3):
        code = table.get(national[:length])
        if code is not None:
            return code
    return None
