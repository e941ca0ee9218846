"""Verified training data from an oracle: run a task with a scripted model that knows each
sample's answer, then keep the episodes a plugin's judge accepts.

Generators that turn a task into training trajectories (``sanity-oracle``, ``spectool-oracle``)
share this: the episodes go through the ordinary ``Runner`` and agent loop, so every observation
is the environment's own and the run directory (journal, results) is kept beside the data; the
plugin only says how a record becomes a ``Trajectory`` or why it is rejected.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from harness.jobs import JobContext
    from harness.schemas import SampleRecord, Trajectory

#: a judge returns the record's trajectory, or the reasons it is not kept
Judge = Callable[["SampleRecord"], "Trajectory | list[str]"]

ORACLE_SPEC = "scripted/oracle"


def run_oracle(
    ctx: JobContext,
    task: str,
    task_params: dict[str, Any],
    answers: dict[str, Any],
    *,
    sample_ids: list[str] | None = None,
    concurrency: int = 8,
) -> Path:
    """Run ``task`` with a scripted model replaying ``answers`` (keyed as the scripted backend
    keys them) into ``<job>/episodes``; returns the run directory."""
    from harness.backends.scripted.model import ScriptedModel
    from harness.run.runner import Runner
    from harness.schemas import RunConfig

    model = ScriptedModel.create("oracle", {"answers": answers})
    cfg = RunConfig(
        task=task,
        task_params=task_params,
        model=ORACLE_SPEC,
        sample_ids=sample_ids,
        max_concurrency=concurrency,
        seed=ctx.seed,
    )
    run_dir, _ = Runner(
        cfg, ctx.out_dir / "episodes", manager=ctx.manager, model_overrides={ORACLE_SPEC: model}
    ).run()
    return run_dir


def judge_episodes(
    run_dir: Path, judge: Judge, **reject_fields: Any
) -> tuple[list[Trajectory], list[dict[str, Any]]]:
    """Every record of ``run_dir`` through ``judge``: (kept trajectories, rejections). A rejection
    is ``{"id", **reject_fields, "reasons"}``."""
    from harness.schemas import SampleRecord

    kept: list[Trajectory] = []
    rejected: list[dict[str, Any]] = []
    for line in (run_dir / "samples.jsonl").read_text(encoding="utf-8").splitlines():
        rec = SampleRecord.model_validate_json(line)
        verdict = judge(rec)
        if isinstance(verdict, list):
            rejected.append({"id": rec.sample_id, **reject_fields, "reasons": verdict})
        else:
            kept.append(verdict)
    return kept, rejected


def write_episodes(
    out_dir: Path, kept: Iterable[Trajectory], rejected: Iterable[dict[str, Any]]
) -> Path:
    """``trajectories.jsonl`` and ``rejected.jsonl`` in ``out_dir``; returns the first."""
    path = out_dir / "trajectories.jsonl"
    with path.open("w", encoding="utf-8") as f:
        for t in kept:
            f.write(t.model_dump_json() + "\n")
    with (out_dir / "rejected.jsonl").open("w", encoding="utf-8") as f:
        for r in rejected:
            f.write(json.dumps(r) + "\n")
    return path
