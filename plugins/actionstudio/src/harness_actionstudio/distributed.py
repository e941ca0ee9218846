"""Scaling out: the shipped DeepSpeed ZeRO configs, the torchrun / accelerate launch lines written
next to each run, and the run config they read back."""

from __future__ import annotations

import json
import os
import shlex
from pathlib import Path
from typing import Any

from harness.errors import UserError
from harness_actionstudio.options import TrainOptions

DATA = Path(__file__).parent / "data"
DS_FILES = {
    "zero2": "ds_zero2.json",
    "zero3": "ds_zero3.json",
    "zero3_offload": "ds_zero3_offload.json",
}


def is_main() -> bool:
    return int(os.environ.get("RANK", "0")) == 0


def deepspeed_config(stage: str) -> Path | None:
    """The shipped DeepSpeed config for ``stage``; checks DeepSpeed is installed."""
    if stage == "none":
        return None
    import importlib.util

    if importlib.util.find_spec("deepspeed") is None:
        raise UserError(
            f"--deepspeed {stage} needs DeepSpeed: pip install "
            "'agentharness-actionstudio[deepspeed]' (on a machine with CUDA)"
        )
    return DATA / DS_FILES[stage]


def gpu_count(opts: TrainOptions) -> int:
    if opts.num_gpus:
        return opts.num_gpus
    try:
        import torch

        return max(1, torch.cuda.device_count())
    except Exception:
        return 1


def write_run_config(out_dir: Path, opts: TrainOptions, seed: int, summary: dict[str, Any]) -> Path:
    """run_config.json: the options (what launch.py re-reads on every rank) and what resolved."""
    path = out_dir / "run_config.json"
    if is_main():
        body = {
            "format_version": 1,
            "trainer": "actionstudio",
            "seed": seed,
            "options": opts.model_dump(mode="json"),
            "resolved": summary,
        }
        path.write_text(json.dumps(body, indent=2, default=str), encoding="utf-8")
    return path


def launch_lines(out_dir: Path, opts: TrainOptions, n: int) -> dict[str, str]:
    cfg = shlex.quote(str((out_dir / "run_config.json").resolve()))
    dest = shlex.quote(str((out_dir.parent / (out_dir.name + "-multigpu")).resolve()))
    entry = f"-m harness_actionstudio.launch --config {cfg} --out {dest}"
    return {
        "torchrun": f"torchrun --standalone --nproc_per_node {n} {entry}",
        "accelerate": f"accelerate launch --multi_gpu --num_processes {n} {entry}",
    }


def write_launch(out_dir: Path, opts: TrainOptions, seed: int) -> dict[str, str]:
    """launch.sh with both lines (torchrun first); returns them."""
    lines = launch_lines(out_dir, opts, gpu_count(opts))
    if is_main():
        ds = (
            f" (DeepSpeed {opts.deepspeed}: {DATA / DS_FILES[opts.deepspeed]})"
            if opts.deepspeed != "none"
            else " (add --deepspeed zero2|zero3 to the options)"
        )
        text = (
            "#!/bin/sh\n# Same run on several GPUs" + ds + ".\n"
            "# Every rank re-reads run_config.json; the second line is an alternative.\n"
            f"{lines['torchrun']}\n# {lines['accelerate']}\n"
        )
        (out_dir / "launch.sh").write_text(text, encoding="utf-8")
    return lines
