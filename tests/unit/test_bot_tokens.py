"""How a bot's token may be shown, and what counts as a token or a bot's name."""

from __future__ import annotations

import pytest

from bot.domain.bots import BotAccount, bot_name, masked_token, token_bot_id


@pytest.mark.parametrize(
    ("token", "shown"),
    [
        ("123456:AAEklaten-the-secret-part-XYZ", "123456:AAE…XYZ"),
        ("123456:short-secret", "123456:***"),  # too short to show any of it
        ("no colon at all", "***"),
        ("abc:AAEklaten-the-secret-part-XYZ", "***"),
    ],
)
def test_a_token_is_shown_by_its_bot_id_and_the_ends_of_its_secret(token: str, shown: str) -> None:
    assert masked_token(token) == shown


def test_a_bot_account_never_shows_its_token() -> None:
    account = BotAccount(1, "klaten", "kios_klaten_bot", "1:AAEklaten-the-secret-part-XYZ")
    assert "secret" not in repr(account) and "secret" not in account.masked_token


def test_only_a_token_of_botfathers_form_names_a_bot() -> None:
    assert token_bot_id("654321:AAE_x-y") == 654321
    assert token_bot_id("654321:") is None
    assert token_bot_id("654321 AAE") is None
    assert token_bot_id("654321:AAE x") is None


def test_a_bots_name_is_short_and_plain() -> None:
    assert bot_name(" Klaten ") == "klaten"
    assert bot_name("klaten-2") == "klaten-2"
    assert bot_name("kios klaten") is None
    assert bot_name("-x") is None
    assert bot_name("x" * 33) is None
