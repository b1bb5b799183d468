"""The deployment files: the systemd unit, the Dockerfile and compose.yaml.

No container engine runs where these tests run, so the images are not built; what can be
checked without one is: every path the Dockerfile copies exists and reaches the build, the
commands are real `kiosdesa` subcommands, and compose sets only variables the bot reads, with
a DATABASE_URL that matches its PostgreSQL service. The unit is checked by systemd itself.
"""

from __future__ import annotations

import configparser
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml
from sqlalchemy.engine import make_url

from bot.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
UNIT = ROOT / "deploy" / "kiosdesa.service"
DOCKERFILE = ROOT / "Dockerfile"
COMPOSE = ROOT / "compose.yaml"


def subcommands() -> set[str]:
    """The `kiosdesa` subcommands."""
    actions = [a for a in build_parser()._actions if a.dest == "command"]
    return set(actions[0].choices or ())


def variables_the_bot_reads() -> set[str]:
    """The environment variables bot/config.py reads."""
    source = (ROOT / "bot" / "config.py").read_text(encoding="utf-8")
    return set(re.findall(r'os\.environ\.get\("([A-Z_]+)"', source))


def unit_service() -> configparser.SectionProxy:
    """The [Service] section of the unit."""
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(UNIT, encoding="utf-8")
    return parser["Service"]


def test_the_unit_restarts_on_failure_and_reads_env_as_its_own_user() -> None:
    service = unit_service()

    assert service["Restart"] == "on-failure"
    assert service["User"] == "kiosdesa"
    assert service["EnvironmentFile"] == f"{service['WorkingDirectory']}/.env"
    program, *args = service["ExecStart"].split()
    assert PurePosixPath(program).name == "kiosdesa"
    assert args == ["run"] and "run" in subcommands()


def test_systemd_analyze_verifies_the_unit(tmp_path: Path) -> None:
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed here (no systemd)")
    installed = Path(sys.executable).parent / "kiosdesa"
    if not installed.exists():
        pytest.skip("the kiosdesa command is not installed in this environment")
    # systemd checks that ExecStart's program exists: point it at this installation's.
    unit = tmp_path / "kiosdesa.service"
    program = unit_service()["ExecStart"].split()[0]
    unit.write_text(UNIT.read_text(encoding="utf-8").replace(program, str(installed)))

    done = subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, check=False
    )

    assert done.returncode == 0, done.stderr
    assert "kiosdesa" not in done.stdout + done.stderr


def dockerfile_instructions() -> list[tuple[str, str]]:
    """The Dockerfile's instructions and their arguments, continuation lines joined."""
    text = DOCKERFILE.read_text(encoding="utf-8").replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines()]
    pairs = [line.split(maxsplit=1) for line in lines if line and not line.startswith("#")]
    return [(pair[0].upper(), pair[1]) for pair in pairs]


def test_the_dockerfile_copies_what_exists_and_runs_a_real_subcommand() -> None:
    instructions = dockerfile_instructions()
    copied = [arg.split()[:-1] for op, arg in instructions if op == "COPY"]
    sources = [source for sources in copied for source in sources]
    allowed = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()

    assert all((ROOT / source).exists() for source in sources), sources
    assert all(f"!{source}" in allowed for source in sources)  # not left out of the build
    assert {"bot", "handlers", "storage", "pyproject.toml", "README.md"} <= set(sources)
    command = json.loads(dict(instructions)["CMD"])
    assert command[0] == "kiosdesa" and command[1] in subcommands()


def compose() -> dict[str, Any]:
    """compose.yaml, read."""
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    return loaded


def with_defaults(value: str) -> str:
    """`value` with each ${NAME:-default} replaced by its default, as compose would."""
    return re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", value)


def test_compose_sets_only_what_the_bot_reads_and_points_it_at_its_database() -> None:
    services = compose()["services"]
    bot, db = services["bot"], services["db"]

    assert set(bot["environment"]) <= variables_the_bot_reads()
    assert bot["env_file"] == ".env"  # BOT_TOKEN and ADMIN_IDS, as for `kiosdesa run`
    assert bot["command"][0] == "kiosdesa" and bot["command"][1] in subcommands()
    assert (ROOT / bot["build"] / "Dockerfile").exists()
    url = make_url(with_defaults(bot["environment"]["DATABASE_URL"]))
    postgres = {key: with_defaults(value) for key, value in db["environment"].items()}
    assert (url.get_backend_name(), url.host, url.port) == ("postgresql", "db", 5432)
    assert url.username == postgres["POSTGRES_USER"]
    assert url.password == postgres["POSTGRES_PASSWORD"]
    assert url.database == postgres["POSTGRES_DB"]
    assert bot["depends_on"]["db"]["condition"] == "service_healthy"
    assert bot["restart"] == "on-failure"
