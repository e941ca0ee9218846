"""RL plugin: registers the GRPO trainer, the rollout-diagnostics generator and the
``boxed_answer`` reward metric; nothing heavy is imported here."""

from __future__ import annotations

from typing import Any

from harness.hookspecs import hookimpl


@hookimpl
def register_trainers(register: Any) -> None:
    register(
        "grpo",
        "harness_rl.trainer:GRPOTrainerPlugin",
        description="GRPO (TRL) on prompts from a file or task; reward = registered metrics "
        "with weights; LoRA or full; vLLM and multi-GPU on GPUs.",
    )


@hookimpl
def register_generators(register: Any) -> None:
    register(
        "rl-diagnostics",
        "harness_rl.generator:DiagnosticsGenerator",
        description="N rollouts per query: alpha histogram, P(0<alpha<1), "
        "E[sqrt(alpha(1-alpha))], and gradient co-influence between queries.",
    )


@hookimpl
def register_metrics(register: Any) -> None:
    register(
        "boxed_answer",
        "harness_rl.metrics:BoxedAnswer",
        description="1 if the first \\boxed{...} in the reply equals the reference answer.",
    )
