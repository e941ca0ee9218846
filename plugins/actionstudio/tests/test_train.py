"""Training on CPU with a tiny local model: loss drops, resume continues the step count, LoRA
merge round trip, and the core hf/ backend serves the checkpoint with the training prompt.

One full fine-tuning run (module scope) serves both the loss test and the resume reference."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

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


def _history(run: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in (run / "loss_history.jsonl").read_text().splitlines()]


FULL = {"max_steps": 8, "save_steps": 4, "learning_rate": 1e-2}


@pytest.fixture(scope="module")
def full_run(
    tmp_path_factory: pytest.TempPathFactory, short_data_shared: Path, tiny_model_dir: Path
) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("full") / "run"
    opts = _opts(short_data_shared, tiny_model_dir, **FULL)
    return out, train(opts, out, seed=0, progress=False)


def test_full_finetune_loss_drops(full_run: tuple[Path, dict[str, Any]]) -> None:
    out, s = full_run
    assert s["global_step"] == 8 and s["steps_this_run"] == 8
    assert s["examples"] == 12  # 6 records x 2 assistant turns
    losses = [h["loss"] for h in _history(out)]
    assert len(losses) == 8
    assert sum(losses[-3:]) / 3 < 0.8 * losses[0], losses
    assert s["first_loss"] == losses[0] and s["last_loss"] == losses[-1]
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


def test_resume_continues_the_step_count(
    full_run: tuple[Path, dict[str, Any]],
    tmp_path: Path,
    short_data_shared: Path,
    tiny_model_dir: Path,
) -> None:
    a, _ = full_run
    assert sorted(p.name for p in (a / "checkpoints").glob("checkpoint-*")) == [
        "checkpoint-4",
        "checkpoint-8",
    ]
    b = tmp_path / "b"
    opts = _opts(
        short_data_shared,
        tiny_model_dir,
        **FULL,
        resume_from=str(a / "checkpoints" / "checkpoint-4"),
    )
    sb = train(opts, b, seed=0, progress=False)
    assert sb["global_step"] == 8 and sb["steps_this_run"] == 4
    assert sb["resumed_from"].endswith("checkpoint-4")
    hist_a, hist_b = _history(a), _history(b)
    assert [h["step"] for h in hist_b] == [5, 6, 7, 8]
    # Same data order, optimizer and schedule state: the resumed steps match the uninterrupted run.
    for ra, rb in zip(hist_a[4:], hist_b, strict=True):
        assert rb["loss"] == pytest.approx(ra["loss"], rel=1e-4)
        assert rb["lr"] == pytest.approx(ra["lr"], rel=1e-6)


def test_lora_merge_round_trip_and_hf_backend_serves_the_training_prompt(
    tmp_path: Path, short_data: Path, tiny_model_dir: Path
) -> None:
    import asyncio

    import torch
    from harness_actionstudio.converters import convert_files
    from harness_actionstudio.preprocess import build_examples, render
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from harness.schemas import GenerateConfig, Trajectory

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

    # The core's hf/ backend loads final/ and renders, for every assistant turn, exactly the
    # prompt the trainer trained on (system, tools, the earlier turns, tool call and result).
    hf = pytest.importorskip("harness.backends.hf.model")
    model = hf.HFModel.create(str(out / "final"), {})
    model.check()
    traj = Trajectory.model_validate_json(short_data.read_text().splitlines()[0])
    (rec,) = convert_files([short_data]).records[:1]
    tok = AutoTokenizer.from_pretrained(str(out / "final"))
    turns = [i for i, m in enumerate(traj.messages) if m.role == "assistant"]
    examples = build_examples(rec, "auto")
    assert len(examples) == len(turns) == 2
    for k, ex in zip(turns, examples, strict=True):
        trained_prompt, _ = render(tok, tok.chat_template, ex)
        assert model.render(traj.messages[:k], traj.tools, GenerateConfig()) == trained_prompt
    reply = asyncio.run(model.generate(traj.messages[:2], traj.tools, GenerateConfig(max_tokens=4)))
    assert reply.usage.input_tokens > 0 and reply.finish_reason in ("stop", "length", "tool_calls")
