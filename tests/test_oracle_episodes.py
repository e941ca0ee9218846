"""harness.run.oracle: a scripted oracle's episodes through the ordinary Runner, judged by the
caller, written as trajectories and rejections (what the oracle generators share)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from harness.jobs import JobContext
from harness.plugins.manager import get_manager
from harness.plugins.taskfiles import resolve_task
from harness.run.oracle import judge_episodes, run_oracle, write_episodes
from harness.schemas import Message, Trajectory


def test_oracle_episodes_are_judged_and_written(tmp_path: Path) -> None:
    manager = get_manager()
    samples = list(resolve_task("sanity", {}, manager).samples())[:6]
    # right on even samples, wrong on odd ones: the judge must keep exactly the even ones
    answers = {str(s.input): str(s.target) if i % 2 == 0 else "no" for i, s in enumerate(samples)}
    ctx = JobContext(tmp_path, seed=3, roles=None, manager=manager)
    try:
        run_dir = run_oracle(ctx, "sanity", {}, answers, sample_ids=[s.id for s in samples])
    finally:
        ctx.close()
    assert run_dir.parent == tmp_path / "episodes"
    assert json.loads((run_dir / "run.json").read_text())["config"]["seed"] == 3

    def judge(rec: Any) -> Any:
        if rec.scores["exact_match"].value != 1.0:
            return [f"exact_match {rec.scores['exact_match'].value}"]
        return Trajectory(
            id=f"t-{rec.sample_id}",
            source="test",
            task_instruction=str(rec.input),
            messages=[Message(role="user", content=str(rec.input)), *rec.output.messages[-1:]],
            reward=1.0,
        )

    kept, rejected = judge_episodes(run_dir, judge, kind="qa")
    right = {s.id for i, s in enumerate(samples) if i % 2 == 0}
    assert {t.id.removeprefix("t-") for t in kept} == right
    assert sorted(r["id"] for r in rejected) == sorted({s.id for s in samples} - right)
    assert all(r["kind"] == "qa" and r["reasons"] == ["exact_match 0.0"] for r in rejected)

    path = write_episodes(tmp_path, kept, rejected)
    lines = path.read_text().splitlines()
    assert [Trajectory.model_validate_json(x).id for x in lines] == [t.id for t in kept]
    assert len((tmp_path / "rejected.jsonl").read_text().splitlines()) == 3
