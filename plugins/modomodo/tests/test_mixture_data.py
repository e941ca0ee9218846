"""``harness generate modomodo-mixture``: a prompt file drawn by a mixture, in the form
``harness train grpo`` reads, each record scored by the registered reward."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

pytest.importorskip("harness_rl", reason="the rl plugin reads the prompt file")


def _generate(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness", "generate", "modomodo-mixture", "--per-kind", "6",
         "--out", str(tmp_path), *args],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_the_prompts_follow_the_mixture_and_grpo_reads_them(tmp_path: Path) -> None:
    from harness_rl.data import load_samples
    from harness_rl.options import PromptSource

    from harness.plugins.manager import get_manager
    from harness.schemas import SolveOutput

    r = _generate(tmp_path, "--weights", "coco-box=0.5,sat-choice=0.5", "--n", "400")
    assert r.returncode == 0, r.stderr
    (run,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    mixture = json.loads((run / "mixture.json").read_text())
    assert mixture["sources"] == ["coco-box", "geo-number", "lisa-box", "sat-choice", "sci-choice"]
    assert mixture["weights"] == [0.5, 0.0, 0.0, 0.5, 0.0]
    samples, _ = load_samples(PromptSource(data=str(run / "prompts.jsonl")))
    seen = Counter(s.metadata["source"] for s in samples)
    assert set(seen) == {"coco-box", "sat-choice"} and abs(seen["coco-box"] / 400 - 0.5) < 0.08
    assert dict(seen) == {k: v for k, v in mixture["counts"].items() if v}
    reward = get_manager().registry("metrics").get("modomodo_reward")()
    for s in samples[:40]:
        assert s.input[0].images and Path(s.input[0].images[0].path).is_file()  # type: ignore[union-attr]
        gold = s.target if not isinstance(s.target, list) else json.dumps(s.target)
        right = SolveOutput(completion=f"<think>.</think><answer>{gold}</answer>")
        assert reward.score(s, right).value == 1.0
        assert reward.score(s, SolveOutput(completion="no idea")).value == 0.0


def test_weights_that_are_not_a_mixture_are_one_error(tmp_path: Path) -> None:
    for weights, says in (("0.5,0.6", "5 sources"), ("coco-box=1.2,sat-choice=-0.2", "negative"),
                          ("coco-box=0.3", "sum to 1")):  # fmt: skip
        r = _generate(tmp_path, "--weights", weights, "--n", "5")
        assert r.returncode != 0 and says in r.stderr and "Traceback" not in r.stderr
