"""Every dotted ``harness.*`` name in the core's docstrings, comments and docs resolves to a module
or an attribute that exists: a module that moves takes its references along."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
NAME = re.compile(r"(?<![\w./-])harness(?:\.[A-Za-z_][A-Za-z0-9_]*)+")
SOURCES = [
    *sorted((REPO / "harness").rglob("*.py")),
    *sorted((REPO / "docs").glob("*.md")),
    REPO / "README.md",
    *sorted((REPO / "templates").rglob("*.py")),
    *sorted((REPO / "templates").rglob("*.md")),
]


def resolves(name: str) -> bool:
    parts = name.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj: object = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for attr in parts[i:]:
            if not hasattr(obj, attr):
                return False
            obj = getattr(obj, attr)
        return True
    return False


def references() -> list[tuple[str, str]]:
    found = set()
    for path in SOURCES:
        if not path.exists():
            continue
        for match in NAME.finditer(path.read_text(encoding="utf-8")):
            name = match.group(0).rstrip(".")
            found.add((str(path.relative_to(REPO)), name))
    return sorted(found)


def test_the_scan_finds_references() -> None:
    names = {n for _, n in references()}
    assert "harness.callpath.hedge" in names and len(names) > 30


def test_every_reference_resolves() -> None:
    missing = [f"{where}: {name}" for where, name in references() if not resolves(name)]
    assert missing == []
