"""Training on CPU with a tiny local model: loss drops, LoRA merge round trip, resume."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from harness_actionstudio.options import TrainOptions
from harness_actionstudio.sft import train


def _opts(data: Path, base: Path, **kw: object) -> TrainOptions:
    base_kw = dict(
        data=[str(data)],
        base_model=str(base),
        batch_size=4,
        warmup_steps=0,
        save_steps=100,
        preview=1,
        learning_rate=5e-3,
        max_seq_length=512,
    )
    base_kw.update(kw)
    return TrainOptions(**base_kw)


def test_full_finetune_loss_drops(tmp_path: Path, short_data: Path, tiny_model_dir: Path) -> None:
    out = tmp_path / "run"
    s = train(
        _opts(short_data, tiny_model_dir, max_steps=8, learning_rate=1e-2),
        out,
        seed=0,
        progress=False,
    )
    assert s["global_step"] == 8 and s["steps_this_run"] == 8
    assert s["examples"] == 12  # 6 records x 2 assistant turns
    losses = [json.loads(x)["loss"] for x in (out / "loss_history.jsonl").read_text().splitlines()]
    assert len(losses) == 8
    assert sum(losses[-3:]) / 3 < 0.8 * losses[0], losses
    for name in (
        "loss_curve.png",
        "run_config.json",
        "launch.sh",
        "preview.txt",
        "verify_report.json",
        "final/config.json",
        "final/tokenizer.json",
    ):
        assert (out / name).exists(), name
    assert (out / "loss_curve.png").read_bytes()[:4] == b"\x89PNG"
    cfg = json.loads((out / "run_config.json").read_text())
    assert cfg["options"]["max_steps"] == 8 and cfg["resolved"]["global_step"] == 8
    assert "torchrun --standalone --nproc_per_node" in (out / "launch.sh").read_text()
    # The saved model carries the tool-aware template it was trained with.
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(out / "final"))
    assert "<tool_call>" in tok.chat_template


def test_lora_merge_round_trip_same_logits(
    tmp_path: Path, short_data: Path, tiny_model_dir: Path
) -> None:
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    out = tmp_path / "lora"
    s = train(
        _opts(
            short_data,
            tiny_model_dir,
            lora=True,
            lora_r=4,
            lora_alpha=8,
            max_steps=3,
            learning_rate=2e-2,
        ),
        out,
        seed=0,
        progress=False,
    )
    assert s["lora"] and (out / "adapter" / "adapter_config.json").exists()
    ids = torch.tensor([[5, 17, 99, 230, 41, 7, 300, 12]])
    base = AutoModelForCausalLM.from_pretrained(str(tiny_model_dir)).eval()
    with torch.no_grad():
        base_logits = base(input_ids=ids).logits
        peft = PeftModel.from_pretrained(base, str(out / "adapter")).eval()
        lora_b = [p for n, p in peft.named_parameters() if "lora_B" in n]
        assert lora_b and any(p.abs().sum() > 0 for p in lora_b)  # training moved the adapters
        adapted = peft(input_ids=ids).logits
        merged = AutoModelForCausalLM.from_pretrained(str(out / "final")).eval()
        merged_logits = merged(input_ids=ids).logits
    assert not torch.allclose(adapted, base_logits, atol=1e-4)
    assert torch.allclose(adapted, merged_logits, atol=1e-5)


def test_resume_continues_the_step_count(
    tmp_path: Path, short_data: Path, tiny_model_dir: Path
) -> None:
    a = tmp_path / "a"
    sa = train(
        _opts(short_data, tiny_model_dir, max_steps=4, save_steps=2), a, seed=0, progress=False
    )
    assert sa["global_step"] == 4
    assert sorted(p.name for p in (a / "checkpoints").glob("checkpoint-*")) == [
        "checkpoint-2",
        "checkpoint-4",
    ]
    b = tmp_path / "b"
    sb = train(
        _opts(
            short_data,
            tiny_model_dir,
            max_steps=4,
            save_steps=2,
            resume_from=str(a / "checkpoints" / "checkpoint-2"),
        ),
        b,
        seed=0,
        progress=False,
    )
    assert sb["global_step"] == 4 and sb["steps_this_run"] == 2
    hist_a = [json.loads(x) for x in (a / "loss_history.jsonl").read_text().split("\n") if x]
    hist_b = [json.loads(x) for x in (b / "loss_history.jsonl").read_text().split("\n") if x]
    assert [h["step"] for h in hist_b] == [3, 4]
    # Same data order, optimizer and schedule state: the resumed steps match the uninterrupted run.
    for ra, rb in zip(hist_a[2:], hist_b, strict=True):
        assert rb["loss"] == pytest.approx(ra["loss"], rel=1e-4)
        assert rb["lr"] == pytest.approx(ra["lr"], rel=1e-6)
