"""The ToolLibGen plugin: registers the library-building generator and the evaluation task."""

from __future__ import annotations

from typing import Any

from harness.hookspecs import hookimpl


@hookimpl
def register_generators(register: Any) -> None:
    register(
        "toollibgen",
        "harness_toollibgen.generator:ToolLibGen",
        description="ToolLibGen: tools extracted from reasoning traces (verified, refined), "
        "clustered, aggregated into a reviewed tool library.",
    )


@hookimpl
def register_tasks(register: Any) -> None:
    register(
        "toollibgen",
        "harness_toollibgen.task:ToolLibEval",
        description="A solver with retrieve_relevant_tools over a tool library (or flat "
        "tools, or chain of thought): strict accuracy and tool Recall@k.",
    )
