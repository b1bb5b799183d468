"""LEASE_TTL: how long a bot's lease lasts unrenewed (several processes on PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import build_parser
from bot.config import DEFAULT_LEASE_TTL, ConfigError, load_settings


@pytest.fixture(autouse=True)
def token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", "123:abc")
    monkeypatch.delenv("LEASE_TTL", raising=False)


def test_a_lease_lasts_15_seconds_unless_told_otherwise(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert load_settings(tmp_path / ".env").lease_ttl_s == DEFAULT_LEASE_TTL == 15
    monkeypatch.setenv("LEASE_TTL", "4.5")
    assert load_settings(tmp_path / ".env").lease_ttl_s == 4.5


@pytest.mark.parametrize("seconds", ["0", "-3", "soon", "inf"])
def test_a_lease_time_that_is_no_positive_number_of_seconds_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, seconds: str
) -> None:
    monkeypatch.setenv("LEASE_TTL", seconds)
    with pytest.raises(ConfigError, match="LEASE_TTL must be a positive number of seconds"):
        load_settings(tmp_path / ".env")


def test_run_help_names_the_lease_time(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["run", "--help"])
    assert "LEASE_TTL" in capsys.readouterr().out
