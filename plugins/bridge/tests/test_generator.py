"""``harness generate bridge``: the files validate, the baselines keep answers, the task draws the
same evaluation problems, bad options stop with one line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from harness_bridge.dag import solve_text
from harness_bridge.generator import BridgeOptions, write_all
from harness_bridge.schemas import PromptRecord
from harness_bridge.task import BridgeTask

from harness.schemas import Trajectory


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("gen")
    opts = BridgeOptions(preset="cpu", n_sft=6, n_rl=5, n_eval=4, augment=3, reflection_prob=0.5)
    return out, write_all(opts, out)


def test_files_validate(generated: tuple[Path, dict]) -> None:
    out, summary = generated
    assert summary["files"] == {
        "sft_plain.jsonl": 6,
        "sft_bridge.jsonl": 6,
        "sft_question_aug.jsonl": 18,
        "sft_answer_aug.jsonl": 18,
        "rl_train.jsonl": 5,
        "eval_id.jsonl": 4,
        "eval_ood.jsonl": 4,
    }
    assert set(summary["not_unique_rejected"]) == {"sft", "rl", "id", "ood"}
    for name in ("rl_train", "eval_id", "eval_ood"):
        for row in _rows(out / f"{name}.jsonl"):
            rec = PromptRecord.model_validate(row)
            assert solve_text(rec.prompt[1].content) == int(rec.target)  # gold re-derived
    ood = [PromptRecord.model_validate(r).ops for r in _rows(out / "eval_ood.jsonl")]
    assert all(6 <= k <= 8 for k in ood)
    for variant in ("plain", "bridge", "question_aug", "answer_aug"):
        for row in _rows(out / f"sft_{variant}.jsonl"):
            traj = Trajectory.model_validate(row)
            assert [m.role for m in traj.messages] == ["user", "assistant"]
            assert 2 <= traj.metadata["ops"] <= 5
            gold = solve_text(traj.messages[0].content)  # type: ignore[arg-type]
            assert gold == traj.metadata["answer"]
            assert str(traj.messages[1].content).endswith(f"\\boxed{{{gold}}}</answer>")


def test_baselines_preserve_answers_and_vary(generated: tuple[Path, dict]) -> None:
    out, _ = generated
    q = _rows(out / "sft_question_aug.jsonl")
    a = _rows(out / "sft_answer_aug.jsonl")
    plain = {r["id"].rsplit("-plain-", 1)[0]: r for r in _rows(out / "sft_plain.jsonl")}
    for rows, varies in ((q, 0), (a, 1)):  # question_aug varies the question, answer_aug the CoT
        groups: dict[str, list[dict]] = {}
        for r in rows:
            groups.setdefault(r["id"].rsplit("-", 2)[0], []).append(r)
        assert set(groups) == set(plain)
        distinct = Counter()
        for pid, copies in groups.items():
            answers = {c["metadata"]["answer"] for c in copies}
            assert answers == {plain[pid]["metadata"]["answer"]}
            distinct[len({c["messages"][varies]["content"] for c in copies}) > 1] += 1
        assert distinct[True] > 0
    bridge = " ".join(r["messages"][1]["content"] for r in _rows(out / "sft_bridge.jsonl"))
    assert "We know that" in bridge and " = " in bridge


def test_task_draws_the_generator_eval_problems(generated: tuple[Path, dict]) -> None:
    out, _ = generated
    task = BridgeTask(BridgeTask.Options(n=4, split="ood"))
    from_task = [(s.id, s.target) for s in task.samples()]
    from_file = [(r["id"], r["target"]) for r in _rows(out / "eval_ood.jsonl")]
    assert from_task == from_file
    read = BridgeTask(BridgeTask.Options(data=str(out / "eval_id.jsonl")))
    assert [s.id for s in read.samples()] == [r["id"] for r in _rows(out / "eval_id.jsonl")]


def test_cli_and_bad_input(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    cmd = [sys.executable, "-m", "harness", "generate", "bridge", "--out", str(tmp_path)]
    ok = subprocess.run(
        [*cmd, "--n-sft", "2", "--n-rl", "1", "--n-eval", "1", "--variants", "bridge"],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    run = next(p for p in tmp_path.iterdir() if p.is_dir())
    assert (run / "sft_bridge.jsonl").exists() and not (run / "sft_plain.jsonl").exists()
    bad = subprocess.run(
        [*cmd, "--analysis-level", "7"], capture_output=True, text=True, env=env, timeout=120
    )
    assert bad.returncode != 0
    assert "analysis_level" in bad.stderr and "Traceback" not in bad.stderr
    bad_data = tmp_path / "bad.jsonl"
    bad_data.write_text('{"id": "x", "prompt": "no", "target": "1"}\n')
    task = BridgeTask(BridgeTask.Options(data=str(bad_data)))
    from harness.errors import UserError

    with pytest.raises(UserError, match="line 1: not a prompt record"):
        list(task.samples())
