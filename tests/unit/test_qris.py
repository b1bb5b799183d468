"""QRIS payloads: read as tag-length-value, checked field by field, and given an exact amount.

The CRC is checked against values published elsewhere (the CRC-16/CCITT-FALSE check value,
the EMVCo specification's sample payload) and against a bit-by-bit reference written here.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.money import Money
from bot.domain.qris import (
    InvalidQris,
    QrisRefusal,
    crc16,
    parse_qris,
    payee_content,
    split_fields,
    static_qris,
    with_amount,
)

# The worked example of EMVCo's Merchant-Presented Mode specification (a Chinese merchant,
# amount 23.72 yuan, with its tip, additional data and alternate-language templates).
EMVCO_SAMPLE = (
    "00020101021229300012D156000000000510A93FO3230Q31280012D15600000001030812345678"
    "520441115802CN5914BEST TRANSPORT6007BEIJING64200002ZH0104最佳运输0202北京"
    "540523.7253031565502016233030412340603***0708A60086670902ME91320016A011223344998877"
    "07081234567863"
    "04A13A"
)
# A merchant-presented payload published with the Go library emvco-qrcode (CRC 3FE6).
DONGRI_SAMPLE = (
    "0002010102121516ABCDEF123456789052045311530339254039995802JP5906DONGRI6005TOKYO"
    "62240104hoge0504fuga0704piyo63043FE6"
)


def reference_crc(text: str) -> str:
    """CRC-16/CCITT-FALSE bit by bit (poly 0x1021, init 0xFFFF), as the standard defines it."""
    crc = 0xFFFF
    for byte in text.encode("utf-8"):
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return f"{crc:04X}"


def tlv(tag: str, value: str) -> str:
    """One field, written out by hand: id, two-digit length, value."""
    return f"{tag}{len(value):02d}{value}"


def with_crc(body: str) -> str:
    """`body` closed by field 63, its CRC from the reference implementation."""
    return body + "6304" + reference_crc(body + "6304")


QRIS_ACCOUNT = tlv("00", "ID.CO.QRIS.WWW") + tlv("02", "ID1020000000001") + tlv("03", "UMI")
BANK_ACCOUNT = tlv("00", "ID.CO.BANKDESA.WWW") + tlv("01", "936000000000000001")
FIELDS = {
    "00": "01",
    "01": "11",
    "26": BANK_ACCOUNT,
    "51": QRIS_ACCOUNT,
    "52": "5411",
    "53": "360",
    "58": "ID",
    "59": "KIOS DESA LEPING",
    "60": "BOYOLALI",
    "61": "57351",
    "62": tlv("07", "A01"),
}


def payload(**changes: str | None) -> str:
    """The Leping sticker's payload with fields changed (`f54="25000"`) or dropped (None)."""
    fields = {**FIELDS, **{tag.removeprefix("f"): value for tag, value in changes.items()}}
    return with_crc("".join(tlv(tag, value) for tag, value in fields.items() if value))


STICKER = payload()


def test_the_crc_matches_the_published_check_value() -> None:
    assert crc16("123456789") == "29B1"
    assert reference_crc("123456789") == "29B1"


def test_the_crc_matches_the_emvco_specification_sample() -> None:
    assert crc16(EMVCO_SAMPLE[:-4]) == reference_crc(EMVCO_SAMPLE[:-4]) == "A13A"
    assert crc16(DONGRI_SAMPLE[:-4]) == "3FE6"


def test_the_emvco_sample_is_read_field_by_field_with_its_templates() -> None:
    fields = split_fields(EMVCO_SAMPLE)
    assert [f.tag for f in fields] == [
        "00", "01", "29", "31", "52", "58", "59", "60", "64", "54", "53", "55", "62", "91", "63"
    ]  # fmt: skip
    account = fields[2]
    assert [(f.tag, f.value) for f in account.children] == [
        ("00", "D15600000000"),
        ("05", "A93FO3230Q"),
    ]
    extra = next(f for f in fields if f.tag == "62")
    assert [(f.tag, f.value) for f in extra.children] == [
        ("03", "1234"),
        ("06", "***"),
        ("07", "A6008667"),
        ("09", "ME"),
    ]
    # Its CRC is right; it is refused only for being a payment in yuan, not rupiah.
    with pytest.raises(InvalidQris) as refused:
        parse_qris(EMVCO_SAMPLE)
    assert refused.value.reason is QrisRefusal.NOT_RUPIAH


def test_a_sticker_built_from_the_specification_is_read() -> None:
    qris = parse_qris(STICKER + "\n")  # pasted with a line break
    assert (qris.merchant_name, qris.merchant_city) == ("KIOS DESA LEPING", "BOYOLALI")
    assert not qris.is_dynamic and qris.amount is None
    assert static_qris(STICKER).payload == STICKER


def test_the_exact_amount_goes_in_field_54_after_the_currency() -> None:
    dynamic = with_amount(parse_qris(STICKER), Money(25_000, "IDR"))
    expected = with_crc(
        "000201"
        "010212" + tlv("26", BANK_ACCOUNT) + tlv("51", QRIS_ACCOUNT) + "52045411"
        "5303360"
        "540525000"
        "5802ID"
        "5916KIOS DESA LEPING"
        "6008BOYOLALI"
        "610557351"
        "62070703A01"
    )
    assert dynamic == expected
    qris = parse_qris(dynamic)
    assert qris.is_dynamic and qris.amount == "25000"


