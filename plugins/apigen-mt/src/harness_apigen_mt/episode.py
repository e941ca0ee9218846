"""One tau-bench conversation, described to the core agent loop (:mod:`harness.agent`).

The agent greets; the user states a need; each agent step is one model call that either calls
tools (all calls of the turn, executed in the environment, results fed back) or speaks to the
user. The episode ends when the user writes ###STOP###, the agent transfers to a human (the
environment ends it: recorded as ``transfer``), the context overflows, or a step or turn budget
runs out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from harness.agent import AgentLoop, Rules
from harness.model import ModelHandle
from harness.schemas import Message, ToolSpec
from harness_apigen_mt.environment import TauEnvironment
from harness_apigen_mt.users import LLMUser

GREETING = "Hi! How can I help you today?"

AGENT_SYSTEM = """You are a customer-service agent. Follow the policy below exactly. Use the tools \
to look things up and to make changes; call one tool at a time, or reply to the customer in \
plain text. Never invent information the tools or the customer did not give you.

<policy>
{policy}
</policy>"""


@dataclass
class Episode:
    messages: list[Message]
    stop_reason: str
    steps: int
    user_turns: int
    final_hash: str
    calls: list[dict[str, Any]] = field(default_factory=list)
    user_log: list[dict[str, Any]] = field(default_factory=list)
    #: indices of ``messages`` the simulated user wrote (``harness view`` marks them)
    simulated_user: list[int] = field(default_factory=list)


def agent_system(policy: str) -> str:
    return AGENT_SYSTEM.format(policy=policy)


def _strip_descriptions(schema: Any) -> Any:
    if isinstance(schema, dict):
        return {
            k: _strip_descriptions(v)
            for k, v in schema.items()
            if not (k == "description" and isinstance(v, str))
        }
    if isinstance(schema, list):
        return [_strip_descriptions(v) for v in schema]
    return schema


def compact_tools(tools: list[ToolSpec]) -> list[ToolSpec]:
    """The same tools and argument schemas without per-parameter descriptions (the tool's own
    description stays): a shorter prompt, identical names, types and required arguments."""
    return [t.model_copy(update={"parameters": _strip_descriptions(t.parameters)}) for t in tools]


async def play_episode(
    agent: ModelHandle,
    env: TauEnvironment,
    user: LLMUser,
    max_steps: int = 30,
    max_user_turns: int = 15,
    agent_max_tokens: int | None = None,
    compact: bool = False,
) -> Episode:
    """One conversation on the core agent loop. ``agent_max_tokens`` caps each agent turn (None:
    the run's setting); ``compact`` renders the tool schemas without parameter descriptions."""
    env.reset()
    rules = Rules(
        max_steps=max_steps,
        max_user_turns=max_user_turns,
        user_opens=True,
        text_turn="user",
        reject_unparsed_calls=False,  # the environment answers them, as tau-bench's does
        generate={} if agent_max_tokens is None else {"max_tokens": agent_max_tokens},
        where=f"environment {env.name}",
    )
    tools = (lambda: compact_tools(env.tools())) if compact else None
    loop = AgentLoop(
        agent, env, rules=rules, user=user, system=agent_system(env.policy), tools=tools
    )
    result = await loop.run([Message(role="assistant", content=GREETING)])
    state = env.state()
    return Episode(
        messages=result.messages,
        stop_reason="transfer" if result.stop_reason == "env_done" else result.stop_reason,
        steps=result.steps,
        user_turns=result.user_turns,
        final_hash=state["db_hash"],
        calls=state["calls"],
        user_log=user.log,
        simulated_user=result.user_messages,
    )
