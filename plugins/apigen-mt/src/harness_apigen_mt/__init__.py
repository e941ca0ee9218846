"""The APIGen-MT plugin: registers its environments, evaluation tasks and generator."""

from __future__ import annotations

from typing import Any

from harness.hookspecs import hookimpl


@hookimpl
def register_environments(register: Any) -> None:
    register(
        "tau-retail",
        "harness_apigen_mt.environment:RetailEnvironment",
        description="tau2-compatible retail domain: JSON DB, 15 read/write tools, policy.",
    )
    register(
        "tau-airline",
        "harness_apigen_mt.environment:AirlineEnvironment",
        description="tau2-compatible airline domain: JSON DB, 14 read/write tools, policy.",
    )


@hookimpl
def register_tasks(register: Any) -> None:
    register(
        "tau-retail",
        "harness_apigen_mt.tasks:TauRetail",
        description="tau-bench retail: LLM user, tool agent, DB-hash + outputs reward, pass^k.",
    )
    register(
        "tau-airline",
        "harness_apigen_mt.tasks:TauAirline",
        description="tau-bench airline: LLM user, tool agent, DB-hash + outputs reward, pass^k.",
    )


@hookimpl
def register_generators(register: Any) -> None:
    register(
        "apigen-mt",
        "harness_apigen_mt.generator:ApigenMT",
        description="APIGen-MT: verified task blueprints (phase 1) and simulated "
        "agent-human trajectories kept by rejection sampling (phase 2).",
    )
