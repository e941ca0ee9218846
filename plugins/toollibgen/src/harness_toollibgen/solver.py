"""The solver's episode (verification in stage 1, review in stage 3, evaluation): the core agent
loop (:class:`harness.agent.AgentLoop`) in a :class:`ToolBox`, whose tools are either fixed or
grow during the episode through the ``retrieve_relevant_tools(query, k)`` meta-tool. Tool calls
run in the sandbox (:mod:`harness_toollibgen.execute`)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from harness.agent import AgentLoop, Rules
from harness.environment import Environment, StepResult
from harness.model import ModelHandle
from harness.schemas import Message, Sample, ToolCall, ToolSpec
from harness_toollibgen.execute import call_tool, show
from harness_toollibgen.grading import final_answer
from harness_toollibgen.retrieval import ToolIndex
from harness_toollibgen.schema import Trace

RETRIEVE = "retrieve_relevant_tools"
RETRIEVE_SPEC = ToolSpec(
    name=RETRIEVE,
    description="Find tools for a step of the problem. Returns the names and descriptions of the "
    "k most relevant tools of the library; they become callable at once.",
    parameters={
        "type": "object",
        "properties": {
            "query": {"type": "string", "description": "What the tool should compute."},
            "k": {"type": "integer", "description": "How many tools (1-20).", "default": 5},
        },
        "required": ["query"],
    },
)

SOLVE_SYSTEM = """You solve problems step by step and may call tools to compute.{how}
When you know the answer, reply with your reasoning and a last line "Final Answer: <answer>"\
{mc}."""
COT_SYSTEM = """Solve the problem step by step. End with a last line "Final Answer: <answer>"\
{mc}."""


@dataclass
class Runnable:
    """A tool the solver may call: its spec and the code that defines it."""

    spec: ToolSpec
    code: str


class ToolBox(Environment):
    """Fixed tools, or a library reached through the retrieval meta-tool (tools grow as the
    agent retrieves them; the loop re-reads and re-checks ``tools()`` every step)."""

    name = "toollibgen-toolbox"

    def __init__(
        self,
        tools: list[Runnable],
        index: ToolIndex | None = None,
        timeout: float = 5.0,
    ) -> None:
        super().__init__()
        self.library = {t.spec.name: t for t in tools}
        self.index = index
        self.timeout = timeout
        self.active: dict[str, Runnable] = {} if index is not None else dict(self.library)
        self.retrieved: list[list[str]] = []
        self.calls: list[dict[str, Any]] = []

    def reset(self, sample: Sample | None = None, seed: int | None = None) -> str:
        self.done = False
        return ""

    def tools(self) -> list[ToolSpec]:
        extra = [RETRIEVE_SPEC] if self.index is not None else []
        return extra + [t.spec for t in self.active.values()]

    async def step(self, call: ToolCall) -> StepResult:
        if call.name == RETRIEVE and self.index is not None:
            return self._retrieve(call.arguments)
        tool = self.active.get(call.name)
        if tool is None:
            return StepResult(content=f"no tool named {call.name!r} is available", is_error=True)
        out = await call_tool(tool.code, call.name, dict(call.arguments), self.timeout)
        self.calls.append(
            {"tool": call.name, "arguments": call.arguments, "ok": out.ok, "value": out.value}
        )
        if not out.ok:
            return StepResult(content=f"error: {out.error}", is_error=True)
        return StepResult(content=show(out.value))

    def _retrieve(self, args: dict[str, Any]) -> StepResult:
        query = str(args.get("query") or "").strip()
        try:
            k = max(1, min(20, int(args.get("k", 5))))
        except (TypeError, ValueError):
            k = 5
        if not query:
            return StepResult(content="error: query is empty", is_error=True)
        assert self.index is not None
        names = self.index.search(query, k)
        self.retrieved.append(names)
        for n in names:
            self.active[n] = self.library[n]
        listing = [{"name": n, "description": self.library[n].spec.description} for n in names]
        return StepResult(content=json.dumps(listing))


@dataclass
class Episode:
    """What one solver episode gave."""

    text: str
    answer: str | None
    stop_reason: str
    turns: int
    messages: list[Message]
    calls: list[dict[str, Any]] = field(default_factory=list)
    retrieved: list[list[str]] = field(default_factory=list)


def question_text(trace: Trace) -> str:
    if not trace.choices:
        return trace.question
    opts = "\n".join(f"{chr(65 + i)}. {c}" for i, c in enumerate(trace.choices))
    return f"{trace.question}\n{opts}"


def _mc(trace: Trace) -> str:
    return " (the letter of the option)" if trace.choices else ""


async def solve_with_tools(
    model: ModelHandle,
    trace: Trace,
    box: ToolBox,
    max_steps: int,
    max_tokens: int | None,
    where: str,
) -> Episode:
    """One agent episode on ``trace`` with the tools of ``box``."""
    how = (
        f" Call {RETRIEVE} to find tools of the library, then call them."
        if box.index is not None
        else ""
    )
    rules = Rules(
        max_steps=max_steps,
        max_format_errors=1,
        generate={"max_tokens": max_tokens} if max_tokens else {},
        where=where,
    )
    loop = AgentLoop(model, box, rules=rules, system=SOLVE_SYSTEM.format(how=how, mc=_mc(trace)))
    result = await loop.run([Message(role="user", content=question_text(trace))])
    text = result.final_text or ""
    return Episode(
        text=text,
        answer=final_answer(text),
        stop_reason=result.stop_reason,
        turns=result.steps,
        messages=result.messages,
        calls=list(box.calls),
        retrieved=list(box.retrieved),
    )


async def solve_cot(model: ModelHandle, trace: Trace, max_tokens: int | None) -> Episode:
    """The chain-of-thought baseline: one reply, no tools."""
    msgs = [
        Message(role="system", content=COT_SYSTEM.format(mc=_mc(trace))),
        Message(role="user", content=question_text(trace)),
    ]
    over: dict[str, Any] = {"max_tokens": max_tokens} if max_tokens else {}
    r = await model.generate(msgs, **over)
    text = r.text or ""
    return Episode(
        text=text,
        answer=final_answer(text),
        stop_reason="answer",
        turns=1,
        messages=[*msgs, Message(role="assistant", content=text)],
    )


def transcript_digest(ep: Episode, limit: int = 2500) -> str:
    """The tool calls and final reply of an episode, for a judge or reviewer prompt."""
    lines = [
        f"- called {c['tool']}({json.dumps(c['arguments'])}) -> "
        + (json.dumps(c["value"]) if c["ok"] else "error")
        for c in ep.calls
    ]
    lines.append(f"Final reply: {ep.text.strip() or '(none)'}")
    text = "\n".join(lines)
    return text if len(text) <= limit else text[: limit - 20] + "\n[... cut]"
