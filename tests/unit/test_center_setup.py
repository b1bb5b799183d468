"""What an operator may type for a center's code, name, manager and location."""

from __future__ import annotations

import pytest

from bot.domain.center_setup import center_code, center_name, typed_location, user_id


@pytest.mark.parametrize(
    ("typed", "code"),
    [("leping", "LEPING"), (" Sawah-1 ", "SAWAH-1"), ("a_b", "A_B"), ("x" * 32, "X" * 32)],
)
def test_codes_are_upper_cased(typed: str, code: str) -> None:
    assert center_code(typed) == code


@pytest.mark.parametrize("typed", ["", "two words", "x" * 33, "désa", "a/b", "١٢", "LEP\nING"])
def test_codes_that_cannot_go_into_a_deep_link_are_refused(typed: str) -> None:
    assert center_code(typed) is None


def test_names_are_tidied_and_kept_short() -> None:
    assert center_name("  Kios   Desa\tLeping ") == "Kios Desa Leping"
    assert center_name("   ") is None
    assert center_name("x" * 101) is None


@pytest.mark.parametrize(("typed", "expected"), [("22222222", 22222222), (" 7 ", 7)])
def test_user_ids_are_positive_numbers(typed: str, expected: int) -> None:
    assert user_id(typed) == expected


@pytest.mark.parametrize("typed", ["0", "-5", "abc", "1e9", "²", "9" * 17, ""])
def test_other_user_ids_are_refused(typed: str) -> None:
    assert user_id(typed) is None


def test_locations_are_typed_as_latitude_and_longitude() -> None:
    assert typed_location("-7.56, 110.82") == (-7.56, 110.82)
    assert typed_location("-7.56 110.82") == (-7.56, 110.82)
    assert typed_location("95, 10") is None
    assert typed_location("near the river") is None
