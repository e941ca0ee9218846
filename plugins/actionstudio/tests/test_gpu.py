"""GPU-only: bf16 training and DeepSpeed ZeRO-2 (skipped without CUDA)."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness_actionstudio.options import TrainOptions
from harness_actionstudio.sft import train


@pytest.mark.gpu
def test_bf16_training_on_gpu(tmp_path: Path, short_data: Path, tiny_model_dir: Path) -> None:
    s = train(
        TrainOptions(
            data=[str(short_data)],
            base_model=str(tiny_model_dir),
            max_steps=4,
            warmup_steps=0,
            bf16="auto",
            preview=0,
        ),
        tmp_path,
        progress=False,
    )
    assert s["bf16"] is True and s["global_step"] == 4


@pytest.mark.gpu
def test_deepspeed_zero2_single_process(
    tmp_path: Path, short_data: Path, tiny_model_dir: Path
) -> None:
    pytest.importorskip("deepspeed")
    s = train(
        TrainOptions(
            data=[str(short_data)],
            base_model=str(tiny_model_dir),
            max_steps=4,
            warmup_steps=0,
            deepspeed="zero2",
            preview=0,
        ),
        tmp_path,
        progress=False,
    )
    assert s["global_step"] == 4 and (tmp_path / "final" / "config.json").exists()
