"""``harness train actionstudio``: the Trainer plugin around :mod:`harness_actionstudio.sft`."""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

from harness.jobs import JobContext, Trainer
from harness_actionstudio.options import TrainOptions
from harness_actionstudio.unified import UnifiedRecord


class ActionStudioTrainer(Trainer):
    roles = ("critic",)
    name: ClassVar[str] = "actionstudio"
    description: ClassVar[str] = "ActionStudio SFT (full or LoRA) on unified trajectories."
    Options = TrainOptions
    needs_model: ClassVar[bool] = False  # only the optional critic uses a model (role 'critic')

    def train(self, ctx: JobContext) -> dict[str, Any]:
        from harness_actionstudio.sft import train

        opts: TrainOptions = self.options
        critic = None
        if opts.critic:
            handle = ctx.role("critic")

            def critic(records: list[UnifiedRecord]) -> list[dict[str, Any]]:
                from harness_actionstudio.critic import critique

                return asyncio.run(critique(handle, records))

        return train(opts, ctx.out_dir, seed=ctx.seed, log=ctx.log, critic=critic)
