"""The prompt the model gets (our own wording), the context block and its truncation rule, and
the answer format (parsed by a text protocol of the core loop, so malformed replies are retried).

Truncation rule (``context_block``): the context files go in the scenario's order. A file is
kept whole while the running total stays within the budget; the first file that does not fit is
cut at a line boundary, keeping its head, and marked ``[... N more lines cut]``; every file after
it is listed by name only, marked ``[not shown: over the context budget]``. The budget is the
model's context (``max_context_tokens``) minus the answer's tokens and the rest of the prompt.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from harness.agent import TextProtocol
from harness.agent.protocols import ParsedTurn
from harness.schemas import Message, ModelResponse, ToolSpec
from harness_locobench.schemas import Answer, Scenario
from harness_locobench.tokens import count_tokens

SYSTEM = (
    "You are a senior software engineer working in an existing codebase. Read the files you "
    "are given, then solve the task. Reply with one JSON object and nothing else:\n"
    '{"approach": "<how you solve it>", "files": {"<path relative to the project root>": '
    '"<the complete new content of that file>"}, "explanation": "<why it is correct>"}\n'
    "Write every file you add or change in full. Paths stay inside the project: no absolute "
    "paths, no '..'."
)


@dataclass
class Context:
    text: str
    tokens: int
    shown: list[str] = field(default_factory=list)
    cut: str | None = None
    omitted: list[str] = field(default_factory=list)


def context_block(
    files: dict[str, str], paths: list[str], budget: int, mode: str = "contents"
) -> Context:
    """The context files as prompt text, within ``budget`` estimated tokens."""
    if mode == "names":
        text = "Context files:\n" + "\n".join(f"- {p}" for p in paths)
        return Context(text, count_tokens(text), shown=[])
    parts, used, ctx = [], 0, Context("", 0)
    for i, p in enumerate(paths):
        body = files[p]
        head = f"### File: {p}\n```\n"
        cost = count_tokens(head + body + "\n```\n")
        if used + cost <= budget:
            parts.append(head + body + "\n```\n")
            used += cost
            ctx.shown.append(p)
            continue
        rest = "".join(f"### File: {q} {_NOT_SHOWN}\n" for q in paths[i + 1 :])
        room = budget - used - count_tokens(head + rest) - 20
        lines, kept = body.splitlines(), []
        for ln in lines:
            if count_tokens("\n".join([*kept, ln])) > room:
                break
            kept.append(ln)
        if kept:
            note = f"[... {len(lines) - len(kept)} more lines cut]"
            parts.append(head + "\n".join(kept) + f"\n```\n{note}\n")
            ctx.cut = p
        else:
            ctx.omitted.append(p)
        ctx.omitted += paths[i + 1 :]
        break
    if ctx.omitted:
        parts.append(
            "".join(f"### File: {p} [not shown: over the context budget]\n" for p in ctx.omitted)
        )
    ctx.text = "".join(parts)
    ctx.tokens = count_tokens(ctx.text)
    return ctx


def session_message(s: Scenario, session: int, context: Context | None) -> str:
    """The user message of one session (the first carries the scenario and the context)."""
    task = s.sessions()[session]
    if session > 0:
        return f"Session {session + 1}. {task}"
    parts = [f"# {s.title}", "", s.description, ""]
    if context is not None:
        parts += ["## Codebase", "", context.text, ""]
    if len(s.sessions()) > 1:
        parts += [f"This task has {len(s.sessions())} sessions; this is session 1."]
    parts += ["## Task", "", task]
    if s.evaluation_criteria:
        parts += ["", "Requirements:", *[f"- {c}" for c in s.evaluation_criteria]]
    return "\n".join(parts)


_NOT_SHOWN = "[not shown: over the context budget]"
_FENCE = re.compile(r"```(?:json)?\s*(\{.*\})\s*```", re.S)


def _json_object(text: str) -> tuple[dict | None, str | None]:
    raw = text.strip()
    m = _FENCE.search(raw)
    if m:
        raw = m.group(1)
    else:
        start, end = raw.find("{"), raw.rfind("}")
        if start < 0 or end <= start:
            return None, "no JSON object in the reply"
        raw = raw[start : end + 1]
    try:
        obj = json.loads(raw)
    except ValueError as exc:
        return None, f"invalid JSON: {exc}"
    if not isinstance(obj, dict):
        return None, "the reply is not a JSON object"
    return obj, None


def parse_json_object(text: str) -> dict | None:
    """The JSON object in a reply (bare or fenced), or None."""
    return _json_object(text)[0]


def parse_answer(text: str) -> tuple[Answer | None, str | None]:
    """The answer in a reply, or (None, why not). Accepts a bare object or a fenced one."""
    obj, error = _json_object(text)
    if obj is None:
        return None, error
    files = obj.get("files")
    if isinstance(files, list):  # [{"path":..., "content":...}] is read too
        files = {
            str(f.get("path") or f.get("name")): str(f.get("content") or f.get("code") or "")
            for f in files
            if isinstance(f, dict)
        }
        obj["files"] = files
    if not isinstance(files, dict) or not all(isinstance(v, str) for v in files.values()):
        return None, 'expected "files": {"path": "content", ...}'
    return Answer.model_validate(obj), None


def unsafe_path(path: str) -> bool:
    """An answer path that would write outside the project."""
    p = path.replace("\\", "/")
    return (
        not p.strip()
        or p.startswith("/")
        or bool(re.match(r"^[A-Za-z]:", p))
        or ".." in p.split("/")
        or p.startswith("~")
    )


class AnswerProtocol(TextProtocol):
    """No tools: every reply is an answer; a reply without a valid answer object is a format
    error, which the core loop answers with the reason and retries."""

    def describe_tools(self, tools: list[ToolSpec]) -> str:
        return ""

    def parse(self, response: ModelResponse) -> ParsedTurn:
        answer, error = parse_answer(response.text)
        if answer is None:
            return ParsedTurn(error=error, text=response.text)
        return ParsedTurn(text=response.text, info={"answer": answer.model_dump()})

    def error_message(self, error: str, turn: ParsedTurn) -> Message:
        return Message(
            role="user",
            content=f"Your reply could not be read ({error}). Reply again with only the JSON "
            'object {"approach": ..., "files": {...}, "explanation": ...}.',
        )
