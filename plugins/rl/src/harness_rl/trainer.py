"""``harness train grpo``: the Trainer plugin around :mod:`harness_rl.grpo`."""

from __future__ import annotations

from typing import Any, ClassVar

from harness.jobs import JobContext, Trainer
from harness_rl.options import GRPOOptions


class GRPOTrainerPlugin(Trainer):
    name: ClassVar[str] = "grpo"
    description: ClassVar[str] = "GRPO (TRL) with registered metrics as the verifiable reward."
    roles: ClassVar[tuple[str, ...] | None] = ()
    Options = GRPOOptions
    needs_model: ClassVar[bool] = False  # the policy is --base-model, trained in-process

    def train(self, ctx: JobContext) -> dict[str, Any]:
        from harness_rl.grpo import train

        return train(self.options, ctx.out_dir, seed=ctx.seed, manager=ctx.manager, log=ctx.log)
