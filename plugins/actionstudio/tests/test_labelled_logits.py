"""Training projects only the labelled positions onto the vocabulary: the same loss and the same
gradients as full logits, through the model's own loss and LoRA."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

torch = pytest.importorskip("torch")

from harness_actionstudio.sft import accepts_logits_mask, collate  # noqa: E402


def _examples() -> list[dict[str, Any]]:
    """Three rows of different lengths; labels on two spans each (a prompt, a reply, an
    observation, a reply), the shape of an agent trajectory."""
    rows = []
    for i, n in enumerate((23, 40, 31)):
        ids = [(7 * i + 3 * t) % 500 + 4 for t in range(n)]
        labels = [-100] * n
        for a, b in ((n // 4, n // 2), (3 * n // 4, n)):
            labels[a:b] = ids[a:b]
        rows.append({"input_ids": ids, "labels": labels})
    return rows


def _loss_and_grads(model: Any, batch: dict[str, Any]) -> tuple[float, list[Any]]:
    model.zero_grad()
    loss = model(**batch).loss
    loss.backward()
    grads = [p.grad.clone() for p in model.parameters() if p.grad is not None]
    return float(loss), grads


@pytest.mark.parametrize("lora", [False, True])
def test_labelled_logits_give_the_full_loss_and_gradients(tiny_model_dir: Path, lora: bool) -> None:
    from transformers import AutoModelForCausalLM

    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_pretrained(str(tiny_model_dir))
    if lora:
        from peft import LoraConfig, get_peft_model

        model = get_peft_model(
            model, LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"])
        )
        for name, p in model.named_parameters():  # B starts at 0: move it so A gets gradients
            if "lora_B" in name:
                torch.nn.init.normal_(p, std=0.02)
    model.train()
    assert accepts_logits_mask(model)
    rows = _examples()
    full = collate(0)(rows)
    sliced = collate(0, labelled_logits_only=True)(rows)
    assert set(sliced) - set(full) == {"logits_to_keep", "shift_labels"}
    # the kept positions are exactly those whose next token is a label: far fewer than all
    labelled = int((full["labels"][:, 1:] != -100).sum())
    assert int(sliced["logits_to_keep"].sum()) == labelled == len(sliced["shift_labels"])
    assert labelled < full["labels"].numel() / 2
    loss_full, grads_full = _loss_and_grads(model, full)
    loss_sliced, grads_sliced = _loss_and_grads(model, sliced)
    assert loss_sliced == pytest.approx(loss_full, rel=1e-6)
    assert len(grads_full) == len(grads_sliced) > 0
    for a, b in zip(grads_full, grads_sliced, strict=True):
        assert torch.allclose(a, b, rtol=1e-4, atol=1e-7)


def test_a_model_without_a_logits_mask_trains_on_full_logits() -> None:
    class Plain(torch.nn.Module):
        def forward(self, input_ids: Any, attention_mask: Any = None, labels: Any = None) -> Any:
            return None

    assert not accepts_logits_mask(Plain())
