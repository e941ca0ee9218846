"""The bundled synthetic world every offline tool reads (written by scripts/build_data.py)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).parent / "data"
WORLD_FILE = DATA_DIR / "world.json"


@lru_cache(maxsize=4)
def load_world(path: str | None = None) -> dict[str, Any]:
    """The world as a dict of tables (movies, people, patents, articles, ...)."""
    file = Path(path) if path else WORLD_FILE
    data: dict[str, Any] = json.loads(file.read_text(encoding="utf-8"))
    return data


def norm(text: Any) -> str:
    """Lower-case, collapse spaces: the comparison search tools use."""
    return " ".join(str(text).lower().split())
