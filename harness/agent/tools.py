"""Tool schemas are checked when an episode starts (and when its tools change), so a plugin's
broken schema is one clear error naming the plugin and the tool, not a backend's 400 mid-run."""

from __future__ import annotations

from collections.abc import Iterable

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from harness.errors import UserError
from harness.schemas import ToolSpec


class ToolSchemaError(UserError):
    """A tool's parameter schema is not a valid JSON Schema: a bug in the plugin that made it."""


def check_tools(tools: Iterable[ToolSpec], where: str) -> None:
    """Raise :class:`ToolSchemaError` for the first tool whose parameters are not a valid JSON
    Schema (Draft 2020-12) describing an object, or whose name repeats. ``where`` names the
    plugin or task."""
    seen: set[str] = set()
    for tool in tools:
        if tool.name in seen:
            raise ToolSchemaError(f"{where}: tool '{tool.name}' is defined twice")
        seen.add(tool.name)
        try:
            Draft202012Validator.check_schema(tool.parameters)
        except SchemaError as exc:
            path = "/".join(str(p) for p in exc.path) or "(top)"
            raise ToolSchemaError(
                f"{where}: tool '{tool.name}' has an invalid parameter schema at {path}: "
                f"{exc.message}"
            ) from None
        kind = tool.parameters.get("type", "object")
        if kind != "object":
            raise ToolSchemaError(
                f"{where}: tool '{tool.name}' parameters must be an object schema, not {kind!r}"
            )
