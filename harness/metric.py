"""Metrics: a per-sample score; aggregation (mean, bootstrap CI, pass^k) lives in harness.stats."""

from __future__ import annotations

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
