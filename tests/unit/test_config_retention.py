"""OUTBOX_KEEP_DAYS: how long sent messages are kept (docs/privacy.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import DEFAULT_OUTBOX_KEEP_DAYS, ConfigError, load_settings


@pytest.fixture(autouse=True)
def token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", "123:abc")
    monkeypatch.delenv("OUTBOX_KEEP_DAYS", raising=False)


def test_sent_messages_are_kept_30_days_unless_told_otherwise(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert load_settings(tmp_path / ".env").outbox_keep_days == DEFAULT_OUTBOX_KEEP_DAYS == 30
    monkeypatch.setenv("OUTBOX_KEEP_DAYS", "7")
    assert load_settings(tmp_path / ".env").outbox_keep_days == 7


@pytest.mark.parametrize("days", ["0", "-3", "a month", "inf"])
def test_a_keep_time_that_is_no_positive_number_of_days_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, days: str
) -> None:
    monkeypatch.setenv("OUTBOX_KEEP_DAYS", days)
    with pytest.raises(ConfigError, match="OUTBOX_KEEP_DAYS"):
        load_settings(tmp_path / ".env")
