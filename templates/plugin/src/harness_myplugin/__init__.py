"""Hook implementations: register what the plugin adds, nothing more (no heavy imports)."""

from typing import Any

from harness.hookspecs import hookimpl


@hookimpl
def register_tasks(register: Any) -> None:
    register(
        "myplugin-capitals",
        "harness_myplugin.task:CapitalsTask",
        description="Capital cities, answered in one reply.",
    )
    register(
        "myplugin-capitals-agent",
        "harness_myplugin.agent_task:CapitalsAgentTask",
        description="Capital cities, looked up with a tool on the core agent loop.",
    )


@hookimpl
def register_metrics(register: Any) -> None:
    register(
        "starts_with_target",
        "harness_myplugin.task:StartsWithTarget",
        description="1 if the answer starts with the target.",
    )
