"""The verifiable reward: registered metrics, each with a weight, scoring a rollout as a solved
sample (``metric.score(sample, SolveOutput(completion=...))``), exactly as ``harness run`` scores.

Nothing here re-implements a metric: a name resolves to the task's own metric of that name (when
the prompts come from a task) or to the metric registry, and the metric's :class:`Score` is the
reward. Before training, :func:`check_rewards` scores a few prompts with an empty rollout and with
the reference answer, so a metric that is not registered or returns something other than a number
stops the run before step 1, not after an hour of rollouts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from harness.errors import UserError
from harness.metric import Metric
from harness.schemas import Message, Sample, Score, SolveOutput

if TYPE_CHECKING:
    from harness.plugins.manager import PluginManager
    from harness.task import Task


@dataclass
class Reward:
    """One weighted metric of the reward."""

    name: str
    weight: float
    metric: Metric
    errors: int = 0
    last_error: str | None = None
    unscored: int = 0

    def value(self, sample: Sample, completion: str) -> float | None:
        """The metric's value on ``completion`` (None: it does not apply, or it failed on this one
        rollout; the failure is counted, the run goes on)."""
        output = SolveOutput(
            completion=completion, messages=[Message(role="assistant", content=completion)]
        )
        try:
            got = self.metric.score(sample, output)
            value = as_number(got)
        except Exception as exc:  # one bad rollout must not end the run
            self.errors += 1
            self.last_error = f"{type(exc).__name__}: {exc}"
            return None
        if value is None:
            self.unscored += 1
        return value


def as_number(got: Any) -> float | None:
    """A metric's result as a float (None when the Score says it does not apply); raises
    TypeError for anything that is not a Score with a number, or a number."""
    value = got.value if isinstance(got, Score) else got
    if value is None and isinstance(got, Score):
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"returned {got!r}, not a Score with a number")
    if not math.isfinite(value):
        raise TypeError(f"returned a non-finite value {value!r}")
    return float(value)


def parse_spec(spec: str) -> tuple[str, float]:
    """``NAME`` or ``NAME:WEIGHT``."""
    name, sep, weight = spec.rpartition(":")
    if not sep:
        return spec.strip(), 1.0
    try:
        w = float(weight)
    except ValueError:
        raise UserError(f"reward '{spec}': the weight after ':' must be a number") from None
    if not math.isfinite(w):
        raise UserError(f"reward '{spec}': the weight must be finite")
    return name.strip(), w


def resolve_rewards(
    specs: Sequence[str], manager: PluginManager | None = None, task: Task | None = None
) -> list[Reward]:
    """The weighted metrics ``specs`` names; an unknown name is a UserError naming the choices."""
    from harness.errors import did_you_mean
    from harness.plugins.manager import get_manager

    registry = (manager or get_manager()).registry("metrics")
    own = {m.name: m for m in task.metrics()} if task is not None else {}
    out: list[Reward] = []
    for spec in specs:
        name, weight = parse_spec(spec)
        if name in own:
            metric: Any = own[name]
        elif name in registry:
            metric = registry.get(name)
            if isinstance(metric, type):
                metric = metric()
        else:
            known = sorted({*registry.names(), *own})
            raise UserError(
                f"reward metric '{name}' is not registered.{did_you_mean(name, known)} "
                f"Known metrics: {', '.join(known)} (see `harness list metrics`)"
            )
        out.append(Reward(name, weight, metric))
    if len({r.name for r in out}) != len(out):
        raise UserError(f"a reward metric is named twice in {list(specs)}")
    return out


def check_rewards(rewards: Sequence[Reward], samples: Sequence[Sample], probes: int = 3) -> None:
    """Score the first ``probes`` samples with an empty rollout and with their reference answer;
    a metric that raises or returns a non-number stops here, before any model is loaded."""
    for r in rewards:
        for sample in samples[:probes]:
            for completion in ("", "" if sample.target is None else str(sample.target)):
                output = SolveOutput(completion=completion)
                try:
                    as_number(r.metric.score(sample, output))
                except Exception as exc:
                    raise UserError(
                        f"reward metric '{r.name}' cannot be a reward: on sample '{sample.id}' "
                        f"with rollout {completion!r} it {_why(exc)}"
                    ) from None


def _why(exc: Exception) -> str:
    if isinstance(exc, TypeError) and str(exc).startswith("returned"):
        return str(exc)
    return f"raised {type(exc).__name__}: {exc}"


@dataclass
class RewardFunc:
    """A TRL reward function for one metric: called with the batch's completions and the
    ``sample`` column (each prompt's sample as JSON), returns one float (or None) each."""

    reward: Reward
    samples: dict[str, Sample] = field(default_factory=dict)

    @property
    def __name__(self) -> str:  # TRL logs rewards/<__name__>/mean
        return self.reward.name

    def __call__(
        self, prompts: list[Any], completions: list[Any], sample_id: list[str], **_: Any
    ) -> list[float | None]:
        return [
            self.reward.value(self.samples[sid], completion_text(c))
            for c, sid in zip(completions, sample_id, strict=True)
        ]


def completion_text(completion: Any) -> str:
    """TRL gives a string (plain prompts) or a list of messages (chat prompts)."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, list):
        return "".join(str(m.get("content") or "") for m in completion if isinstance(m, dict))
    return str(completion)


def total(rewards: Sequence[Reward], sample: Sample, completion: str) -> float | None:
    """The weighted sum of the metrics (metrics that do not apply are left out; None when none
    applies): the same reward TRL's ``reward_weights`` form."""
    parts = [(r.weight, r.value(sample, completion)) for r in rewards]
    got = [w * v for w, v in parts if v is not None]
    return sum(got) if got else None
