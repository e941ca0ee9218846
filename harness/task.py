"""Tasks: a dataset of samples, how one sample is solved, and how it is scored."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel

from harness.metric import Metric
from harness.options import NoOptions
from harness.schemas import Sample, SampleRecord, Score, SolveOutput

if TYPE_CHECKING:
    from harness.context import SolveContext


class Task(ABC):
    """Subclass, set ``name``/``description``/``Options``, implement samples, solve and metrics.

    ``score`` must depend only on the sample and the output, so ``harness score`` can re-score
    saved transcripts without calling a model.
    """

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    Options: ClassVar[type[BaseModel]] = NoOptions
    roles: ClassVar[tuple[str, ...] | None] = None
    """The roles besides ``agent`` that ``solve`` may ask for (``ctx.role(...)``). Declared, a
    ``--model-role`` naming any other role is refused before the run; None (undeclared) only
    warns after the run about a role nothing asked for."""
    group_by: ClassVar[list[str]] = []
    """Sample metadata keys to break every metric down by (per-category tables)."""

    def __init__(self, options: BaseModel | None = None) -> None:
        self.options: Any = options if options is not None else self.Options()

    @abstractmethod
    def samples(self) -> Iterable[Sample]:
        """The dataset, in a stable order."""

    @abstractmethod
    async def solve(self, sample: Sample, ctx: SolveContext) -> SolveOutput:
        """Solve one sample with the models in ``ctx``."""

    def metrics(self) -> list[Metric]:
        return []

    def score(self, sample: Sample, output: SolveOutput) -> dict[str, Score]:
        return {m.name: m.score(sample, output) for m in self.metrics()}

    def summarize(self, records: Sequence[SampleRecord]) -> dict[str, Any]:
        """Task-specific aggregates for results.json's ``extra`` (composite scores, tables).

        ``records`` (one per sample and epoch) may be read from the journal lazily as it is
        iterated (a 100,000-sample run is not held in memory): iterate it, keep only what the
        aggregate needs."""
        return {}

    def report(self, record: SampleRecord) -> str | None:
        """A per-sample report for ``harness show --samples``, or None."""
        return None
