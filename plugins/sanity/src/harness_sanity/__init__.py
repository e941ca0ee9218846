"""The sanity plugin: registers its tasks, environment and metric through the harness hooks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness.hookspecs import hookimpl

TASK_FILES = Path(__file__).parent / "task_files"


@hookimpl
def register_tasks(register: Any) -> None:
    register(
        "sanity",
        "harness_sanity.tasks:SanityTask",
        description="Arithmetic and string questions answered in one reply (exact match).",
    )
    register(
        "sanity-tools",
        "harness_sanity.tasks:SanityToolsTask",
        description="The same questions solved by calling calculator/string tools.",
    )
    for path in sorted(TASK_FILES.glob("*.yaml")):
        register(task_file=path)


@hookimpl
def register_environments(register: Any) -> None:
    register(
        "sanity-toolbox",
        "harness_sanity.environment:ToolboxEnvironment",
        description="Stateless calculator and string tools (add, multiply, reverse, ...).",
    )


@hookimpl
def register_metrics(register: Any) -> None:
    register(
        "sanity_tool_use",
        "harness_sanity.tasks:ToolUse",
        description="1 if the expected tool was called with the expected arguments.",
    )


@hookimpl
def register_generators(register: Any) -> None:
    register(
        "sanity-oracle",
        "harness_sanity.oracle:SanityOracle",
        description="Verified tool-use trajectories: an oracle calls the expected tool, then "
        "answers; kept only if the task scores it fully and a replay matches.",
    )
