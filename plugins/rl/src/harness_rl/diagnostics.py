"""Rollout diagnostics for GRPO (the behavior-injection paper, arXiv 2505.18917).

For a query q with N rollouts of which n are correct, alpha = n / N. GRPO's advantage is zero for
every rollout of a query with alpha = 0 or 1, and the paper's per-step improvement weighs a query
by sqrt(alpha (1 - alpha)). So a prompt set with its model is summarised by:

* the histogram of alpha over queries,
* ``p_informative`` = P(0 < alpha < 1), the share of queries GRPO can learn from,
* ``e_sqrt`` = E[sqrt(alpha (1 - alpha))], the paper's RL-informativeness,
* co-influence: the gradient inner product K = <grad log pi(o|q), grad log pi(o'|q')> between
  rollouts of *different* queries, averaged over a random sample of pairs, on LoRA parameters or
  the LM head. log pi(o|q) is the sum of the completion tokens' log-probabilities. Reported as the
  plain mean, the mean by outcome (both correct, one correct, both wrong), and ``signed`` = the
  mean of s s' K with s = +1 for a correct rollout and -1 for a wrong one (positive: learning a
  correct rollout of one query raises the correct rollouts of others).
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.errors import UserError


@dataclass
class Rollout:
    query: str
    messages: list[dict[str, str]]
    completion: str
    reward: float | None
    correct: bool


def alpha_stats(correct_by_query: dict[str, list[bool]]) -> dict[str, Any]:
    """alpha per query, its histogram, P(0 < alpha < 1) and E[sqrt(alpha (1 - alpha))]."""
    if not correct_by_query:
        raise UserError("no queries to diagnose")
    alphas = {q: sum(c) / len(c) for q, c in correct_by_query.items() if c}
    sizes = {len(c) for c in correct_by_query.values()}
    values = list(alphas.values())
    n = len(values)
    out: dict[str, Any] = {
        "queries": n,
        "rollouts_per_query": sizes.pop() if len(sizes) == 1 else sorted(sizes),
        "mean_alpha": sum(values) / n,
        "p_informative": sum(0 < a < 1 for a in values) / n,
        "p_all_wrong": sum(a == 0 for a in values) / n,
        "p_all_correct": sum(a == 1 for a in values) / n,
        "e_sqrt": sum(math.sqrt(a * (1 - a)) for a in values) / n,
    }
    histogram: dict[float, int] = {}
    if isinstance(out["rollouts_per_query"], int):  # every k in 0..N, zeros included
        big_n = out["rollouts_per_query"]
        histogram = {k / big_n: 0 for k in range(big_n + 1)}
    for a in values:
        histogram[a] = histogram.get(a, 0) + 1
    out["histogram"] = [{"alpha": a, "queries": c} for a, c in sorted(histogram.items())]
    out["alpha"] = alphas
    return out


def sample_pairs(rollouts: Sequence[Rollout], pairs: int, seed: int) -> list[tuple[int, int]]:
    """Up to ``pairs`` distinct index pairs (i < j) of rollouts of different queries."""
    every = [
        (i, j)
        for i in range(len(rollouts))
        for j in range(i + 1, len(rollouts))
        if rollouts[i].query != rollouts[j].query
    ]
    if not every:
        raise UserError("co-influence needs rollouts of at least two queries")
    if len(every) <= pairs:
        return every
    return sorted(random.Random(seed).sample(every, pairs))


def load_grad_model(spec: str, params: str, lora_r: int, seed: int) -> tuple[Any, Any]:
    """``(model, tokenizer)`` whose trainable parameters are the ones gradients are taken on: a
    LoRA adapter's (a trained one if ``spec`` is an adapter dir, else a fresh rank-``lora_r``
    one), or the LM head's weight."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from harness.backends.hf.model import checkpoint_dir

    if spec == "smollm2" and not Path(spec).exists():
        from harness.backends.hf.smollm2 import smollm2_checkpoint

        path = smollm2_checkpoint()
    else:
        path = checkpoint_dir(Path(spec).expanduser())
        if not (path / "config.json").exists() and not (path / "adapter_config.json").exists():
            raise UserError(f"--grad-model {spec}: not a checkpoint, run dir or LoRA adapter")
    torch.manual_seed(seed)
    adapter = (path / "adapter_config.json").exists()
    if adapter:
        import json

        from peft import PeftModel

        meta = json.loads((path / "adapter_config.json").read_text(encoding="utf-8"))
        base_path = Path(meta["base_model_name_or_path"])
        has_tok = (path / "tokenizer_config.json").exists()
        tok = AutoTokenizer.from_pretrained(path if has_tok else base_path)
        base = AutoModelForCausalLM.from_pretrained(base_path, dtype=torch.float32)
        model: Any = PeftModel.from_pretrained(base, path, is_trainable=params == "lora")
    else:
        tok = AutoTokenizer.from_pretrained(path)
        model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32)
        if params == "lora":
            from peft import LoraConfig, get_peft_model

            model = get_peft_model(
                model,
                LoraConfig(
                    r=lora_r, lora_alpha=2 * lora_r, lora_dropout=0.0, task_type="CAUSAL_LM"
                ),
            )
    for p in model.parameters():
        p.requires_grad_(False)
    if params == "lora":
        for name, p in model.named_parameters():
            if "lora_" in name:
                p.requires_grad_(True)
    else:
        model.get_output_embeddings().weight.requires_grad_(True)
    model.eval()
    return model, tok


