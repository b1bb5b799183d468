"""The rooms' import rules (ARCHITECTURE.md), checked by walking every module's imports.

A failure names the file, the line and the import that crosses a room's wall.
"""

from __future__ import annotations

import ast
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "handlers", "storage")
WIRING = "wiring"
PRODUCT = ("bot.domain", "storage", "bot.views", "bot.services", "bot.transport", "handlers")

# The rooms each room may import besides itself (ARCHITECTURE.md draws the same picture).
MAY_IMPORT: dict[str, frozenset[str]] = {
    "bot.domain": frozenset(),
    "storage": frozenset({"bot.domain"}),
    "bot.views": frozenset({"bot.domain"}),
    "bot.services": frozenset({"bot.domain", "storage", "bot.views"}),
    "bot.transport": frozenset({"bot.domain", "storage", "bot.views"}),
    # Handlers receive the typed context and read settings; they never reach the transport.
    "handlers": frozenset(
        {"bot.domain", "storage", "bot.views", "bot.services", "bot.context", "bot.config"}
    ),
    WIRING: frozenset({*PRODUCT, "bot.context", "bot.config"}),
    # `kiosdesa demo` is a command of the CLI, so the CLI alone may start the tools.
    "bot.cli": frozenset({*PRODUCT, WIRING, "bot.devtools"}),
    "bot.devtools": frozenset({*PRODUCT, WIRING}),
}
WIRING_MODULES = ("bot.app", "bot.runner", "bot.cli", "bot.config", "bot.context")


def room_of(module: str) -> str:
    """The room of a dotted module name of ours (the longest matching prefix)."""
    if module in ("bot.context", "bot.config") or module in WIRING_MODULES:
        return module if module in MAY_IMPORT else WIRING
    for room in sorted(MAY_IMPORT, key=len, reverse=True):
        if module == room or module.startswith(room + "."):
            return room
    return WIRING  # bot/__init__.py and anything else at the top of bot/


def allowed(importer: str, imported: str) -> bool:
    """Whether `importer` may import `imported`."""
    source, target = room_of(importer), room_of(imported)
    if source == target:
        return True
    rooms = MAY_IMPORT[source]
    return target in rooms or imported in rooms or (target == "bot.config" and WIRING in rooms)


def module_name(root: Path, path: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(root: Path, path: Path) -> Iterator[tuple[int, str]]:
    """Each module of ours that `path` imports, with its line (`from a import b` as a.b)."""
    own = module_name(root, path).split(".")
    package = own if path.name == "__init__.py" else own[:-1]
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*package[: len(package) - node.level + 1], base]).strip(".")
            names = [f"{base}.{alias.name}".strip(".") for alias in node.names]
        else:
            continue
        for name in names:
            if name.split(".")[0] in PACKAGES:
                yield node.lineno, real_module(root, name)


def real_module(root: Path, dotted: str) -> str:
    """`bot.views.texts.t` -> `bot.views.texts`: the longest prefix that is a module."""
    parts = dotted.split(".")
    while len(parts) > 1:
        candidate = root.joinpath(*parts)
        if candidate.with_suffix(".py").exists() or candidate.is_dir():
            break
        parts.pop()
    return ".".join(parts)


def broken_rules(root: Path) -> list[str]:
    """One line per import that crosses a wall: `file:line imports module`."""
    found = set()
    for package in PACKAGES:
        for path in (root / package).rglob("*.py"):
            importer = module_name(root, path)
            for line, imported in imports_of(root, path):
                if not allowed(importer, imported):
                    found.add(f"{path.relative_to(root)}:{line} imports {imported}")
    return sorted(found)


def test_every_import_follows_the_rooms_rules() -> None:
    assert broken_rules(ROOT) == []


@pytest.mark.parametrize(
    ("module", "line", "named"),
    [
        ("bot/domain/money.py", "from storage.db import Database", "storage.db"),
        ("bot/domain/money.py", "from bot.views import texts", "bot.views.texts"),
        ("bot/domain/money.py", "import telegram\nfrom bot.config import Settings", "bot.config"),
        ("storage/users.py", "from bot.services import acting", "bot.services.acting"),
        ("storage/users.py", "from bot.views.texts import t", "bot.views.texts"),
        ("bot/views/cards.py", "from storage import Storage", "storage"),
        ("handlers/shop.py", "from bot.transport.pacer import Pacer", "bot.transport.pacer"),
        ("handlers/shop.py", "from bot import app", "bot.app"),
        ("bot/services/acting.py", "import bot.devtools.emulator", "bot.devtools.emulator"),
        ("bot/transport/pacer.py", "from bot.services.acting import x", "bot.services.acting"),
        ("storage/users.py", "from .. import handlers", "handlers"),
    ],
)
def test_a_broken_rule_fails_naming_the_file_and_the_import(
    tmp_path: Path, module: str, line: str, named: str
) -> None:
    """A copy of the project with one forbidden import: exactly that import is named."""
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=_not_python)
    target = tmp_path / module
    target.write_text(target.read_text("utf-8") + "\n" + line + "\n", "utf-8")
    lines = len(target.read_text("utf-8").splitlines())
    assert broken_rules(tmp_path) == [f"{module}:{lines} imports {named}"]


def _not_python(folder: str, names: list[str]) -> list[str]:
    return [n for n in names if not n.endswith(".py") and not (Path(folder) / n).is_dir()]
