"""The README as a front page: its first commands are the ones that work, its links lead
somewhere, and it stays short."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from bot.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DEMO = "python3 -m venv .venv && . .venv/bin/activate && pip install -e . && kiosdesa demo"
TESTS = "python3 -m venv .venv && . .venv/bin/activate && pip install -q -e '.[test]' && pytest"
# The guide to running for months is written with the service files it describes.
COMES_WITH_THE_SERVICE_FILES = "docs/operating.md"
# A setting given before a command: `BOT_TOKEN=123456:TRIAL kiosdesa run`.
ENV = re.compile(r"[A-Z_]+=\S*")


def shell_blocks(text: str) -> list[str]:
    """The contents of the ```sh blocks, in order."""
    return [block.strip() for block in re.findall(r"```sh\n(.*?)```", text, re.DOTALL)]


def test_the_first_commands_are_the_demo_and_the_tests_ci_runs() -> None:
    blocks = shell_blocks(README.read_text("utf-8"))
    ci = (ROOT / ".ci" / "run").read_text("utf-8").strip().splitlines()

    assert blocks[:2] == [DEMO, TESTS]
    assert ci[-1] == TESTS


def test_the_front_page_stays_short() -> None:
    words = len(README.read_text("utf-8").split())

    assert 700 < words < 1300, words


@pytest.mark.parametrize(
    "page",
    ["README.md", "ARCHITECTURE.md", *(f"docs/{p.name}" for p in (ROOT / "docs").glob("*.md"))],
)
def test_every_link_leads_to_a_file_or_a_heading(page: str) -> None:
    path = ROOT / page
    text = path.read_text("utf-8")
    links = re.findall(r"\]\(([^)\s]+)\)|src=\"([^\"]+)\"", text)
    missing = []
    for link in (a or b for a, b in links):
        if link.startswith(("http://", "https://", "mailto:")):
            continue
        target, _, anchor = link.partition("#")
        file = (path.parent / target).resolve() if target else path
        if not file.exists() or (anchor and anchor not in headings(file)):
            missing.append(link)
    if set(missing) in ({COMES_WITH_THE_SERVICE_FILES}, {"operating.md"}):
        pytest.skip(f"{COMES_WITH_THE_SERVICE_FILES} is not here yet")
    assert missing == []


def headings(path: Path) -> set[str]:
    """The anchors GitHub makes of a page's headings."""
    titles = re.findall(r"^#+ (.+)$", path.read_text("utf-8"), re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", title).strip().lower().replace(" ", "-") for title in titles}


def test_the_configuration_page_lists_every_setting_the_bot_reads() -> None:
    read = set()
    for package in ("bot", "handlers", "storage"):
        for path in (ROOT / package).rglob("*.py"):
            if "devtools" not in path.parts:  # the demo's terminal reads NO_COLOR and TERM
                read |= set(re.findall(r"environ\.get\(\s*\"([A-Z_]+)\"", path.read_text("utf-8")))
    page = (ROOT / "docs" / "configuration.md").read_text("utf-8")
    listed = set(re.findall(r"^\| `([A-Z_]+)` \|", page, re.MULTILINE))

    assert "LOG_LEVEL" in read
    assert listed == read


def kiosdesa_commands(text: str) -> list[list[str]]:
    """Every `kiosdesa ...` command of a page's ```sh blocks, as argument lists."""
    commands = []
    for block in shell_blocks(text):
        for line in block.replace("\\\n", " ").splitlines():
            commands += _kiosdesa_in(shlex.split(line, comments=True))
    return commands


def _kiosdesa_in(words: list[str]) -> list[list[str]]:
    """The kiosdesa commands of one shell line: after VAR=value, `sudo -u`, `sh -c`..."""
    found = []
    for i, word in enumerate(words):
        if word == "-c" and i + 1 < len(words):
            found += _kiosdesa_in(shlex.split(words[i + 1]))
        program = word.endswith("/bin/kiosdesa") or (
            word == "kiosdesa"
            and (i == 0 or ENV.fullmatch(words[i - 1]) or words[i - 1] in ("&&", "bot"))
        )
        if program:
            rest = words[i + 1 :]
            ends = [j for j, w in enumerate(rest) if w in (">", "&&", "|", ";")]
            found.append(rest[: ends[0]] if ends else rest)
    return found


@pytest.mark.parametrize("page", ["README.md", "docs/operating.md"])
def test_every_kiosdesa_command_in_the_guides_is_one_the_program_takes(page: str) -> None:
    commands = kiosdesa_commands((ROOT / page).read_text("utf-8"))

    assert commands
    for command in commands:
        try:
            build_parser().parse_args(command)
        except SystemExit as exit:  # status 2 for an unknown option; 0 after --version
            assert exit.code == 0, command


def test_install_and_upgrade_use_one_kind_of_install() -> None:
    guides = README.read_text("utf-8") + (ROOT / "docs" / "operating.md").read_text("utf-8")
    installs = re.findall(r"pip install[^\n`]*", guides)

    assert installs
    assert [i for i in installs if "-e" not in i.split()] == []
    assert "git -C /opt/kiosdesa/src pull" in guides
