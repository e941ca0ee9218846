"""A stateless toolbox: arithmetic and string tools with JSON-Schema parameters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jsonschema

from harness.environment import Environment, StepResult
from harness.schemas import Sample, ToolCall, ToolSpec

_INT2 = {
    "type": "object",
    "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
    "required": ["a", "b"],
    "additionalProperties": False,
}
_TEXT = {
    "type": "object",
    "properties": {"text": {"type": "string"}},
    "required": ["text"],
    "additionalProperties": False,
}

TOOLS: dict[str, tuple[str, dict[str, Any], Callable[..., Any]]] = {
    "add": ("Add two integers.", _INT2, lambda a, b: a + b),
    "subtract": ("Subtract b from a.", _INT2, lambda a, b: a - b),
    "multiply": ("Multiply two integers.", _INT2, lambda a, b: a * b),
    "reverse_string": ("Reverse a string.", _TEXT, lambda text: text[::-1]),
    "uppercase": ("Upper-case a string.", _TEXT, lambda text: text.upper()),
    "count_letters": ("Count the characters of a string.", _TEXT, lambda text: len(text)),
}


class ToolboxEnvironment(Environment):
    """Calculator and string tools; a call with a bad name or bad arguments is an error result."""

    name = "sanity-toolbox"
    description = "Stateless calculator and string tools."

    def reset(self, sample: Sample | None = None, seed: int | None = None) -> str:
        self.done = False
        self.calls: list[dict[str, Any]] = []
        return ""

    def tools(self) -> list[ToolSpec]:
        return [ToolSpec(name=n, description=d, parameters=p) for n, (d, p, _) in TOOLS.items()]

    async def step(self, call: ToolCall) -> StepResult:
        self.calls.append({"name": call.name, "arguments": call.arguments})
        if call.name not in TOOLS:
            return StepResult(
                content=f"Error: unknown tool '{call.name}'. Available: {', '.join(TOOLS)}",
                is_error=True,
            )
        if call.parse_error:
            return StepResult(
                content=f"Error: arguments are not valid JSON ({call.parse_error})", is_error=True
            )
        _, schema, fn = TOOLS[call.name]
        try:
            jsonschema.validate(call.arguments, schema)
        except jsonschema.ValidationError as exc:
            return StepResult(
                content=f"Error: bad arguments for {call.name}: {exc.message}", is_error=True
            )
        return StepResult(content=str(fn(**call.arguments)))

    def state(self) -> dict[str, Any]:
        return {"calls": list(getattr(self, "calls", []))}
