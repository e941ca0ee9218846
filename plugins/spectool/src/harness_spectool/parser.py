"""Parse the paper's action format: ``Action: NAME with Action Input: {...}``.

The input is read as JSON; a Python-literal dict (single quotes, True/None) is accepted through
``ast.literal_eval``, never ``eval``. Whatever the text, the parser returns a result: a call, or a
format error with its reason (an IFE), never an exception.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from typing import Any

ACTION = re.compile(
    r"Action\s*:\s*(?P<name>[^\n]*?)\s+with\s+Action\s+Input\s*:\s*(?P<input>.*)",
    re.IGNORECASE | re.DOTALL,
)
MAX_INPUT = 20_000


@dataclass
class ParsedAction:
    name: str | None = None
    arguments: dict[str, Any] = field(default_factory=dict)
    raw_input: str = ""
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def _balanced_object(text: str) -> str | None:
    """The first ``{...}`` with balanced braces (strings respected), or None."""
    start = text.find("{")
    if start < 0:
        return None
    depth, quote, escaped = 0, "", False
    for i in range(start, len(text)):
        ch = text[i]
        if quote:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == quote:
                quote = ""
            continue
        if ch in "\"'":
            quote = ch
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return text[start : i + 1]
    return None


def parse_arguments(text: str) -> tuple[dict[str, Any] | None, str | None]:
    """(arguments, None) if ``text`` holds a JSON (or Python-literal) object, else (None, why)."""
    if len(text) > MAX_INPUT:
        return None, f"Action Input longer than {MAX_INPUT} characters"
    blob = _balanced_object(text)
    if blob is None:
        return None, "Action Input is not a JSON object"
    try:
        value = json.loads(blob)
    except ValueError:
        try:
            value = ast.literal_eval(blob)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError) as exc:
            return None, f"Action Input is not valid JSON ({type(exc).__name__})"
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        return None, "Action Input must be an object with string keys"
    try:  # keep only JSON values (a Python literal may hold sets, bytes, complex numbers)
        value = json.loads(json.dumps(value, allow_nan=False))
    except (TypeError, ValueError):
        return None, "Action Input holds values that are not JSON"
    return value, None


def parse_action(text: str) -> ParsedAction:
    """Read the first action of a reply."""
    if not isinstance(text, str):
        return ParsedAction(error="reply is not text")
    match = ACTION.search(text)
    if match is None:
        return ParsedAction(error="no 'Action: NAME with Action Input: {...}' line")
    name = match.group("name").strip().strip("`'\"*").strip()
    raw = match.group("input").strip()
    if not name:
        return ParsedAction(raw_input=raw, error="empty action name")
    args, why = parse_arguments(raw)
    if args is None:
        return ParsedAction(name=name, raw_input=raw, error=why)
    blob = _balanced_object(raw) or raw
    return ParsedAction(name=name, arguments=args, raw_input=blob)


_START = re.compile(r"Action\s*:", re.IGNORECASE)


def parse_actions(text: str) -> list[ParsedAction]:
    """Every action of a reply (parallel calls): the text is cut at each ``Action:``."""
    if not isinstance(text, str):
        return [ParsedAction(error="reply is not text")]
    starts = [m.start() for m in _START.finditer(text)]
    if not starts:
        return [ParsedAction(error="no 'Action: NAME with Action Input: {...}' line")]
    ends = [*starts[1:], len(text)]
    return [parse_action(text[a:b]) for a, b in zip(starts, ends, strict=True)]
