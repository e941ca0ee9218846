"""GRPO on image prompts: a tiny random vision-language policy built from a config, one step on
CPU, the images going through its processor."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from harness_rl.grpo import train
from harness_rl.options import GRPOOptions

from harness.errors import UserError
from harness.plugins.manager import PluginManager

pytestmark = pytest.mark.slow


def _write(root: Path) -> Path:
    from PIL import Image

    rows = []
    for i, color in enumerate([(255, 0, 0), (0, 0, 255)]):
        Image.new("RGB", (16, 16), color).save(root / f"img{i}.png")
        rows.append({"id": f"s{i}", "prompt": "What colour is it?", "image": f"img{i}.png"})
    data = root / "images.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return data


def test_one_grpo_step_on_image_prompts(
    tmp_path: Path, manager: PluginManager, one_torch_thread: None
) -> None:
    data = _write(tmp_path)
    out = tmp_path / "run"
    out.mkdir()
    opts = GRPOOptions(
        data=str(data),
        base_model="tiny-vlm",
        rewards=["odd_length"],
        preset="cpu",
        group_size=2,
        prompts_per_step=2,
        max_steps=1,
        max_response_tokens=4,
    )
    summary = train(opts, out, seed=0, manager=manager)
    assert summary["global_step"] == 1
    final = Path(summary["final"])
    assert (final / "processor_config.json").exists() and (final / "config.json").exists()
    # a missing image stops before any model is built
    (tmp_path / "img1.png").unlink()
    with pytest.raises(UserError, match=r"record 1: field 'image': image file not found"):
        train(opts, tmp_path / "run2", seed=0, manager=manager)