def test_a_dynamic_payload_given_again_gets_the_new_amount() -> None:
    first = with_amount(parse_qris(STICKER), Money(10_000, "IDR"))
    again = with_amount(parse_qris(first), Money(1_500, "IDR"))
    assert parse_qris(again).amount == "1500"
    assert again == with_amount(parse_qris(STICKER), Money(1_500, "IDR"))


@pytest.mark.parametrize("money", [Money(0, "IDR"), Money(1250, "CNY")])
def test_no_amount_but_a_positive_number_of_rupiah(money: Money) -> None:
    with pytest.raises(InvalidQris) as refused:
        with_amount(parse_qris(STICKER), money)
    assert refused.value.reason is QrisRefusal.BAD_AMOUNT


BROKEN = [
    ("   ", QrisRefusal.EMPTY),
    (STICKER + "0" * 512, QrisRefusal.TOO_LONG),
    ("000201010211XX", QrisRefusal.MALFORMED),
    (STICKER[:-10], QrisRefusal.MALFORMED),  # cut inside a field
    ("0002010002016304", QrisRefusal.MALFORMED),  # a tag twice
    ("https://qr.alipay.com/fkx123", QrisRefusal.MALFORMED),
    (payload()[:-8] + "6105573516304ABCD", QrisRefusal.MALFORMED),  # 61 twice
    (STICKER[:-8] + "9905ABCDE", QrisRefusal.NO_CRC),
    (STICKER[:-4] + "0000", QrisRefusal.BAD_CRC),
    (STICKER[:-4] + STICKER[-4:].lower(), QrisRefusal.BAD_CRC),
    (STICKER.replace("BOYOLALI", "BOYOLALY"), QrisRefusal.BAD_CRC),
    (payload(f00="02"), QrisRefusal.NOT_EMVCO),
    (with_crc("010211000201" + STICKER[12:-8]), QrisRefusal.NOT_EMVCO),  # 00 not first
    (payload(f01="13"), QrisRefusal.BAD_INITIATION),
    (payload(f01=None), QrisRefusal.BAD_INITIATION),
    (payload(f26=None, f51=None), QrisRefusal.NO_MERCHANT_ACCOUNT),
    (payload(f52="54A1"), QrisRefusal.BAD_CATEGORY),
    (payload(f53="840"), QrisRefusal.NOT_RUPIAH),
    (payload(f58="MY"), QrisRefusal.NOT_INDONESIA),
    (payload(f59=None), QrisRefusal.NO_MERCHANT_NAME),
    (payload(f59="   "), QrisRefusal.NO_MERCHANT_NAME),
    (payload(f60=None), QrisRefusal.NO_MERCHANT_CITY),
    (payload(f54="0"), QrisRefusal.BAD_AMOUNT),
    (payload(f54="12,500"), QrisRefusal.BAD_AMOUNT),
]


@pytest.mark.parametrize(
    ("text", "reason"), BROKEN, ids=[f"{r}-{n}" for n, (_, r) in enumerate(BROKEN)]
)
def test_a_broken_payload_is_refused_with_its_reason(text: str, reason: QrisRefusal) -> None:
    with pytest.raises(InvalidQris) as refused:
        parse_qris(text)
    assert refused.value.reason is reason


def test_a_one_time_payload_is_not_kept_as_a_sticker() -> None:
    with pytest.raises(InvalidQris) as refused:
        static_qris(payload(f01="12", f54="5000"))
    assert refused.value.reason is QrisRefusal.NOT_STATIC


def test_a_payee_qr_is_kept_as_it_is_once_it_looks_like_one() -> None:
    assert payee_content(" wxp://f2f0Abc-123 \n") == "wxp://f2f0Abc-123"
    for text, reason in [
        ("  ", QrisRefusal.EMPTY),
        ("https://qr.alipay.com/" + "x" * 1100, QrisRefusal.TOO_LONG),
        ("wxp://a\nb", QrisRefusal.MALFORMED),
    ]:
        with pytest.raises(InvalidQris) as refused:
            payee_content(text)
        assert refused.value.reason is reason


NAMES = st.text(st.characters(min_codepoint=32, max_codepoint=126), min_size=1, max_size=25)


@given(
    minor=st.integers(min_value=1, max_value=10**12),
    name=NAMES.filter(str.strip),
    city=NAMES.filter(str.strip),
)
def test_any_amount_read_back_is_the_amount_given(minor: int, name: str, city: str) -> None:
    sticker = parse_qris(payload(f59=name, f60=city))
    dynamic = with_amount(sticker, Money(minor, "IDR"))
    qris = parse_qris(dynamic)
    assert qris.amount == str(minor) and qris.is_dynamic
    assert dynamic[-4:] == reference_crc(dynamic[:-4])
    assert (qris.merchant_name, qris.merchant_city) == (name, city)
    kept = [f for f in qris.fields if f.tag not in ("01", "54", "63")]
    assert kept == [f for f in sticker.fields if f.tag not in ("01", "63")]
