"""The tool-calling agent loop over an Environment.

Two ways for a model to call tools:

* :class:`NativeTools`: the backend's function calling (``tools=`` in the request, ``tool_calls`` in
  the response, results as ``role="tool"`` messages);
* a :class:`TextProtocol` a task supplies: tools described in the prompt, calls parsed out of the
  reply text (never ``eval``-ed), results fed back as user messages.

If the environment holds a :class:`~harness.environment.SimulatedUser`, a turn without tool calls
goes to the user, and the loop ends when the user or the environment says so.
"""

from __future__ import annotations

import json
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

from harness.environment import Environment, StepResult
from harness.model import ModelHandle
from harness.schemas import Message, ModelResponse, ToolCall, ToolSpec


@dataclass
class ParsedTurn:
    """What the protocol read out of one model reply."""

    calls: list[ToolCall] = field(default_factory=list)
    error: str | None = None  # the reply was meant as a call but did not parse
    text: str = ""  # the plain-text part (a final answer, or words to the user)


class ToolProtocol(ABC):
    native: bool = False

    def system_prompt(self, base: str | None, tools: list[ToolSpec]) -> str | None:
        """The system prompt the model gets (a text protocol describes the tools here)."""
        return base

    @abstractmethod
    def parse(self, response: ModelResponse) -> ParsedTurn: ...

    @abstractmethod
    def result_message(self, call: ToolCall, result: StepResult) -> Message: ...

    def error_message(self, error: str) -> Message:
        return Message(role="user", content=f"Your last reply could not be parsed: {error}")

    def assistant_message(self, response: ModelResponse) -> Message:
        return response.message()


class NativeTools(ToolProtocol):
    native = True

    def parse(self, response: ModelResponse) -> ParsedTurn:
        return ParsedTurn(calls=list(response.tool_calls), text=response.text)

    def result_message(self, call: ToolCall, result: StepResult) -> Message:
        return Message(role="tool", content=result.content, tool_call_id=call.id, name=call.name)


class TextProtocol(ToolProtocol):
    """Base for prompt-described tools; subclasses implement describe_tools and parse."""

    @abstractmethod
    def describe_tools(self, tools: list[ToolSpec]) -> str: ...

    def system_prompt(self, base: str | None, tools: list[ToolSpec]) -> str | None:
        return "\n\n".join(x for x in (base, self.describe_tools(tools)) if x)

    def result_message(self, call: ToolCall, result: StepResult) -> Message:
        return Message(role="user", content=f"Observation: {result.content}")


_JSON_BLOCK = re.compile(r"\{.*\}", re.DOTALL)


class JsonActionProtocol(TextProtocol):
    """A small generic text protocol: the model replies with one JSON object
    ``{"tool": NAME, "arguments": {...}}`` to call a tool, or with plain text to answer."""

    def describe_tools(self, tools: list[ToolSpec]) -> str:
        lines = [
            "You can call these tools. To call one, reply with only a JSON object "
            '{"tool": NAME, "arguments": {...}}. To answer, reply with plain text.',
        ]
        for t in tools:
            lines.append(f"- {t.name}: {t.description} Parameters: {json.dumps(t.parameters)}")
        return "\n".join(lines)

    def parse(self, response: ModelResponse) -> ParsedTurn:
        text = response.text.strip()
        match = _JSON_BLOCK.search(text)
        if not match or '"tool"' not in match.group(0):
            return ParsedTurn(text=text)
        try:
            obj = json.loads(match.group(0))
        except ValueError as exc:
            return ParsedTurn(error=f"invalid JSON: {exc}", text=text)
        if not isinstance(obj, dict) or not isinstance(obj.get("tool"), str):
            return ParsedTurn(error='expected {"tool": NAME, "arguments": {...}}', text=text)
        args = obj.get("arguments", {})
        if not isinstance(args, dict):
            return ParsedTurn(error="arguments must be a JSON object", text=text)
        return ParsedTurn(
            calls=[
                ToolCall(
                    id="call_0", name=obj["tool"], arguments=args, raw_arguments=json.dumps(args)
                )
            ]
        )


@dataclass
class AgentResult:
    messages: list[Message]
    steps: int
    stop_reason: str  # "answer" | "env_done" | "user_done" | "max_steps"
    final_text: str
    rewards: list[float] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)


async def run_agent(
    model: ModelHandle,
    env: Environment,
    messages: list[Message],
    protocol: ToolProtocol | None = None,
    system: str | None = None,
    max_steps: int = 10,
) -> AgentResult:
    """Run model and environment until an answer, the environment or user ends it, or max_steps.

    ``messages`` is the conversation so far (without the system prompt); it is extended in place.
    One step = one model call.
    """
    protocol = protocol or NativeTools()
    tools = env.tools()
    sys_text = protocol.system_prompt(system, tools)
    convo = list(messages)
    events: list[dict[str, Any]] = []
    rewards: list[float] = []
    final_text = ""
    stop = "max_steps"
    step = 0
    for step in range(1, max_steps + 1):
        tools = env.tools()
        prompt = ([Message(role="system", content=sys_text)] if sys_text else []) + convo
        response = await model.generate(prompt, tools if protocol.native else None)
        convo.append(protocol.assistant_message(response))
        turn = protocol.parse(response)
        if turn.error:
            events.append({"step": step, "type": "parse_error", "detail": turn.error})
            convo.append(protocol.error_message(turn.error))
            continue
        if turn.calls:
            for call in turn.calls:
                result = await env.step(call)
                rewards.append(result.reward)
                events.append(
                    {
                        "step": step,
                        "type": "tool",
                        "name": call.name,
                        "error": result.is_error,
                        "reward": result.reward,
                    }
                )
                convo.append(protocol.result_message(call, result))
                if result.done or env.done:
                    break
            if env.done:
                stop = "env_done"
                final_text = turn.text
                break
            continue
        final_text = turn.text
        if env.user is not None:
            user_turn = await env.user.respond(convo)
            events.append({"step": step, "type": "user", **user_turn.info})
            convo.append(Message(role="user", content=user_turn.content))
            if user_turn.done or env.done:
                stop = "user_done"
                break
            continue
        stop = "answer"
        break
    messages[:] = convo
    return AgentResult(
        messages=convo,
        steps=step,
        stop_reason=stop,
        final_text=final_text,
        rewards=rewards,
        events=events,
    )
