"""The sanity questions, generated from a seed (no data files to ship or download)."""

from __future__ import annotations

import random
from typing import Any

from harness.schemas import Sample

WORDS = [
    "apple",
    "river",
    "planet",
    "garden",
    "silver",
    "window",
    "tiger",
    "candle",
    "orange",
    "bridge",
    "forest",
    "pencil",
    "rocket",
    "summer",
    "violet",
    "marble",
]


def _arithmetic(rng: random.Random, i: int) -> Sample:
    op = rng.choice(["add", "multiply", "subtract"])
    a, b = rng.randint(2, 60), rng.randint(2, 40)
    if op == "add":
        q, ans = f"What is {a} + {b}?", a + b
    elif op == "multiply":
        a, b = rng.randint(2, 12), rng.randint(2, 12)
        q, ans = f"What is {a} * {b}?", a * b
    else:
        a, b = max(a, b), min(a, b)
        q, ans = f"What is {a} - {b}?", a - b
    tool = {
        "add": ("add", {"a": a, "b": b}),
        "multiply": ("multiply", {"a": a, "b": b}),
        "subtract": ("subtract", {"a": a, "b": b}),
    }[op]
    return Sample(
        id=f"arith-{i:03d}",
        input=q,
        target=str(ans),
        metadata={"category": "arithmetic", "tool": tool[0], "args": tool[1]},
    )


def _string(rng: random.Random, i: int) -> Sample:
    word = rng.choice(WORDS)
    op = rng.choice(["reverse", "upper", "length"])
    extra: dict[str, Any]
    if op == "reverse":
        q, ans, extra = f"Reverse the word '{word}'.", word[::-1], {"tool": "reverse_string"}
    elif op == "upper":
        q, ans, extra = (
            f"Write the word '{word}' in upper case.",
            word.upper(),
            {"tool": "uppercase"},
        )
    else:
        q, ans, extra = (
            f"How many letters are in the word '{word}'?",
            str(len(word)),
            {"tool": "count_letters"},
        )
    extra["args"] = {"text": word}
    return Sample(id=f"str-{i:03d}", input=q, target=ans, metadata={"category": "strings", **extra})


def questions(subset: str = "all", n: int = 20, seed: int = 1234) -> list[Sample]:
    """``n`` questions per category, in a stable order."""
    rng = random.Random(seed)
    out: list[Sample] = []
    if subset in ("all", "arithmetic"):
        out += [_arithmetic(rng, i) for i in range(n)]
    if subset in ("all", "strings"):
        out += [_string(rng, i) for i in range(n)]
    return out
