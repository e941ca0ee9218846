"""Where harness keeps files of its own outside run directories (light: imported at start-up)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def cache_dir() -> Path:
    """``$HARNESS_CACHE_DIR``, else ``~/.cache/harness`` (responses, converted weights, the
    parsed task files of installed plugins)."""
    env = os.environ.get("HARNESS_CACHE_DIR")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "harness"


@contextmanager
def cache_entry_lock(target: Path) -> Iterator[None]:
    """Hold ``<target>.lock`` while building a cache entry, across processes: two runs (or two
    test workers) converting the same weights at once would otherwise both convert, and the
    second ``os.replace`` of a directory fails on the first one's result. The caller checks again
    for the entry inside the lock."""
    from filelock import FileLock  # present wherever weights are converted (huggingface_hub)

    target.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(f"{target}.lock"):
        yield
