"""UserBench (TravelGym) plugin: registers its task, environment, metrics and scenario generator."""

from __future__ import annotations

from typing import Any

from harness.hookspecs import hookimpl


@hookimpl
def register_tasks(register: Any) -> None:
    register(
        "userbench",
        "harness_userbench.task:UserBenchTask",
        description="UserBench/TravelGym: elicit hidden travel preferences, search, recommend.",
    )


@hookimpl
def register_environments(register: Any) -> None:
    register(
        "userbench-travelgym",
        "harness_userbench.environment:TravelGymEnvironment",
        description="TravelGym: one interact_with_env tool (search/action/answer) and a user.",
    )


@hookimpl
def register_metrics(register: Any) -> None:
    for name, attr in [
        ("userbench_score", "UserBenchScore"),
        ("userbench_best_exist_rate", "BestExistRate"),
        ("userbench_correct_exist_rate", "CorrectExistRate"),
        ("userbench_valid_search_rate", "ValidSearchRate"),
        ("userbench_active_elicitation", "ActiveElicitation"),
        ("userbench_passive_elicitation", "PassiveElicitation"),
        ("userbench_all_best", "AllBest"),
        ("userbench_micro_avg", "MicroAvg"),
        ("userbench_micro_max", "MicroMax"),
        ("userbench_steps_reward_1", "StepsReward1"),
        ("userbench_steps_reward_08", "StepsReward08"),
    ]:
        cls = f"harness_userbench.metrics:{attr}"
        register(name, cls, description=f"UserBench metric {name} (see the plugin README).")


@hookimpl
def register_generators(register: Any) -> None:
    register(
        "userbench-scenarios",
        "harness_userbench.generator:ScenarioGenerator",
        description="Build TravelGym scenarios from option attributes and preference rules.",
    )
