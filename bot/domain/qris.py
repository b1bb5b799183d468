"""QRIS: a center's EMVCo merchant-presented QR payload, read, checked and given an amount.

A payload is tag-length-value text: a two-digit id, a two-digit length, then the value.
Merchant account templates (26-51) and the additional data template (62) hold fields of
their own. The last field, 63, is a CRC-16/CCITT-FALSE over everything before its value.
A static sticker (point of initiation 11) lets the payer type the amount; the dynamic payload
built here (12) carries it in field 54, so the payer's app shows the exact sum to pay.
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from bot.domain.money import Money, minor_digits

FORMAT_INDICATOR: Final = "00"
INITIATION: Final = "01"
MERCHANT_CATEGORY: Final = "52"
CURRENCY: Final = "53"
AMOUNT: Final = "54"
COUNTRY: Final = "58"
MERCHANT_NAME: Final = "59"
MERCHANT_CITY: Final = "60"
ADDITIONAL_DATA: Final = "62"
CRC: Final = "63"
STATIC, DYNAMIC = "11", "12"
RUPIAH_NUMERIC: Final = "360"  # ISO 4217 numeric code of IDR
# Merchant account information templates; 02-25 are single values of card networks.
ACCOUNT_TEMPLATES: Final = frozenset(f"{tag:02d}" for tag in range(26, 52))
TEMPLATES: Final = ACCOUNT_TEMPLATES | {ADDITIONAL_DATA}
# EMVCo caps a payload at 512 characters; a longer text is not a QR sticker.
MAX_PAYLOAD: Final = 512
# A payee link (wxp://..., https://qr.alipay.com/...) is short; this is far above any.
MAX_PAYEE_QR: Final = 1024
_CRC_TAIL: Final = re.compile(r"6304([0-9A-F]{4})")
_AMOUNT_TEXT: Final = re.compile(r"[0-9]+(\.[0-9]+)?")
_CATEGORY: Final = re.compile(r"[0-9]{4}")
_MAX_AMOUNT_CHARS: Final = 13


class QrisRefusal(StrEnum):
    """Why a text is not a usable QRIS payload (each value is a locale key's last part)."""

    EMPTY = "empty"
    TOO_LONG = "too_long"
    MALFORMED = "malformed"
    NO_CRC = "no_crc"
    BAD_CRC = "bad_crc"
    NOT_EMVCO = "not_emvco"
    BAD_INITIATION = "bad_initiation"
    NO_MERCHANT_ACCOUNT = "no_merchant_account"
    BAD_CATEGORY = "bad_category"
    NOT_RUPIAH = "not_rupiah"
    NOT_INDONESIA = "not_indonesia"
    NO_MERCHANT_NAME = "no_merchant_name"
    NO_MERCHANT_CITY = "no_merchant_city"
    BAD_AMOUNT = "bad_amount"
    NOT_STATIC = "not_static"


class InvalidQris(ValueError):
    """A payload that is not a valid QRIS; `reason` says why."""

    def __init__(self, reason: QrisRefusal) -> None:
        super().__init__(reason.value)
        self.reason = reason


@dataclass(frozen=True)
class Field:
    """One tag-length-value field; a template's `children` are its own fields."""

    tag: str
    value: str
    children: tuple[Field, ...] = ()

    def encode(self) -> str:
        """The field as payload text: id, two-digit length, value."""
        return f"{self.tag}{len(self.value):02d}{self.value}"


@dataclass(frozen=True)
class Qris:
    """A checked QRIS payload: its fields in order, and the text it was read from."""

    fields: tuple[Field, ...]
    payload: str

    def value(self, tag: str) -> str | None:
        """The value of top-level field `tag`, None when absent."""
        return next((f.value for f in self.fields if f.tag == tag), None)

    @property
    def merchant_name(self) -> str:
        """The merchant's name as the sticker writes it."""
        return self.value(MERCHANT_NAME) or ""

    @property
    def merchant_city(self) -> str:
        """The merchant's city as the sticker writes it."""
        return self.value(MERCHANT_CITY) or ""

    @property
    def is_dynamic(self) -> bool:
        """Whether the payload is for one payment (12) rather than a sticker (11)."""
        return self.value(INITIATION) == DYNAMIC

    @property
    def amount(self) -> str | None:
        """Field 54 as written ("25000"), None on a static sticker."""
        return self.value(AMOUNT)


def crc16(data: str) -> str:
    """CRC-16/CCITT-FALSE of the text's bytes, as four uppercase hex digits."""
    return f"{binascii.crc_hqx(data.encode('utf-8'), 0xFFFF):04X}"


def split_fields(text: str) -> tuple[Field, ...]:
    """Read `text` as tag-length-value fields (templates' contents too); MALFORMED if not."""
    fields: list[Field] = []
    at = 0
    while at < len(text):
        head = text[at : at + 4]
        if len(head) < 4 or not (head.isascii() and head.isdigit()):
            raise InvalidQris(QrisRefusal.MALFORMED)
        tag, length = head[:2], int(head[2:])
        value = text[at + 4 : at + 4 + length]
        if length == 0 or len(value) < length:
            raise InvalidQris(QrisRefusal.MALFORMED)
        fields.append(Field(tag, value, split_fields(value) if tag in TEMPLATES else ()))
        at += 4 + length
    if len({f.tag for f in fields}) != len(fields):  # a tag twice: which one would count?
        raise InvalidQris(QrisRefusal.MALFORMED)
    return tuple(fields)


def parse_qris(text: str) -> Qris:
    """Read and check a merchant-presented QRIS payload; InvalidQris says what is wrong."""
    payload = text.strip()
    if not payload:
        raise InvalidQris(QrisRefusal.EMPTY)
    if len(payload) > MAX_PAYLOAD:
        raise InvalidQris(QrisRefusal.TOO_LONG)
    fields = split_fields(payload)
    check_crc(payload, fields)
    qris = Qris(fields, payload)
    for reason, holds in _RULES:
        if not holds(qris):
            raise InvalidQris(reason)
    return qris


def check_crc(payload: str, fields: tuple[Field, ...]) -> None:
    """Field 63 comes last, four uppercase hex digits, equal to the CRC of what precedes it."""
    if fields[-1].tag != CRC:
        raise InvalidQris(QrisRefusal.NO_CRC)
    tail = _CRC_TAIL.fullmatch(payload[-8:])
    if tail is None or tail.group(1) != crc16(payload[:-4]):
        raise InvalidQris(QrisRefusal.BAD_CRC)


def _emvco(qris: Qris) -> bool:
    """Field 00 comes first and says payload format 01."""
    first = qris.fields[0]
    return first.tag == FORMAT_INDICATOR and first.value == "01"


def _category(qris: Qris) -> bool:
    """Field 52 is a four-digit merchant category code."""
    return bool(_CATEGORY.fullmatch(qris.value(MERCHANT_CATEGORY) or ""))


def _named(tag: str) -> Callable[[Qris], bool]:
    """A rule: field `tag` holds more than spaces."""
    return lambda qris: bool((qris.value(tag) or "").strip())


def _amount_ok(qris: Qris) -> bool:
    """No amount, or a positive number of at most 13 characters."""
    amount = qris.amount
    if amount is None:
        return True
    written = len(amount) <= _MAX_AMOUNT_CHARS and bool(_AMOUNT_TEXT.fullmatch(amount))
    return written and any(digit not in "0." for digit in amount)


# Checked in this order, so the first reason named is the most basic one.
_RULES: Final[tuple[tuple[QrisRefusal, Callable[[Qris], bool]], ...]] = (
    (QrisRefusal.NOT_EMVCO, _emvco),
    (QrisRefusal.BAD_INITIATION, lambda q: q.value(INITIATION) in (STATIC, DYNAMIC)),
    (QrisRefusal.NO_MERCHANT_ACCOUNT, lambda q: any(f.tag in ACCOUNT_TEMPLATES for f in q.fields)),
    (QrisRefusal.BAD_CATEGORY, _category),
    (QrisRefusal.NOT_RUPIAH, lambda q: q.value(CURRENCY) == RUPIAH_NUMERIC),
    (QrisRefusal.NOT_INDONESIA, lambda q: q.value(COUNTRY) == "ID"),
    (QrisRefusal.NO_MERCHANT_NAME, _named(MERCHANT_NAME)),
    (QrisRefusal.NO_MERCHANT_CITY, _named(MERCHANT_CITY)),
    (QrisRefusal.BAD_AMOUNT, _amount_ok),
)


def amount_text(money: Money) -> str:
    """Field 54 for `money`: whole rupiah as plain digits ("25000"), no decimal point."""
    digits = minor_digits(money.currency)
    whole, fraction = divmod(money.minor, 10**digits)
    return str(whole) if digits == 0 or fraction == 0 else f"{whole}.{fraction:0{digits}d}"


def with_amount(static: Qris, money: Money) -> str:
    """The dynamic payload for paying `money`: initiation 12, field 54, the CRC recomputed."""
    if money.currency != "IDR" or money.minor <= 0:
        raise InvalidQris(QrisRefusal.BAD_AMOUNT)
    kept = [f for f in static.fields if f.tag not in (INITIATION, AMOUNT, CRC)]
    added = [Field(INITIATION, DYNAMIC), Field(AMOUNT, amount_text(money))]
    # Ids ascend, so 54 lands after 53 (the currency) and 01 after 00.
    ordered = sorted([*kept, *added], key=lambda f: f.tag)
    body = "".join(f.encode() for f in ordered) + f"{CRC}04"
    return body + crc16(body)


def static_qris(text: str) -> Qris:
    """A sticker's payload to keep for a center: valid, and for every payment (11), not one."""
    qris = parse_qris(text)
    if qris.is_dynamic:  # a one-time code from a payment: it is not the counter's sticker
        raise InvalidQris(QrisRefusal.NOT_STATIC)
    return qris


def payee_content(text: str) -> str:
    """A CNY center's payee QR content, kept as it is once it looks like one code's text."""
    content = text.strip()
    if not content:
        raise InvalidQris(QrisRefusal.EMPTY)
    if len(content) > MAX_PAYEE_QR:
        raise InvalidQris(QrisRefusal.TOO_LONG)
    if not content.isprintable():  # a line break or a control character: not a wallet's link
        raise InvalidQris(QrisRefusal.MALFORMED)
    return content
