"""LoCoBench plugin: registers its task, the procedural codebase generator and a run-end hook
that saves the score-against-context-length figure."""

from __future__ import annotations

from typing import Any

from harness.hookspecs import hookimpl


@hookimpl
def register_tasks(register: Any) -> None:
    register(
        "locobench",
        "harness_locobench.task:LoCoBenchTask",
        description="LoCoBench: long-context software-engineering scenarios, built and tested.",
    )


@hookimpl
def register_generators(register: Any) -> None:
    register(
        "locobench-codebases",
        "harness_locobench.generator:CodebaseGenerator",
        description="LoCoBench projects and scenarios made procedurally (no model).",
    )
    register(
        "locobench",
        "harness_locobench.modelgen:ModelCodebaseGenerator",
        description="LoCoBench phases 1-3 with a model: specifications, codebases, scenarios.",
    )


@hookimpl
def on_run_end(run: Any, result: Any) -> None:
    if getattr(run.task, "name", "") != "locobench":
        return
    from harness_locobench.report import plot

    plot(run.run_dir, list(run.records))
