"""Generated arithmetic prompts with verifiable answers (for the bench and the tests; no data is
downloaded). One JSONL record a prompt: ``{"id", "prompt", "target"}``."""

from __future__ import annotations

import json
import random
from pathlib import Path

INSTRUCTION = "Put only the final number in \\boxed{}."


def arithmetic_prompts(n: int, seed: int = 0, high: int = 20) -> list[dict[str, str]]:
    """``n`` additions and subtractions of numbers up to ``high``."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        a, b = rng.randint(0, high), rng.randint(0, high)
        op = rng.choice("+-")
        value = a + b if op == "+" else a - b
        prompt = f"What is {a} {op} {b}? {INSTRUCTION}"
        out.append({"id": f"arith-{i}", "prompt": prompt, "target": str(value)})
    return out


def write_prompts(path: Path, n: int, seed: int = 0, high: int = 20) -> Path:
    path.write_text(
        "".join(json.dumps(r) + "\n" for r in arithmetic_prompts(n, seed, high)), encoding="utf-8"
    )
    return path
