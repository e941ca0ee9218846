"""SpecTool's two protocols for the core agent loop, and its step records.

Text (the paper's): the tools and a one-shot example (ours) are in the system prompt; each reply
holds one ``Action: NAME with Action Input: {...}``; ``finish`` ends the episode. Native: the
backend's function calling, where a reply without a call is a format error. Every step is
recorded (kind ``call``, ``finish`` or ``format_error``) in a JSON-able dict the scorer reads back.
"""

from __future__ import annotations

import json
from typing import Any

from harness.agent import NativeTools, ParsedTurn, TextProtocol, TurnRecord
from harness.schemas import Message, ModelResponse, ToolCall, ToolSpec
from harness_spectool.parser import parse_action

FINISH = ToolSpec(
    name="finish",
    description="End the task and give the final answer.",
    parameters={
        "type": "object",
        "properties": {"answer": {"type": "string", "description": "The final answer."}},
        "required": ["answer"],
    },
)

INSTRUCTIONS = """You solve a task by calling functions, one per reply, and reading their results.
Every reply must end with exactly one line in this form:
Action: FUNCTION_NAME with Action Input: {"argument": "value"}
The Action Input is a JSON object whose keys are the function's parameters. After each action you
get an Observation. When you know the answer, reply with
Action: finish with Action Input: {"answer": "the final answer"}
You have at most MAX_STEPS replies. Use only the functions listed below.

Functions:
"""

ONE_SHOT = """Example (with a different set of functions, for a bookshop):
Task: How many pages does the novel 'Winter Orchard' have?
Thought: I need the book's id first.
Action: find_book with Action Input: {"title": "Winter Orchard"}
Observation: {"results": [{"book_id": 7731, "title": "Winter Orchard"}]}
Thought: Now I can read its details.
Action: get_book with Action Input: {"book_id": 7731}
Observation: {"book_id": 7731, "title": "Winter Orchard", "pages": 412}
Action: finish with Action Input: {"answer": "412"}
"""

NATIVE_SYSTEM = (
    "Solve the task by calling the functions. Call finish with the final answer when you know it."
)
FORMAT_HELP = (
    "ERROR | Invalid format: {why}. Reply with one line "
    "'Action: NAME with Action Input: {{...JSON...}}'."
)
NATIVE_FORMAT_HELP = "ERROR | Invalid format: call one of the functions, or finish with the answer."
RAW = 2000  # characters of a reply or observation kept in a step record


class ActionText(TextProtocol):
    """The paper's ``Action: NAME with Action Input: {...}`` lines; ``finish`` is among the tools
    the loop describes (its answer tool)."""

    def __init__(self, max_steps: int) -> None:
        self.max_steps = max_steps

    def describe_tools(self, tools: list[ToolSpec]) -> str:
        return "\n".join(
            f"- {t.name}: {t.description} Parameters: {json.dumps(t.parameters)}" for t in tools
        )

    def system_prompt(self, base: str | None, tools: list[ToolSpec]) -> str | None:
        head = INSTRUCTIONS.replace("MAX_STEPS", str(self.max_steps))
        return head + self.describe_tools(tools) + "\n\n" + ONE_SHOT

    def parse(self, response: ModelResponse) -> ParsedTurn:
        act = parse_action(response.text)
        if not act.ok or act.name is None:
            return ParsedTurn(error=act.error, text=response.text, info={"name": act.name})
        call = ToolCall(id="call_0", name=act.name, arguments=act.arguments)
        return ParsedTurn(calls=[call], text=response.text, info={"raw_input": act.raw_input})

    def error_message(self, error: str, turn: ParsedTurn) -> Message:
        return Message(role="user", content=FORMAT_HELP.format(why=error))


class FunctionCalls(NativeTools):
    """Function calling where every reply must call a function (a text reply is an IFE)."""

    def parse(self, response: ModelResponse) -> ParsedTurn:
        if not response.tool_calls:
            return ParsedTurn(error="no function call", text=response.text)
        return super().parse(response)

    def error_message(self, error: str, turn: ParsedTurn) -> Message:
        return Message(role="user", content=NATIVE_FORMAT_HELP)

    def call_error_message(self, call: ToolCall, error: str) -> Message:
        return Message(
            role="tool",
            tool_call_id=call.id,
            name=call.name,
            content=f"ERROR | Invalid format: {error}",
        )


def steps_from(turns: list[TurnRecord]) -> list[dict[str, Any]]:
    """The scorer's step records, from the loop's turns."""
    steps: list[dict[str, Any]] = []
    for turn in turns:
        if turn.kind == "format_error":
            st = {"step": turn.step, "kind": "format_error", "error": turn.parsed.error}
            if "name" in turn.parsed.info:
                st["name"] = turn.parsed.info["name"]
            steps.append({**st, "raw": turn.response.text[:RAW]})
        for out in turn.outcomes:
            steps.append(_outcome(turn, out.kind, out.call, out.error, out.result))
    return steps


def _outcome(
    turn: TurnRecord, kind: str, call: ToolCall, error: Any, result: Any
) -> dict[str, Any]:
    if kind == "format_error":
        raw = call.raw_arguments or ""
        return {"step": turn.step, "kind": kind, "name": call.name, "error": error, "raw": raw}
    if kind == "answer":
        st = {"step": turn.step, "kind": "finish", "name": "finish", "arguments": call.arguments}
        if "raw_input" in turn.parsed.info:
            st["raw_input"] = turn.parsed.info["raw_input"]
        return st
    return {
        "step": turn.step,
        "kind": "call",
        "name": call.name,
        "arguments": call.arguments,
        "executed": bool(result.info.get("executed")),
        "error": result.is_error,
        "observation": result.content[:RAW],
    }
