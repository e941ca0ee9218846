"""GPU-only (skipped without CUDA): bf16 GRPO, vLLM rollouts (colocated), and two ranks through
the launch line every run writes."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from harness_rl.arith import write_prompts
from harness_rl.grpo import train
from harness_rl.options import GRPOOptions

from harness.plugins.manager import PluginManager


def _opts(tmp_path: Path, tiny_model: Path, **kw: object) -> GRPOOptions:
    return GRPOOptions(
        data=str(write_prompts(tmp_path / "q.jsonl", 4)),
        base_model=str(tiny_model),
        rewards=["odd_length"],
        preset="cpu",
        max_steps=2,
        max_response_tokens=8,
        **kw,  # type: ignore[arg-type]
    )


@pytest.mark.gpu
def test_bf16_grpo_on_gpu(tmp_path: Path, tiny_model: Path, manager: PluginManager) -> None:
    s = train(_opts(tmp_path, tiny_model, bf16="auto"), tmp_path, manager=manager)
    assert s["global_step"] == 2 and (tmp_path / "final" / "config.json").exists()


@pytest.mark.gpu
def test_vllm_colocated_rollouts(tmp_path: Path, tiny_model: Path, manager: PluginManager) -> None:
    pytest.importorskip("vllm")
    s = train(_opts(tmp_path, tiny_model, use_vllm=True), tmp_path, manager=manager)
    assert s["global_step"] == 2


@pytest.mark.gpu
def test_two_ranks_through_launch_line(
    tmp_path: Path, tiny_model: Path, manager: PluginManager
) -> None:
    import torch

    if torch.cuda.device_count() < 2:
        pytest.skip("needs two GPUs")
    opts = _opts(tmp_path, tiny_model, rewards=["boxed_answer"], num_gpus=2)
    train(opts.model_copy(update={"max_steps": 1}), tmp_path, manager=manager)
    line = (tmp_path / "launch.sh").read_text().splitlines()[-1]  # the accelerate alternative
    argv = shlex.split(line.removeprefix("# "))
    argv[0:1] = [sys.executable, "-m", "accelerate.commands.launch"]
    done = subprocess.run(argv, env=os.environ, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    assert (tmp_path.parent / (tmp_path.name + "-multiproc") / "final" / "config.json").exists()