def token_ids(tok: Any, messages: list[dict[str, str]], completion: str) -> tuple[list[int], int]:
    """The prompt (chat template, generation prompt added) then the completion's tokens; and
    where the completion starts."""
    prompt = tok.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    p_ids = tok(prompt, add_special_tokens=False)["input_ids"]
    c_ids = tok(completion, add_special_tokens=False)["input_ids"]
    return [*p_ids, *c_ids], len(p_ids)


def logprob_gradient(model: Any, tok: Any, rollout: Rollout) -> Any:
    """The flattened gradient of log pi(completion | prompt) on the trainable parameters."""
    import torch

    ids, start = token_ids(tok, rollout.messages, rollout.completion)
    params = [p for p in model.parameters() if p.requires_grad]
    if start >= len(ids):  # an empty rollout: log pi = 0 and so is its gradient
        return torch.zeros(sum(p.numel() for p in params))
    x = torch.tensor([ids])
    model.zero_grad(set_to_none=True)
    logits = model(input_ids=x).logits[0, :-1].float()
    logp = torch.log_softmax(logits, dim=-1)
    targets = x[0, 1:]
    total = logp[start - 1 :].gather(1, targets[start - 1 :, None]).sum()
    grads = torch.autograd.grad(total, params, allow_unused=True)
    flat = [
        (g if g is not None else torch.zeros_like(p)).reshape(-1)
        for g, p in zip(grads, params, strict=True)
    ]
    return torch.cat(flat).detach()


def coinfluence(
    model: Any, tok: Any, rollouts: Sequence[Rollout], pairs: int, seed: int
) -> dict[str, Any]:
    """Mean gradient inner product over sampled cross-query rollout pairs (see module doc)."""
    chosen = sample_pairs(rollouts, pairs, seed)
    needed = sorted({i for pair in chosen for i in pair})
    grads = {i: logprob_gradient(model, tok, rollouts[i]) for i in needed}
    ks: list[float] = []
    groups: dict[str, list[float]] = {"both_correct": [], "one_correct": [], "both_wrong": []}
    signed: list[float] = []
    for i, j in chosen:
        k = float(grads[i] @ grads[j])
        ks.append(k)
        ci, cj = rollouts[i].correct, rollouts[j].correct
        key = "both_correct" if ci and cj else "both_wrong" if not (ci or cj) else "one_correct"
        groups[key].append(k)
        signed.append(k * (1 if ci else -1) * (1 if cj else -1))
    norms = [float(g.norm()) for g in grads.values()]
    return {
        "pairs": len(chosen),
        "params": int(next(iter(grads.values())).numel()),
        "mean": sum(ks) / len(ks),
        "signed": sum(signed) / len(signed),
        "by_outcome": {k: (sum(v) / len(v) if v else None) for k, v in groups.items()},
        "pairs_by_outcome": {k: len(v) for k, v in groups.items()},
        "mean_grad_norm": sum(norms) / len(norms),
        "mean_cosine": sum(
            k / (float(grads[i].norm()) * float(grads[j].norm()) or 1.0)
            for k, (i, j) in zip(ks, chosen, strict=True)
        )
        / len(ks),
    }
