"""``harness train modomodo-mixtures``: the MoDoMoDo loop on the synthetic set, resumable
(:mod:`harness_modomodo.loop`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from harness.jobs import JobContext, Trainer
from harness_modomodo.options import MixtureLoopOptions


def _metric(ctx: JobContext, name: str) -> Any:
    from harness.errors import UserError, did_you_mean

    registry = ctx.manager.registry("metrics")
    if name not in registry:
        names = sorted(registry.names())
        raise UserError(f"metric '{name}' is not registered.{did_you_mean(name, names)}")
    m = registry.get(name)
    return m() if isinstance(m, type) else m


class MixtureLoopTrainer(Trainer):
    name: ClassVar[str] = "modomodo-mixtures"
    description: ClassVar[str] = "Sample mixtures, train and evaluate each, fit, train on w*."
    Options = MixtureLoopOptions
    needs_model: ClassVar[bool] = False

    def train(self, ctx: JobContext) -> dict[str, Any]:
        from harness_modomodo.loop import StudyOptions, StudySettings, run_study

        o: MixtureLoopOptions = self.options
        settings = StudySettings(
            seed=ctx.seed, **{k: getattr(o, k) for k in StudyOptions.model_fields}
        )
        work = Path(o.work_dir) if o.work_dir else ctx.out_dir / "study"
        return run_study(
            work, settings, _metric(ctx, o.accuracy), _metric(ctx, o.reward), ctx.log, o.threads
        )
