"""The agent loop in the paper's text format, and a native function-calling variant.

Text: the tools and a one-shot example (ours) are in the system prompt; each reply holds one
``Action: NAME with Action Input: {...}``; ``finish`` ends the episode. Every step is recorded
(kind ``call``, ``finish`` or ``format_error``) in a JSON-able dict the scorer reads back.
"""

from __future__ import annotations

import json
from typing import Any

from harness.model import ModelHandle
from harness.schemas import Message, ToolSpec
from harness_spectool.environment import SpecToolEnvironment
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


def describe(tools: list[ToolSpec]) -> str:
    lines = []
    for t in [*tools, FINISH]:
        lines.append(f"- {t.name}: {t.description} Parameters: {json.dumps(t.parameters)}")
    return "\n".join(lines)


def system_prompt(tools: list[ToolSpec], max_steps: int) -> str:
    return INSTRUCTIONS.replace("MAX_STEPS", str(max_steps)) + describe(tools) + "\n\n" + ONE_SHOT


FORMAT_HELP = (
    "ERROR | Invalid format: {why}. Reply with one line "
    "'Action: NAME with Action Input: {{...JSON...}}'."
)


async def run_text(
    model: ModelHandle, env: SpecToolEnvironment, goal: str, max_steps: int, max_tokens: int
) -> tuple[list[Message], list[dict[str, Any]]]:
    tools = env.tools()
    messages = [
        Message(role="system", content=system_prompt(tools, max_steps)),
        Message(role="user", content=f"Task: {goal}"),
    ]
    steps: list[dict[str, Any]] = []
    for i in range(1, max_steps + 1):
        response = await model.generate(messages, max_tokens=max_tokens, stop=["Observation:"])
        messages.append(Message(role="assistant", content=response.text))
        act = parse_action(response.text)
        if not act.ok:
            steps.append(
                {
                    "step": i,
                    "kind": "format_error",
                    "error": act.error,
                    "name": act.name,
                    "raw": response.text[:2000],
                }
            )
            messages.append(Message(role="user", content=FORMAT_HELP.format(why=act.error)))
            continue
        assert act.name is not None
        if act.name == "finish":
            steps.append(
                {
                    "step": i,
                    "kind": "finish",
                    "name": "finish",
                    "arguments": act.arguments,
                    "raw_input": act.raw_input,
                }
            )
            break
        result = env.execute(act.name, act.arguments)
        steps.append(
            {
                "step": i,
                "kind": "call",
                "name": act.name,
                "arguments": act.arguments,
                "executed": bool(result.info.get("executed")),
                "error": result.is_error,
                "observation": result.content[:2000],
            }
        )
        messages.append(Message(role="user", content=f"Observation: {result.content}"))
    return messages, steps


async def run_native(
    model: ModelHandle, env: SpecToolEnvironment, goal: str, max_steps: int, max_tokens: int
) -> tuple[list[Message], list[dict[str, Any]]]:
    tools = [*env.tools(), FINISH]
    messages = [
        Message(
            role="system",
            content="Solve the task by calling the functions. Call "
            "finish with the final answer when you know it.",
        ),
        Message(role="user", content=goal),
    ]
    steps: list[dict[str, Any]] = []
    for i in range(1, max_steps + 1):
        response = await model.generate(messages, tools, max_tokens=max_tokens)
        messages.append(response.message())
        if not response.tool_calls:
            steps.append(
                {
                    "step": i,
                    "kind": "format_error",
                    "error": "no function call",
                    "raw": response.text[:2000],
                }
            )
            messages.append(
                Message(
                    role="user",
                    content="ERROR | Invalid format: call one of "
                    "the functions, or finish with the answer.",
                )
            )
            continue
        done = False
        for call in response.tool_calls:
            if call.parse_error:
                steps.append(
                    {
                        "step": i,
                        "kind": "format_error",
                        "name": call.name,
                        "error": call.parse_error,
                        "raw": call.raw_arguments or "",
                    }
                )
                messages.append(
                    Message(
                        role="tool",
                        tool_call_id=call.id,
                        name=call.name,
                        content=f"ERROR | Invalid format: {call.parse_error}",
                    )
                )
                continue
            if call.name == "finish":
                steps.append(
                    {"step": i, "kind": "finish", "name": "finish", "arguments": call.arguments}
                )
                done = True
                break
            result = env.execute(call.name, call.arguments)
            steps.append(
                {
                    "step": i,
                    "kind": "call",
                    "name": call.name,
                    "arguments": call.arguments,
                    "error": result.is_error,
                    "executed": bool(result.info.get("executed")),
                    "observation": result.content[:2000],
                }
            )
            messages.append(
                Message(role="tool", tool_call_id=call.id, name=call.name, content=result.content)
            )
        if done:
            break
    return messages, steps
