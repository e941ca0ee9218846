"""Rollouts drawn from per-rollout random streams, so a GRPO run samples the same rollouts on one
process or on N.

TRL seeds each rank's global torch RNG with ``seed + rank`` and transformers' ``generate`` draws
every token of every row of a batch from that one stream, so what a rollout samples depends on how
many processes share the step and where its row sits. Here each row of a step's global rollout
batch gets its own generator, seeded by (run seed, optimizer step, global row), and draws one
uniform number per generated token; the token is the inverse-CDF pick from the distribution
``generate`` would have sampled (its temperature, top-k, top-p and min-p applied first). The
processor then leaves only that token, so ``generate``'s own sampling can pick nothing else.

The global row of a rank's local row ``j`` is ``rank * local_rows + j``: TRL's sampler lays a
step's prompts (each repeated ``group_size`` times) out in one sequence and accelerate hands
each rank the next ``per_device_train_batch_size`` of it. A resumed run continues with the
streams of the step it resumes at. vLLM rollouts (``--use-vllm``) are not affected.
"""

from __future__ import annotations

import hashlib
from typing import Any


def stream_seed(seed: int, step: int, row: int) -> int:
    """A 63-bit seed for one rollout's stream, stable across processes and Python runs."""
    digest = hashlib.blake2b(f"{seed}:{step}:{row}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1


def warpers_for(config: Any) -> list[Any]:
    """The sampling warpers ``generate`` applies after the logits processors, for ``config``."""
    from transformers.generation.logits_process import (
        MinPLogitsWarper,
        TemperatureLogitsWarper,
        TopKLogitsWarper,
        TopPLogitsWarper,
    )

    out: list[Any] = []
    temperature = getattr(config, "temperature", None)
    if temperature is not None and temperature != 1.0:
        out.append(TemperatureLogitsWarper(float(temperature)))
    top_k = getattr(config, "top_k", None)
    if top_k:
        out.append(TopKLogitsWarper(top_k=int(top_k)))
    top_p = getattr(config, "top_p", None)
    if top_p is not None and top_p < 1.0:
        out.append(TopPLogitsWarper(top_p=float(top_p)))
    min_p = getattr(config, "min_p", None)
    if min_p is not None:
        out.append(MinPLogitsWarper(min_p=float(min_p)))
    return out


class RolloutStreams:
    """A transformers logits processor: row ``i`` of the batch samples its next token from the
    stream of global row ``first_row + i`` of step ``step``."""

    def __init__(self, seed: int, step: int, first_row: int, warpers: list[Any]) -> None:
        self.seed, self.step, self.first_row = seed, step, first_row
        self.warpers = warpers
        self.generators: list[Any] = []

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        import torch

        rows = scores.shape[0]
        if not self.generators:  # the first token of this generate call
            self.generators = [
                torch.Generator().manual_seed(stream_seed(self.seed, self.step, self.first_row + i))
                for i in range(rows)
            ]
        warped = scores
        for warp in self.warpers:
            warped = warp(input_ids, warped)
        probs = torch.softmax(warped.float(), dim=-1)
        u = torch.stack([torch.rand((), generator=g) for g in self.generators])
        cdf = probs.cumsum(dim=-1)
        u = (u.to(cdf.device) * cdf[:, -1]).unsqueeze(1)  # scale by the total: rounding
        chosen = torch.searchsorted(cdf, u).clamp_(max=probs.shape[1] - 1)
        # never a token of probability zero (a cdf plateau ends at a masked token's index)
        chosen = torch.where(probs.gather(1, chosen) > 0, chosen, probs.argmax(dim=1, keepdim=True))
        out = torch.full_like(scores, float("-inf"))
        out.scatter_(1, chosen, 0.0)
        return out


def seed_rollouts(trainer: Any, seed: int) -> dict[str, int]:
    """Make ``trainer``'s transformers rollouts draw from per-rollout streams (module docstring).
    Returns a counter of the generate calls it seeded (checked by the tests)."""
    from transformers import LogitsProcessorList

    model = trainer.model
    original = model.generate
    rank = int(trainer.accelerator.process_index)
    calls = {"seeded": 0}

    def generate(*args: Any, **kwargs: Any) -> Any:
        config = kwargs.get("generation_config") or getattr(model, "generation_config", None)
        ids = kwargs.get("input_ids", args[0] if args else None)
        if ids is None or config is None or not getattr(config, "do_sample", False):
            return original(*args, **kwargs)
        rows = int(ids.shape[0])
        streams = RolloutStreams(
            seed, int(trainer.state.global_step), rank * rows, warpers_for(config)
        )
        processors = LogitsProcessorList(list(kwargs.pop("logits_processor", None) or []))
        processors.append(streams)
        calls["seeded"] += 1
        return original(*args, logits_processor=processors, **kwargs)

    model.generate = generate
    return calls
