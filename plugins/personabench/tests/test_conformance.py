"""The core's conformance checks for plugins."""

from __future__ import annotations

from pathlib import Path


def test_registrations(harness_conformance) -> None:
    harness_conformance.check_plugin("personabench")


def test_smoke(harness_conformance, tmp_path: Path) -> None:
    bm25 = {"retriever": "bm25"}  # MiniLM has its own (slow) test
    harness_conformance.smoke_run("personabench-retrieval", tmp_path, task_params=bm25)
    harness_conformance.smoke_run("personabench", tmp_path / "e2e", task_params=bm25)
