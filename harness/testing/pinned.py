"""Pinned records: run a task with scripted models and compare its sample records to a fixture.

A port of a solver (a new loop, a refactor) must not change what a run records. A plugin's test
runs a few samples through the real :class:`~harness.run.runner.Runner` with scripted models,
keeps what is deterministic (transcript, completion, metadata, scores, status, error kind, usage,
model calls), and compares it with a JSON fixture recorded before the change. Set
``HARNESS_UPDATE_PINNED=1`` to (re)write the fixture instead; review the diff before committing.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from harness.model import Model
from harness.schemas import RunConfig, SampleRecord

UPDATE_ENV = "HARNESS_UPDATE_PINNED"


def stable_record(record: SampleRecord) -> dict[str, Any]:
    """The deterministic part of a record: no timing, run ids or tracebacks."""
    data = record.model_dump(mode="json", exclude={"timing"})
    if data.get("error"):
        data["error"] = {"type": data["error"]["type"], "message": data["error"]["message"]}
    return data


def run_records(
    task: str,
    out_dir: Path,
    models: dict[str, Model],
    *,
    roles: dict[str, str] | None = None,
    task_params: dict[str, Any] | None = None,
    sample_ids: list[str] | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Run ``task`` with ``models`` (spec -> instance; the agent is ``models``' first key) and
    return its stable records in sample order."""
    from harness.run.runner import Runner  # the run layer, imported only when a test runs

    agent = next(iter(models))
    config = RunConfig(
        task=task,
        task_params=task_params or {},
        model=agent,
        model_roles=roles or {},
        sample_ids=sample_ids,
        limit=limit,
        max_concurrency=1,
    )
    run_dir, _ = Runner(config, out_dir, model_overrides=models).run()
    lines = (run_dir / "samples.jsonl").read_text(encoding="utf-8").splitlines()
    records = [stable_record(SampleRecord.model_validate_json(x)) for x in lines]
    return sorted(records, key=lambda r: (r["sample_id"], r["epoch"]))


#: output-metadata keys the agent loop adds for ``harness view`` (which transcript messages a
#: simulated user or the environment wrote): allowed in every record a fixture predates
LOOP_KEYS = ("simulated_user", "environment_turns")


def _drop_added(record: dict[str, Any], pinned: dict[str, Any], added: Iterable[str]) -> None:
    """Remove output-metadata keys the fixture lacks and the change is allowed to add."""
    new_md = (record.get("output") or {}).get("metadata", {})
    old_md = (pinned.get("output") or {}).get("metadata", {})
    for key in (*added, *LOOP_KEYS):
        if key not in old_md:
            new_md.pop(key, None)


def assert_pinned(path: Path, records: list[dict[str, Any]], added: Iterable[str] = ()) -> None:
    """Compare ``records`` with the fixture at ``path`` (or write it, under ``UPDATE_ENV``).

    ``added``: output-metadata keys a change may add (absent from the fixture, ignored)."""
    if os.environ.get(UPDATE_ENV):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(records, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        return
    pinned = json.loads(path.read_text(encoding="utf-8"))
    assert [r["sample_id"] for r in records] == [r["sample_id"] for r in pinned]
    for new, old in zip(records, pinned, strict=True):
        _drop_added(new, old, added)
        assert json.loads(json.dumps(new, sort_keys=True)) == old, f"record {old['sample_id']}"
