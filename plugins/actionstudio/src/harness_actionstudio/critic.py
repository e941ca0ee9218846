"""An optional LLM critic: any harness Model (role ``critic``) scores a trajectory 1-5 with an
explanation. A reply that is not a valid verdict is recorded as an error, never a crash."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

from harness.schemas import Message
from harness_actionstudio.unified import UnifiedRecord

VERDICT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "score": {"type": "integer", "minimum": 1, "maximum": 5},
        "explanation": {"type": "string"},
    },
    "required": ["score", "explanation"],
}

CRITIC_SYSTEM = (
    "You review conversations between a user and a tool-using assistant, to decide whether the "
    "conversation is good training data for assistants. Judge: did the assistant do what the "
    "user asked; were its tool calls the right tools with correct arguments; did it use the tool "
    "results faithfully; did it follow the system instructions; is it concise and polite.\n"
    "Scale: 5 flawless; 4 minor slips; 3 task done with clear flaws; 2 mostly wrong; "
    "1 wrong or harmful.\n"
    'Reply with JSON only: {"score": <1-5>, "explanation": "<two sentences>"}'
)


def render_for_critic(rec: UnifiedRecord, max_chars: int = 6000) -> str:
    lines = []
    if rec.system:
        lines.append(f"[system] {rec.system}")
    if rec.task_instruction:
        lines.append(f"[task] {rec.task_instruction}")
    if rec.tools:
        lines.append("[tools] " + ", ".join(t.function.name for t in rec.tools))
    for t in rec.conversation:
        text = t.content
        if t.tool_calls:
            text += " " + " ".join(
                f"CALL {c.function.name}({json.dumps(c.function.arguments)})" for c in t.tool_calls
            )
        lines.append(f"[{t.role}] {text.strip()}")
    body = "\n".join(lines)
    return body if len(body) <= max_chars else body[:max_chars] + "\n[... truncated]"


def parse_verdict(text: str) -> dict[str, Any]:
    """{'score': 1-5, 'explanation': str} from the reply, or ValueError."""
    match = re.search(r"\{.*\}", text, re.S)
    if not match:
        raise ValueError("no JSON object in the reply")
    data = json.loads(match.group(0))
    score = data.get("score")
    if isinstance(score, str) and score.strip().isdigit():
        score = int(score.strip())
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
        raise ValueError(f"score {score!r} is not an integer 1-5")
    return {"score": score, "explanation": str(data.get("explanation", ""))}


async def critique(
    handle: Any, records: list[UnifiedRecord], concurrency: int = 4
) -> list[dict[str, Any]]:
    """One verdict per record: {id, score, explanation} or {id, error}."""
    sem = asyncio.Semaphore(concurrency)

    async def one(rec: UnifiedRecord) -> dict[str, Any]:
        messages = [
            Message(role="system", content=CRITIC_SYSTEM),
            Message(role="user", content=render_for_critic(rec)),
        ]
        async with sem:
            try:
                resp = await handle.generate(messages, json_schema=VERDICT_SCHEMA, max_tokens=256)
                return {"id": rec.unique_trajectory_id, **parse_verdict(resp.text)}
            except Exception as exc:  # one bad verdict never stops the run
                return {"id": rec.unique_trajectory_id, "error": f"{type(exc).__name__}: {exc}"}

    return list(await asyncio.gather(*(one(r) for r in records)))
