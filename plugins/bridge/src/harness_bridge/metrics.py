"""The boxed-answer reward and its format-failure count.

``bridge_boxed_answer`` is the paper's reward (arXiv 2505.18917, its released reward manager): 1
when the first ``\\boxed{...}`` in the reply equals the gold answer, else 0. A reply without a
box scores 0 and is a *format failure*: the score's metadata says so
(``format_failure: true``), and ``bridge_format_failure`` is that flag as a metric, so a run's
summary shows the share (with its CI) and the count is that share times the samples."""

from __future__ import annotations

from harness.metric import Metric
from harness.schemas import Sample, Score, SolveOutput


def first_boxed(text: str) -> str | None:
    """The content of the first closed ``\\boxed{...}`` (nested braces kept), or None."""
    start = text.find("\\boxed{")
    if start < 0:
        return None
    depth = 1
    begin = start + len("\\boxed{")
    for j in range(begin, len(text)):
        if text[j] == "{":
            depth += 1
        elif text[j] == "}":
            depth -= 1
            if depth == 0:
                return text[begin:j].strip()
    return None


def same_answer(answer: str, gold: object) -> bool:
    """String equality, or equal as numbers ('12.0' == '12', '1,200' == '1200')."""
    want = str(gold).strip()
    if answer == want:
        return True
    try:
        return float(answer.replace(",", "")) == float(want.replace(",", ""))
    except ValueError:
        return False


class BoxedAnswer(Metric):
    name = "bridge_boxed_answer"
    description = (
        "1 if the first \\boxed{...} equals the gold answer; no box = 0 and a format failure."
    )

    def score(self, sample: Sample, output: SolveOutput) -> Score:
        answer = first_boxed(output.completion)
        if answer is None:
            return Score(
                value=0.0,
                explanation="format failure: no \\boxed{} in the reply",
                metadata={"format_failure": True},
            )
        targets = sample.target if isinstance(sample.target, list) else [sample.target]
        ok = any(same_answer(answer, t) for t in targets if t is not None)
        return Score(value=1.0 if ok else 0.0, answer=answer, metadata={"format_failure": False})


class FormatFailure(Metric):
    name = "bridge_format_failure"
    higher_is_better = False
    description = "1 if the reply has no closed \\boxed{...} (a format failure), else 0."

    def score(self, sample: Sample, output: SolveOutput) -> Score:
        missing = first_boxed(output.completion) is None
        return Score(value=1.0 if missing else 0.0, metadata={"format_failure": missing})
