"""`harness generate sanity-oracle`: verified tool-use trajectories, none from the eval items."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from harness.schemas import Trajectory


def test_sanity_oracle_writes_replayed_trajectories_outside_the_evaluation_items(
    tmp_path: Path,
) -> None:
    from harness_sanity.questions import questions

    r = subprocess.run(
        [sys.executable, "-m", "harness", "generate", "sanity-oracle", "--n", "6",
         "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    (run,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    trajs = [
        Trajectory.model_validate_json(x)
        for x in (run / "trajectories.jsonl").read_text().splitlines()
    ]
    assert len(trajs) == 12 and not (run / "rejected.jsonl").read_text().strip()
    evaluated = {str(s.input) for s in questions("all", 20, 1234)}
    assert not any(t.task_instruction in evaluated for t in trajs)
    for t in trajs:
        call, result, answer = t.messages[1], t.messages[2], t.messages[3]
        assert call.tool_calls[0].name == t.metadata["tool"]
        assert call.tool_calls[0].arguments == t.metadata["args"]
        assert result.role == "tool" and result.tool_call_id == call.tool_calls[0].id
        assert answer.content == t.metadata["answer"] == result.content
        assert t.system and t.tools and t.reward == 1.0
    summary = json.loads((run / "run.json").read_text())["summary"]
    assert summary["trajectories"] == 12 and summary["rejected"] == 0
