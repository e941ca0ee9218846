"""SpecTool plugin: registers its tasks and offline tool environments (nothing heavy imported)."""

from __future__ import annotations

from typing import Any

from harness.hookspecs import hookimpl
from harness_spectool.names import CLASSES, DOMAINS, env_name


@hookimpl
def register_tasks(register: Any) -> None:
    register(
        "spectool",
        "harness_spectool.task:SpecToolTask",
        description="SpecTool: the seven tool-use error patterns on offline tool domains.",
    )
    register(
        "spectool-bfcl",
        "harness_spectool.bfcl_task:BfclTask",
        description="SpecTool error patterns plus BFCL-style AST correctness on BFCL data.",
    )


@hookimpl
def register_environments(register: Any) -> None:
    for domain, cls in CLASSES.items():
        register(
            env_name(domain), f"harness_spectool.environment:{cls}", description=DOMAINS[domain]
        )


@hookimpl
def register_generators(register: Any) -> None:
    register(
        "spectool-oracle",
        "harness_spectool.generator:OracleGenerator",
        description="Verified trajectories: an oracle replays accepted ground truths (text and "
        "native protocols, real observations) on one side of the held-out template split.",
    )
