"""GRPO across processes on CPU: ``torchrun --nproc_per_node 2`` (gloo) of the entry point that
``launch.sh`` runs samples the same rollouts and takes the same steps as one process with the
same global batch (2 prompts x 4 rollouts a step: 8 rollouts on one rank, or 4 on each of two).
What makes that hold is ``harness_rl.rollout_seeds``; without it TRL seeds each rank's sampling
with seed + rank and the two runs' rewards part at the first step (checked by hand 2026-12-02:
rewards .375/.25/.25/.25 on one process, .25/.125/.25/0 on two)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from harness_rl.options import GRPOOptions

pytestmark = pytest.mark.slow

#: the largest relative difference of the gradient norms, step by step, and of any final weight.
#: The rollouts are the same token for token; what differs is float summation order (gradients
#: all-reduced over gloo instead of summed in one batch). Measured 2026-12-02: 6e-8 relative.
TOLERANCE = 1e-4
#: the final weights' difference, relative to how far training moved them. Adam divides each
#: update by the root of the squared-gradient average, so a weight whose gradients are near zero
#: turns a last-bit difference in them into a visible one in its update. Measured 6e-8 on the
#: 2026-12-02 machine and 1.0e-4 (3.2e-6 apart, 0.032 moved) on the 2026-12-03 one.
WEIGHT_TOLERANCE = 1e-3
STEPS = 4


def _run(config: Path, out: Path, nproc: int, capsys: Any) -> list[dict[str, Any]]:
    if nproc == 1:  # in this process (world size 1, as torchrun --nproc_per_node 1 gives it)
        from harness_rl.launch import main

        assert not {"RANK", "WORLD_SIZE"} & set(os.environ)
        capsys.readouterr()
        assert main(["--config", str(config), "--out", str(out)]) == 0
        printed = capsys.readouterr().out
    else:
        env = {**os.environ, "OMP_NUM_THREADS": "1", "CUDA_VISIBLE_DEVICES": ""}
        cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone"]
        cmd += ["--nproc_per_node", str(nproc), "-m", "harness_rl.launch"]
        cmd += ["--config", str(config), "--out", str(out)]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900, env=env)
        assert proc.returncode == 0, proc.stderr[-3000:]
        printed = proc.stdout
    summary = json.loads(printed[printed.rindex("{\n") :])  # rank 0 prints last or alone
    assert summary["seeded_generate_calls"] == STEPS
    return [json.loads(x) for x in (out / "steps.jsonl").read_text().splitlines()]


def test_two_gloo_processes_sample_and_step_like_one(
    tmp_path: Path, tiny_model: Path, one_torch_thread: None, capsys: Any
) -> None:
    from safetensors.torch import load_file

    data = tmp_path / "letters.jsonl"
    rows = [{"id": f"p{i}", "prompt": f"Write a word with the letter {c}.", "target": c}
            for i, c in enumerate("eaoi")]  # fmt: skip
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    # `includes` (a core metric, so the torchrun ranks have it): random 4-token rollouts of the
    # tiny model hold the letter now and then, so groups have mixed rewards and GRPO steps
    opts = GRPOOptions(
        data=str(data), base_model=str(tiny_model), rewards=["includes"], preset="none",
        group_size=4, prompts_per_step=2, max_response_tokens=4, max_steps=STEPS,
        save_steps=STEPS, learning_rate=1e-2, beta=0.0, lora=False, loss_type="dapo",
    )  # fmt: skip
    config = tmp_path / "rl_config.json"
    config.write_text(json.dumps({"options": opts.model_dump(mode="json"), "seed": 0}))

    one = _run(config, tmp_path / "one", 1, capsys)
    two = _run(config, tmp_path / "two", 2, capsys)
    assert [r["step"] for r in one] == [r["step"] for r in two] == list(range(1, STEPS + 1))
    for a, b in zip(one, two, strict=True):
        # the same rollouts: the same rewards and lengths, exactly
        assert (a["reward"], a["reward_std"], a["response_length"]) == (
            b["reward"], b["reward_std"], b["response_length"]
        ), (one, two)  # fmt: skip
        assert abs(a["grad_norm"] - b["grad_norm"]) <= TOLERANCE * max(a["grad_norm"], 1e-12)
    assert any(r["grad_norm"] > 0 for r in one)  # some group had mixed rewards: weights moved
    w1 = load_file(str(tmp_path / "one" / "final" / "model.safetensors"))
    w2 = load_file(str(tmp_path / "two" / "final" / "model.safetensors"))
    base = load_file(str(tiny_model / "model.safetensors"))
    moved = max(float((w1[k] - base[k]).abs().max()) for k in base)
    apart = max(float((w1[k] - w2[k]).abs().max()) for k in w1)
    assert moved > 1e-3 and apart <= WEIGHT_TOLERANCE * moved, (moved, apart)
    # two ranks really trained: each saved its RNG state in the checkpoint
    assert (tmp_path / "two" / "checkpoints" / f"checkpoint-{STEPS}" / "rng_state_1.pth").exists()
    assert not (
        tmp_path / "one" / "checkpoints" / f"checkpoint-{STEPS}" / "rng_state_1.pth"
    ).exists()
