"""How a model calls tools: the protocols the core agent loop speaks.

* :class:`NativeTools`: the backend's function calling (``tools=`` in the request, ``tool_calls``
  in the response, results as ``role="tool"`` messages);
* a :class:`TextProtocol` a task supplies: tools described in the prompt, calls parsed out of the
  reply text (never ``eval``-ed), results fed back as user messages.

A protocol only translates: what the model is sent, how a reply reads, how results and errors are
written back. The loop (:mod:`harness.agent.loop`) decides what happens next.
"""

from __future__ import annotations

import json
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

from harness.environment import StepResult
from harness.schemas import Message, ModelResponse, ToolCall, ToolSpec


@dataclass
class ParsedTurn:
    """What the protocol read out of one model reply."""

    calls: list[ToolCall] = field(default_factory=list)
    #: the reply was meant as a call (or must be one) but is not: a format-error turn
    error: str | None = None
    #: the plain-text part (a final answer, or words to the user)
    text: str = ""
    #: protocol details a task may record (the raw action line, the name it read, ...)
    info: dict[str, Any] = field(default_factory=dict)


class ToolProtocol(ABC):
    """Subclass to describe a way of calling tools; see :class:`NativeTools`."""

    #: tools go to the backend's function calling (else they are described in the prompt)
    native: bool = False

    def system_prompt(self, base: str | None, tools: list[ToolSpec]) -> str | None:
        """The system prompt the model gets (a text protocol describes the tools here)."""
        return base

    @abstractmethod
    def parse(self, response: ModelResponse) -> ParsedTurn:
        """Read a reply: calls, a plain-text turn, or a format error. May not raise (the loop
        turns an exception into a format error anyway)."""

    @abstractmethod
    def result_message(self, call: ToolCall, result: StepResult) -> Message:
        """How a tool's result is written back to the model."""

    def error_message(self, error: str, turn: ParsedTurn) -> Message:
        """The message that answers a format-error turn."""
        return Message(role="user", content=f"Your last reply could not be parsed: {error}")

    def call_error_message(self, call: ToolCall, error: str) -> Message:
        """The message that answers one call whose arguments did not parse (not executed)."""
        return self.result_message(call, StepResult(content=f"Error: {error}", is_error=True))

    def feedback_message(self, result: StepResult) -> Message:
        """How the environment's answer to a plain-text turn is written back."""
        return Message(role="user", content=result.content)

    def assistant_message(self, response: ModelResponse) -> Message:
        """The reply as it goes into the transcript."""
        return response.message()


class NativeTools(ToolProtocol):
    """The backend's function calling; a reply without calls is a plain-text turn."""

    native = True

    def parse(self, response: ModelResponse) -> ParsedTurn:
        return ParsedTurn(calls=list(response.tool_calls), text=response.text)

    def result_message(self, call: ToolCall, result: StepResult) -> Message:
        return Message(role="tool", content=result.content, tool_call_id=call.id, name=call.name)


class TextProtocol(ToolProtocol):
    """Base for prompt-described tools; subclasses implement describe_tools and parse."""

    @abstractmethod
    def describe_tools(self, tools: list[ToolSpec]) -> str:
        """The tools' description that goes into the system prompt."""

    def system_prompt(self, base: str | None, tools: list[ToolSpec]) -> str | None:
        return "\n\n".join(x for x in (base, self.describe_tools(tools)) if x)

    def result_message(self, call: ToolCall, result: StepResult) -> Message:
        return Message(role="user", content=f"Observation: {result.content}")

    def assistant_message(self, response: ModelResponse) -> Message:
        """Only the text: a text protocol's calls live in it."""
        return Message(role="assistant", content=response.text)


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
        call = ToolCall(
            id="call_0", name=obj["tool"], arguments=args, raw_arguments=json.dumps(args)
        )
        return ParsedTurn(calls=[call])
