"""The default wrapper chain around model calls, built per run from its configuration."""

from __future__ import annotations

from pathlib import Path

from harness.model import ModelWrapper
from harness.schemas import RunConfig


def default_wrappers(config: RunConfig, run_dir: Path | None) -> list[ModelWrapper]:
    """Outermost first. Empty in the core alone; the backends add cache, retries, rate limits."""
    return []
