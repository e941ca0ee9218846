"""A domain's tools: name, description, JSON-Schema parameters, read/write kind and the function.

A tool function takes the database (a plain dict, mutated in place by write tools) and keyword
arguments, and returns a JSON-able value or raises :class:`ToolError`. Results are rendered the way
tau2-bench renders them: strings as they are, numbers with ``str``, anything else as JSON.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import jsonschema

from harness.schemas import ToolSpec


class ToolError(Exception):
    """A tool refused the call; the agent sees ``Error: <message>``."""


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    parameters: dict[str, Any]
    kind: Literal["read", "write", "generic"]
    fn: Callable[..., Any]

    def spec(self) -> ToolSpec:
        return ToolSpec(name=self.name, description=self.description, parameters=self.parameters)


def obj(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    """A JSON Schema object; every property required unless ``required`` says otherwise."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
    }


def string(description: str) -> dict[str, Any]:
    return {"type": "string", "description": description}


def integer(description: str) -> dict[str, Any]:
    return {"type": "integer", "description": description}


def strings(description: str) -> dict[str, Any]:
    return {"type": "array", "items": {"type": "string"}, "description": description}


def render(value: Any) -> str:
    """A tool result as the agent reads it (tau2-bench's rendering)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return str(value)
    return json.dumps(value, default=str)


def check_arguments(tool: Tool, arguments: Any) -> str | None:
    """Why ``arguments`` do not fit the tool's schema, or None."""
    if not isinstance(arguments, dict):
        return "arguments must be a JSON object"
    try:
        jsonschema.validate(arguments, tool.parameters)
    except jsonschema.ValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path)
        return f"{where + ': ' if where else ''}{exc.message}"
    return None
