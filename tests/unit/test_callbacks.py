"""Callback data: every button the bot builds parses back, and forged presses are refused."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot.domain.pipeline import Action
from bot.views import callbacks
from bot.views.callbacks import MAX_BYTES, MAX_ID, MAX_REQUEST_ID, PREFIXES, Callback, build, parse

SHORT_ARGS = st.from_regex(r"[a-z0-9_-]{1,16}", fullmatch=True)


def test_pressing_approve_on_a_request_card_tells_the_bot_which_request_and_what_to_do() -> None:
    data = build(callbacks.REQUEST, 1234, Action.APPROVE.value)

    assert data == "req:1234:ap"
    assert parse(data) == Callback("req", 1234, "ap")


def test_a_button_without_an_argument_parses_with_none() -> None:
    assert parse(build(callbacks.CART_VIEW)) == Callback("crv", 0, None)


@given(
    prefix=st.sampled_from(sorted(PREFIXES)),
    ident=st.integers(min_value=0, max_value=MAX_ID),
    arg=st.none() | SHORT_ARGS,
)
def test_every_button_the_bot_can_build_fits_telegrams_64_bytes_and_parses_back(
    prefix: str, ident: int, arg: str | None
) -> None:
    data = build(prefix, ident, arg)

    assert len(data.encode()) <= 64
    assert parse(data) == Callback(prefix, ident, arg)


def test_the_longest_button_still_fits() -> None:
    longest = max(PREFIXES, key=len)
    data = build(longest, MAX_ID, "z" * 16)

    assert len(data.encode()) <= MAX_BYTES == 64


@pytest.mark.parametrize(
    ("prefix", "ident", "arg"),
    [
        ("xyz", 1, None),  # not one of our buttons
        ("req", -1, None),
        ("prd", MAX_ID + 1, None),
        ("req", MAX_REQUEST_ID + 1, None),
        ("req", 1, ""),
        ("req", 1, "AP"),
        ("req", 1, "a p"),
        ("req", 1, "a:b"),
        ("req", 1, "x" * 17),
        ("req", 1, "ap\n"),
    ],
)
def test_the_bot_refuses_to_build_a_button_it_could_not_parse(
    prefix: str, ident: int, arg: str | None
) -> None:
    with pytest.raises(ValueError):
        build(prefix, ident, arg)


@pytest.mark.parametrize(
    "forged",
    [
        None,
        "",
        "req",
        "req:",
        "xyz:1",  # unknown prefix
        "REQ:1",
        "req:abc",  # id is not a number
        "req:1.5",
        "req:-1",  # negative
        "req:+1",
        "req: 1",
        "req:1 ",
        "req:0x10",
        f"prd:{MAX_ID + 1}",  # larger than any product key
        f"req:{MAX_REQUEST_ID + 1}",  # larger than any request key
        "req:" + "9" * 40,
        "req:1:ap:extra",  # extra parts
        "req:1:",
        "req::ap",
        "req:1:" + "a" * 57,  # 64 bytes would fit, but the argument is too long
        "req:" + "1" * 61,  # 65 bytes
        "req:٣",  # Arabic-Indic digit three
        "req:３",  # fullwidth three
        "req:²",  # superscript two
        "req:1:AP",  # uppercase argument
        "req:1:a p",  # space in the argument
        "req:1:ap\n",  # trailing newline
        "req:1\n",
        "req:007",  # not how the bot writes ids
    ],
)
def test_forged_callback_data_is_refused(forged: str | None) -> None:
    assert parse(forged) is None


def test_data_over_64_bytes_is_refused_even_if_well_formed_otherwise() -> None:
    data = "req:1:" + "a" * 59
    assert len(data.encode()) == 65

    assert parse(data) is None


@given(st.text())
@example("req:00")
@example("prd:0:\n")
@example("crt:\udcff")
def test_parse_never_raises_and_accepts_only_what_the_bot_would_build(data: str) -> None:
    parsed = parse(data)

    if parsed is not None:
        assert build(parsed.prefix, parsed.ident, parsed.arg) == data


@given(
    prefix=st.sampled_from(sorted(PREFIXES)),
    body=st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from("0123456789:-_ap")),
)
def test_near_miss_data_after_a_real_prefix_never_sneaks_through(prefix: str, body: str) -> None:
    data = f"{prefix}:{body}"
    parsed = parse(data)

    if parsed is not None:
        assert build(parsed.prefix, parsed.ident, parsed.arg) == data


def test_handler_patterns_match_only_their_own_prefix() -> None:
    import re

    assert re.match(callbacks.pattern(callbacks.REQUEST), "req:1:ap")
    assert not re.match(callbacks.pattern(callbacks.REQUEST), "rqv:1")
    assert not re.match(callbacks.pattern(callbacks.CART), "crv:0")


def test_an_accept_button_names_the_quote_it_was_shown_with() -> None:
    data = build(callbacks.REQUEST, 1234, callbacks.versioned(Action.ACCEPT.value, 3))
    option = build(callbacks.OPTION, 1234, callbacks.versioned("2", MAX_ID))

    assert data == "req:1234:ac-3"
    assert callbacks.version_of(parse(data).arg if parse(data) else None) == ("ac", 3)
    assert parse(option) is not None and len(option.encode()) <= MAX_BYTES
    assert callbacks.version_of("2-" + str(MAX_ID)) == ("2", MAX_ID)


@pytest.mark.parametrize("arg", [None, "ac", "ac-", "ac-x", "ac-03", f"ac-{MAX_ID + 1}", "ac-٣"])
def test_an_argument_without_a_well_formed_version_names_none(arg: str | None) -> None:
    assert callbacks.version_of(arg)[1] is None


def test_a_request_past_32_bits_keeps_its_buttons() -> None:
    """Request ids are 64 bits (migration 0018); other keys stay within 32."""
    data = build(callbacks.REQUEST, 3_000_000_001, "ap")
    assert parse(data) == Callback(callbacks.REQUEST, 3_000_000_001, "ap")
    assert parse("prd:3000000001") is None
