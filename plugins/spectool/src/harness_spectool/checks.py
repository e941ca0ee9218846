"""Static checks of one call against the tool signatures: the IFN, IAN, missing-argument and IAT
rules, shared by the environment's feedback mode and by the scorer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

TYPE_NAMES = {
    "string": "string",
    "integer": "integer",
    "number": "number",
    "float": "number",
    "boolean": "boolean",
    "array": "array",
    "object": "object",
    "dict": "object",
    "tuple": "array",
    "any": "any",
}


def type_ok(value: Any, schema_type: str | list[str] | None) -> bool:
    """The code's isinstance rule: string/enum -> str, number -> int or float (not bool),
    integer -> int, boolean -> bool, array -> list, object -> dict."""
    if schema_type is None:
        return True
    if isinstance(schema_type, list):
        return any(type_ok(value, t) for t in schema_type)
    kind = TYPE_NAMES.get(schema_type, "any")
    if kind == "any":
        return True
    if kind == "string":
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "array":
        return isinstance(value, list | tuple)
    return isinstance(value, dict)


@dataclass
class CallProblems:
    """What is statically wrong with one call."""

    unknown_function: bool = False
    unknown_args: tuple[str, ...] = ()
    missing_args: tuple[str, ...] = ()
    bad_types: tuple[tuple[str, str, str], ...] = ()  # (arg, expected, got)

    @property
    def any(self) -> bool:
        return bool(
            self.unknown_function or self.unknown_args or self.missing_args or self.bad_types
        )


def check_call(tools: dict[str, dict[str, Any]], name: str, args: dict[str, Any]) -> CallProblems:
    """``tools`` maps each function name to its JSON-Schema parameters."""
    if name not in tools:
        return CallProblems(unknown_function=True)
    params = tools[name]
    props = params.get("properties", {})
    required = params.get("required", [])
    unknown = tuple(k for k in args if k not in props)
    missing = tuple(k for k in required if k not in args)
    bad = tuple(
        (k, str(props[k].get("type")), type(v).__name__)
        for k, v in args.items()
        if k in props and not type_ok(v, props[k].get("type"))
    )
    return CallProblems(False, unknown, missing, bad)


def feedback_text(name: str, problems: CallProblems, tools: dict[str, Any]) -> str:
    """The error a model gets back in feedback mode (the call is not executed)."""
    if problems.unknown_function:
        return (
            f"ERROR | Incorrect function name {name}, please refer to the list of available "
            f"functions {sorted(tools)}"
        )
    parts = []
    props = sorted(tools[name].get("properties", {}))
    for k in problems.unknown_args:
        parts.append(
            f"ERROR | Incorrect argument name {k} for function {name}, valid argument "
            f"names are {props}"
        )
    for k in problems.missing_args:
        parts.append(f"ERROR | Missing required argument {k} for function {name}")
    for k, want, got in problems.bad_types:
        parts.append(
            f"ERROR | Incorrect argument type for {k} of function {name}: expected "
            f"{want}, got {got}"
        )
    return "\n".join(parts)
