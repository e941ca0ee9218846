"""The core's conformance checks for plugins."""

from __future__ import annotations

from pathlib import Path


def test_registrations(harness_conformance) -> None:
    harness_conformance.check_plugin("locobench")


def test_smoke(harness_conformance, tmp_path: Path) -> None:
    params = {"languages": "python", "size": 1500}
    harness_conformance.smoke_run("locobench", tmp_path, task_params=params)
