"""Webhook mode's pieces: the secret, the addresses, the settings, the doctor's line, and
the gate handing out what any process stored, each update once."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest
from telegram import Bot

from bot.cli import build_parser
from bot.cli.doctor_telegram import webhook_check
from bot.cli.webhook import with_webhook_options
from bot.config import ConfigError, listen_address, load_settings
from bot.transport.inbox_gate import InboxGate, arrival
from bot.transport.webhook import as_update, bot_webhook_url, local_path, webhook_secret
from tests.unit.test_inbox_gate import PRESS, TEXT, RecordingInbox

TOKEN = "123456:AAE-secret-part"


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    monkeypatch.delenv("WEBHOOK_URL", raising=False)
    monkeypatch.delenv("WEBHOOK_LISTEN", raising=False)


def test_each_bot_has_a_secret_telegram_accepts_that_is_not_its_token() -> None:
    secret = webhook_secret(TOKEN)
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret)
    assert secret == webhook_secret(TOKEN)  # every process derives the same one
    assert secret != webhook_secret("654321:other")
    assert "secret-part" not in secret and TOKEN not in secret


def test_each_bot_has_its_own_path_under_the_operators_address() -> None:
    assert bot_webhook_url("https://kios.example/tg/", 123456) == "https://kios.example/tg/123456"
    assert local_path("https://kios.example/tg") == "/tg"
    assert local_path("https://kios.example") == ""


def test_only_an_object_with_an_update_id_is_an_update() -> None:
    assert as_update(b'{"update_id": 5, "message": {}}') == {"update_id": 5, "message": {}}
    for body in (b"", b"not json", b"[1]", b'{"message": {}}', b'{"update_id": "5"}'):
        assert as_update(body) is None


def run_args(*options: str) -> argparse.Namespace:
    return build_parser().parse_args(["run", *options])


def test_polling_unless_a_webhook_is_given(tmp_path: Path) -> None:
    settings = with_webhook_options(load_settings(tmp_path / ".env"), run_args())
    assert settings.webhook_url == ""
    given = run_args("--webhook", "https://kios.example/tg/", "--listen", "0.0.0.0:8443")
    settings = with_webhook_options(load_settings(tmp_path / ".env"), given)
    assert (settings.webhook_url, settings.webhook_listen) == (
        "https://kios.example/tg",
        "0.0.0.0:8443",
    )
    assert listen_address("[::1]:8443") == ("::1", 8443)


def test_the_environment_gives_the_webhook_and_the_options_win(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("WEBHOOK_URL", "https://kios.example/a")
    settings = load_settings(tmp_path / ".env")
    assert (settings.webhook_url, settings.webhook_listen) == (
        "https://kios.example/a",
        "127.0.0.1:8080",
    )
    given = run_args("--webhook", "https://kios.example/b")
    assert with_webhook_options(settings, given).webhook_url == "https://kios.example/b"


@pytest.mark.parametrize(
    ("options", "refusal"),
    [
        (["--webhook", "http://kios.example/tg"], "https"),
        (["--webhook", "https:///tg"], "https"),
        (["--webhook", "https://kios.example/tg?x=1"], "https"),
        (["--webhook", "https://kios.example/tg", "--listen", "8080"], "ADDR:PORT"),
        (["--webhook", "https://kios.example/tg", "--listen", "host:99999"], "ADDR:PORT"),
        (["--listen", "127.0.0.1:8080"], "give --webhook"),
    ],
)
def test_a_wrong_webhook_or_listen_address_is_refused(
    tmp_path: Path, options: list[str], refusal: str
) -> None:
    with pytest.raises(ConfigError, match=refusal):
        with_webhook_options(load_settings(tmp_path / ".env"), run_args(*options))


def test_run_help_explains_webhook_mode(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["run", "--help"])
    shown = capsys.readouterr().out
    for words in ("--webhook", "--listen", "ADDR:PORT", "reverse proxy", "secret"):
        assert words in shown


def test_the_doctor_reads_the_webhook_by_the_mode() -> None:
    expected = "https://kios.example/tg/123456"
    set_there = {"url": expected, "pending_update_count": 0}
    assert not webhook_check(set_there).passed  # polling gets nothing while it is set
    assert webhook_check({"url": ""}, expected).passed  # run --webhook sets it at start
    check = webhook_check(set_there, expected)
    assert check.passed and expected in check.line
    elsewhere = webhook_check({"url": "https://other.example/x/123456"}, expected)
    assert not elsewhere.passed and "other.example" in elsewhere.line
    failing = webhook_check({**set_there, "last_error_message": "Connection refused"}, expected)
    assert not failing.passed and "Connection refused" in failing.line


async def test_the_feed_hands_out_each_stored_update_once_whoever_stored_it() -> None:
    inbox = RecordingInbox()
    gate = InboxGate(inbox, bot_id=1)  # type: ignore[arg-type]
    bot = Bot("1:x")
    assert await gate.replay(bot) == []
    await inbox.receive(1, [arrival(PRESS)])  # stored by another process
    first = await gate.arrived(bot)
    assert [u.update_id for u in first] == [11]
    assert await gate.arrived(bot) == []  # not handled yet, but handed out already
    await inbox.receive(1, [arrival(TEXT)])  # an older number, stored later
    second = await gate.arrived(bot)
    assert [u.update_id for u in second] == [10]
    assert gate.claim(first[0]) is not None and gate.claim(second[0]) is not None
    await inbox.mark_handled(1, [10, 11])
    await inbox.receive(1, [arrival(PRESS)])  # posted again: the inbox keeps the one row
    assert await gate.arrived(bot) == []
