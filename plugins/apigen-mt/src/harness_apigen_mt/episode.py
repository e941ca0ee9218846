"""One tau-bench conversation: a simulated user, an agent with tools and policy, an environment.

The agent greets; the user states a need; each agent step is one model call that either calls
tools (executed in the environment, results fed back) or speaks to the user. The episode ends
when the user writes ###STOP###, the agent transfers to a human, the context overflows, or a step
or turn budget runs out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from harness.errors import ContextOverflowError
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


async def run_episode(
    agent: ModelHandle,
    env: TauEnvironment,
    user: LLMUser,
    max_steps: int = 30,
    max_user_turns: int = 15,
    agent_max_tokens: int | None = None,
    compact: bool = False,
) -> Episode:
    """``agent_max_tokens`` caps each agent turn (None: the run's setting); ``compact`` renders
    the tool schemas without parameter descriptions."""
    env.reset()
    system = Message(role="system", content=agent_system(env.policy))
    convo: list[Message] = [Message(role="assistant", content=GREETING)]
    tools = compact_tools(env.tools()) if compact else env.tools()
    limit = {} if agent_max_tokens is None else {"max_tokens": agent_max_tokens}
    stop, steps, turns = "max_steps", 0, 0
    try:
        first = await user.respond(convo)
        turns += 1
        convo.append(Message(role="user", content=first.content))
        if first.done:
            stop = "user_stop"
        while stop == "max_steps" and steps < max_steps:
            steps += 1
            response = await agent.generate([system, *convo], tools, **limit)
            msg = response.message()
            convo.append(msg)
            if msg.tool_calls:
                for call in msg.tool_calls:
                    result = await env.step(call)
                    convo.append(
                        Message(
                            role="tool",
                            content=result.content,
                            tool_call_id=call.id,
                            name=call.name,
                        )
                    )
                if env.done:
                    stop = "transfer"
                continue
            if turns >= max_user_turns:
                stop = "max_user_turns"
                break
            reply = await user.respond(convo)
            turns += 1
            convo.append(Message(role="user", content=reply.content))
            if reply.done:
                stop = "user_stop"
    except ContextOverflowError:
        stop = "context_overflow"
    state = env.state()
    return Episode(
        messages=[system, *convo],
        stop_reason=stop,
        steps=steps,
        user_turns=turns,
        final_hash=state["db_hash"],
        calls=state["calls"],
        user_log=user.log,
    )
