"""Where harness keeps files of its own outside run directories (light: imported at start-up)."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """``$HARNESS_CACHE_DIR``, else ``~/.cache/harness`` (responses, converted weights, the
    parsed task files of installed plugins)."""
    env = os.environ.get("HARNESS_CACHE_DIR")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "harness"
