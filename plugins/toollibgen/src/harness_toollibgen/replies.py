"""Asking a role for JSON: the first JSON object of the reply, one repair request if it does not
parse (the released clustering agent's JSON-repair step), else None with the reason."""

from __future__ import annotations

import json
from typing import Any

from harness.model import ModelHandle
from harness.schemas import Message
from harness_toollibgen.prompts import JSON_REPAIR


def first_json(text: str) -> Any:
    """The first balanced JSON object in ``text`` (code fences and chatter around it ignored)."""
    start = text.find("{")
    while start != -1:
        depth, in_str, esc = 0, False, False
        for i in range(start, len(text)):
            ch = text[i]
            if in_str:
                esc = ch == "\\" and not esc
                if ch == '"' and not esc:
                    in_str = False
                continue
            if ch == '"':
                in_str = True
            elif ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
                if depth == 0:
                    try:
                        return json.loads(text[start : i + 1])
                    except ValueError:
                        break
        start = text.find("{", start + 1)
    raise ValueError("no JSON object found")


async def ask(model: ModelHandle, prompt: str, max_tokens: int | None) -> str:
    over: dict[str, Any] = {"max_tokens": max_tokens} if max_tokens else {}
    r = await model.generate([Message(role="user", content=prompt)], **over)
    return r.text or ""


async def ask_json(
    model: ModelHandle, prompt: str, shape: str, max_tokens: int | None, repair: bool = True
) -> tuple[Any, str, str | None]:
    """``(value or None, raw reply, error)``; ``shape`` names the expected top-level key."""
    reply = await ask(model, prompt, max_tokens)
    try:
        value = first_json(reply)
        if shape not in value:
            raise ValueError(f"no {shape!r} key")
        return value, reply, None
    except ValueError as exc:
        error = str(exc)
    if not repair:
        return None, reply, error
    fixed = await ask(
        model,
        JSON_REPAIR.format(shape=f'{{"{shape}": ...}}', error=error, reply=reply[:3000]),
        max_tokens,
    )
    try:
        value = first_json(fixed)
        if shape not in value:
            raise ValueError(f"no {shape!r} key")
        return value, fixed, None
    except ValueError as exc:
        return None, reply, f"{error}; after repair: {exc}"
