"""Behaviour-injection (BRIDGE) plugin: registers the problem generator, the ``bridge`` task and
the boxed-answer reward with its format-failure metric; nothing heavy is imported here."""

from __future__ import annotations

from typing import Any

from harness.hookspecs import hookimpl


@hookimpl
def register_generators(register: Any) -> None:
    register(
        "bridge",
        "harness_bridge.generator:BridgeGenerator",
        description="iGSM-style DAG problems: SFT chain-of-thought (plain, BRIDGE injections, "
        "question/answer augmentation) as trajectories, GRPO and eval prompts with answers.",
    )


@hookimpl
def register_tasks(register: Any) -> None:
    register(
        "bridge",
        "harness_bridge.task:BridgeTask",
        description="iGSM-style word problems, in- and out-of-distribution; boxed-answer accuracy.",
    )


@hookimpl
def register_metrics(register: Any) -> None:
    register(
        "bridge_boxed_answer",
        "harness_bridge.metrics:BoxedAnswer",
        description="1 if the first \\boxed{...} equals the gold answer; no box: 0 and a "
        "format failure.",
    )
    register(
        "bridge_format_failure",
        "harness_bridge.metrics:FormatFailure",
        description="1 if the reply has no \\boxed{...} (format failure).",
    )
