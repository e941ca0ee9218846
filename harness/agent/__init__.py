"""The one agent loop and what it is described with: protocols, rules, budgets.

Tasks import from here: :class:`AgentLoop` and :class:`Rules` (:mod:`harness.agent.loop`), the
protocols (:mod:`harness.agent.protocols`), budget profiles (:mod:`harness.agent.budget`).
"""

from harness.agent.budget import BUDGET_HELP, Budgets, Profile, ProfileName, override
from harness.agent.loop import (
    AgentLoop,
    AgentResult,
    CallOutcome,
    Rules,
    StopReason,
    TurnRecord,
    run_agent,
)
from harness.agent.protocols import (
    JsonActionProtocol,
    NativeTools,
    ParsedTurn,
    TextProtocol,
    ToolProtocol,
)
from harness.agent.tools import ToolSchemaError, check_tools

__all__ = [
    "BUDGET_HELP",
    "AgentLoop",
    "AgentResult",
    "Budgets",
    "CallOutcome",
    "JsonActionProtocol",
    "NativeTools",
    "ParsedTurn",
    "Profile",
    "ProfileName",
    "Rules",
    "StopReason",
    "TextProtocol",
    "ToolProtocol",
    "ToolSchemaError",
    "TurnRecord",
    "check_tools",
    "override",
    "run_agent",
]
