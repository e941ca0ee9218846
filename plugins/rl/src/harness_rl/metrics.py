"""``boxed_answer``: 1 if the first ``\\boxed{...}`` in the reply equals the reference answer.

The behavior-injection paper's GRPO reward (arXiv 2505.18917): the first boxed expression,
compared as a string with the gold answer; here numbers also compare as numbers (``\\boxed{12.0}``
equals ``12``), and a reply without a box scores 0."""

from __future__ import annotations

from harness.metric import Metric
from harness.schemas import Sample, Score, SolveOutput


def first_boxed(text: str) -> str | None:
    """The content of the first ``\\boxed{...}`` (nested braces kept), or None."""
    start = text.find("\\boxed{")
    if start < 0:
        return None
    i = start + len("\\boxed{")
    depth = 1
    for j in range(i, len(text)):
        if text[j] == "{":
            depth += 1
        elif text[j] == "}":
            depth -= 1
            if depth == 0:
                return text[i:j].strip()
    return None  # an unclosed box is no answer


def _same(answer: str, target: object) -> bool:
    gold = str(target).strip()
    if answer == gold:
        return True
    try:
        return float(answer.replace(",", "")) == float(gold.replace(",", ""))
    except ValueError:
        return False


class BoxedAnswer(Metric):
    name = "boxed_answer"
    description = "1 if the first \\boxed{...} in the reply equals the reference answer."

    def score(self, sample: Sample, output: SolveOutput) -> Score:
        answer = first_boxed(output.completion)
        if answer is None:
            return Score(value=0.0, answer=None, explanation="no \\boxed{} in the reply")
        targets = sample.target if isinstance(sample.target, list) else [sample.target]
        ok = any(_same(answer, t) for t in targets if t is not None)
        return Score(value=1.0 if ok else 0.0, answer=answer)
