"""Metrics: a per-sample score; aggregation (mean, bootstrap CI, pass^k) lives in harness.stats."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from typing import Any, ClassVar

from harness.schemas import Sample, Score, SolveOutput


class Metric(ABC):
    """Scores one solved sample. Subclass and implement :meth:`score`; set ``name``."""

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    higher_is_better: ClassVar[bool] = True

    @abstractmethod
    def score(self, sample: Sample, output: SolveOutput) -> Score:
        """The score of one solved sample."""


def normalize_text(text: Any) -> str:
    return " ".join(str(text).strip().lower().rstrip(".").split())


def _targets(target: Any) -> list[Any]:
    return list(target) if isinstance(target, list | tuple) else [target]


class ExactMatch(Metric):
    """1 if the answer equals a target after trimming, lower-casing and collapsing spaces."""

    name = "exact_match"
    description = "1 if the answer equals a target (case and surrounding space ignored)."

    def score(self, sample: Sample, output: SolveOutput) -> Score:
        answer = normalize_text(output.completion)
        ok = any(answer == normalize_text(t) for t in _targets(sample.target))
        return Score(value=1.0 if ok else 0.0, answer=output.completion)


class Includes(Metric):
    """1 if a target appears inside the answer (case-insensitive)."""

    name = "includes"
    description = "1 if a target appears inside the answer (case-insensitive)."

    def score(self, sample: Sample, output: SolveOutput) -> Score:
        answer = normalize_text(output.completion)
        ok = any(normalize_text(t) in answer for t in _targets(sample.target))
        return Score(value=1.0 if ok else 0.0, answer=output.completion)


_NUMBER = r"[-+]?\d[\d,]*(?:\.\d+)?"
_MARKED = re.compile(
    r"(?:final answer|answer|result)\s*(?:is\s*[:=]?|:|=)\s*\**\s*"  # "the answer is: "
    r"(['\"`]?)([-+]?\d[\d,]*(?:\.\d+)?|[^\s'\"`*.,;!?]+)\1",  # X: a number or a word
    re.I,
)
_QUOTED = re.compile(r"'([^'\s]+)'|\"([^\"\s]+)\"|`([^`\s]+)`|\*\*([^*\s]+)\*\*")


def _as_number(text: str) -> float | None:
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return None


def extract_answer(reply: str, numeric: bool) -> str:
    """The answer a reply gives, by these rules, first match wins:

    1. the last ``answer is X`` / ``answer: X`` / ``result = X`` (also ``final answer``);
    2. a numeric target: the first number after the last ``=``, else the last number;
    3. otherwise: the last quoted word ('x', "x", `x` or **x**), else the reply's first word.

    Empty when the reply is empty or (for a numeric target) has no number."""
    text = reply.strip()
    marked = _MARKED.findall(text)
    if marked:
        return marked[-1][1]
    if numeric:
        after_eq = text.rsplit("=", 1)[1] if "=" in text else ""
        found = re.findall(_NUMBER, after_eq) or re.findall(_NUMBER, text)
        if not found:
            return ""
        return found[0] if after_eq and re.search(_NUMBER, after_eq) else found[-1]
    quoted = [next(g for g in m if g) for m in _QUOTED.findall(text)]
    if quoted:
        return quoted[-1]
    words = text.split()
    return words[0].strip(".,;:!?'\"`*") if words else ""


class AnswerMatch(Metric):
    """Lenient: 1 if the answer extracted from the reply (:func:`extract_answer`) equals a target
    (numbers compared as numbers, text without case). A model that says ``12 * 3 = 36.`` scores
    1 here and 0 on exact_match."""

    name = "answer_match"
    description = "1 if the answer extracted from the reply equals a target (lenient)."

    def score(self, sample: Sample, output: SolveOutput) -> Score:
        targets = _targets(sample.target)
        numeric = all(_as_number(str(t)) is not None for t in targets)
        answer = extract_answer(output.completion, numeric)
        if numeric:
            value = _as_number(answer) if answer else None
            ok = value is not None and any(value == _as_number(str(t)) for t in targets)
        else:
            ok = any(normalize_text(answer) == normalize_text(t) for t in targets)
        return Score(value=1.0 if ok else 0.0, answer=answer, explanation="extracted from reply")
