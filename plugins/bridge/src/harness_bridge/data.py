"""Problem sets: the presets' operation counts, the splits, and the records written for SFT
(core ``Trajectory``), GRPO and evaluation (prompt + gold answer).

Every set is a pure function of (seed, split, size, preset), so ``harness generate bridge`` and
the ``bridge`` task draw the same evaluation problems from the same seed."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from harness_bridge.dag import Problem, Shape, generate_problem, question_text

Split = Literal["sft", "rl", "id", "ood"]

SYSTEM = (
    "Solve the word problem. Reason step by step inside <think> and </think>, naming each "
    "quantity you compute. Then give only the final number inside <answer> and </answer>, "
    "written as \\boxed{NUMBER}."
)


@dataclass(frozen=True)
class Preset:
    """Operation-count ranges (inclusive) and the arithmetic of a preset."""

    train_ops: tuple[int, int]
    ood_ops: tuple[int, int]
    modulus: int | None
    sft: int
    rl: int
    eval: int


#: paper: iGSM with 15-20 operations for training, 21-25 out of distribution, arithmetic mod 23,
#: 2K SFT / 10K RL / 500 OOD validation problems (arXiv 2505.18917's released data script).
#: cpu: 2-5 operations (6-8 OOD) on plain small integers, so a 135M model is sometimes right.
PRESETS: dict[str, Preset] = {
    "paper": Preset((15, 20), (21, 25), 23, sft=2000, rl=10000, eval=500),
    "cpu": Preset((2, 5), (6, 8), None, sft=64, rl=64, eval=40),
}


def split_seed(seed: int, split: str) -> int:
    digest = hashlib.sha256(f"bridge:{seed}:{split}".encode()).hexdigest()
    return int(digest[:12], 16)


@dataclass
class Drawn:
    id: str
    split: str
    problem: Problem
    rejected: int


def draw(
    split: str,
    n: int,
    seed: int,
    ops: tuple[int, int],
    modulus: int | None,
    redundant: float = 0.3,
) -> Iterator[Drawn]:
    """``n`` problems of one split, operation counts uniform over ``ops``."""
    rng = random.Random(split_seed(seed, split))
    shape = Shape(modulus=modulus, redundant=redundant)
    for i in range(n):
        k = rng.randint(ops[0], ops[1])
        prob, rejected = generate_problem(rng, k, shape)
        yield Drawn(f"bridge-{split}-{i:05d}", split, prob, rejected)


def prompt_record(d: Drawn) -> dict[str, Any]:
    """A GRPO / evaluation record: chat prompt, gold answer (string) and what it was drawn with."""
    return {
        "id": d.id,
        "prompt": [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": question_text(d.problem)},
        ],
        "target": str(d.problem.answer),
        "split": d.split,
        "ops": d.problem.ops,
        "modulus": d.problem.modulus,
    }
