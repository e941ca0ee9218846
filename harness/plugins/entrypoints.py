"""The entry points of the installed distributions, found without ``importlib.metadata``.

Every command starts by finding the plugins, and importing ``importlib.metadata`` (it pulls in the
``email`` package, ``socket``, ``zipfile`` and more) plus parsing each distribution's METADATA took
about a third of ``harness list tasks``'s start-up. Entry points live in one small INI file per
distribution (``*.dist-info/entry_points.txt`` or ``*.egg-info/entry_points.txt``) in a directory on
``sys.path``; this reads those files and takes each distribution's name and version from its
directory name (or the ``Version:`` line of an egg-info's PKG-INFO). As with ``importlib.metadata``,
the first distribution of a name on ``sys.path`` wins. Zipped distributions are not searched (pip
never installs them); :func:`entry_points` falls back to ``importlib.metadata`` when a zip is on
``sys.path`` so nothing is missed.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_META_DIR = re.compile(
    r"^(?P<name>[^-]+?)(?:-(?P<version>[^-]+?))?(?:-py[\d.]+)?\.(dist|egg)-info$"
)


@dataclass(frozen=True)
class EntryPoint:
    """One ``name = module:attr`` line of a distribution's ``[group]`` section."""

    name: str
    value: str
    distribution: str | None
    version: str | None

    def load(self) -> Any:
        module, _, attrs = self.value.partition(":")
        obj: Any = importlib.import_module(module.strip())
        for attr in filter(None, attrs.strip().split(".")):
            obj = getattr(obj, attr)
        return obj


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _section(text: str, group: str) -> Iterable[tuple[str, str]]:
    """``(name, value)`` pairs of the ``[group]`` section of an entry_points.txt."""
    inside = False
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            inside = line[1:-1].strip() == group
            continue
        if inside and "=" in line:
            name, _, value = line.partition("=")
            yield name.strip(), value.split("[", 1)[0].strip()  # drop any [extras]


def _egg_version(meta_dir: Path) -> str | None:
    try:
        with open(meta_dir / "PKG-INFO", encoding="utf-8") as f:
            for line in f:
                if line.startswith("Version:"):
                    return line.split(":", 1)[1].strip()
                if not line.strip():
                    break
    except OSError:
        pass
    return None


def _scan(paths: Iterable[str], group: str) -> list[EntryPoint]:
    found: list[EntryPoint] = []
    seen: set[str] = set()
    for entry in paths:
        try:
            names = sorted(os.listdir(entry or "."))
        except OSError:
            continue
        for dirname in names:
            m = _META_DIR.match(dirname)
            if m is None:
                continue
            meta_dir = Path(entry or ".") / dirname
            dist = m["name"]
            key = _normalize(dist)
            if key in seen:
                continue
            seen.add(key)
            try:
                text = (meta_dir / "entry_points.txt").read_text(encoding="utf-8")
            except OSError:
                continue
            version = m["version"] or _egg_version(meta_dir)
            found.extend(
                EntryPoint(name, value, dist.replace("_", "-"), version)
                for name, value in _section(text, group)
            )
    return found


def entry_points(group: str) -> list[EntryPoint]:
    """The entry points of ``group`` over the distributions on ``sys.path``."""
    if any(p.endswith((".zip", ".egg", ".whl")) and os.path.isfile(p) for p in sys.path):
        from importlib import metadata

        return [
            EntryPoint(
                ep.name,
                ep.value,
                ep.dist.name if ep.dist else None,
                ep.dist.version if ep.dist else None,
            )
            for ep in metadata.entry_points(group=group)
        ]
    return _scan(sys.path, group)
