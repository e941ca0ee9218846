"""Evaluation pieces shared by the task and the scaling curve: one question solved with a
library through retrieval (or by chain of thought), its strict grade, and tool Recall@k of the
question-as-query ranking against the library tools that cover the question's own tools."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from harness.model import ModelHandle
from harness.schemas import ToolSpec
from harness_toollibgen.grading import RECALL_KS, grade, recall_at_k
from harness_toollibgen.retrieval import ToolIndex, tool_text
from harness_toollibgen.schema import Library, LibraryTool, Trace
from harness_toollibgen.solver import Episode, Runnable, ToolBox, solve_cot, solve_with_tools


@dataclass
class EvalSettings:
    mode: str = "tools"
    retriever: str = "minilm"
    max_steps: int = 6
    max_tokens: int | None = None
    timeout: float = 5.0
    cot_fallback: bool = True


def runnables(tools: list[LibraryTool]) -> list[Runnable]:
    return [
        Runnable(
            ToolSpec(
                name=t.tool_info.function.name,
                description=t.tool_info.function.description,
                parameters=t.tool_info.function.parameters,
            ),
            t.tool_code,
        )
        for t in tools
    ]


def index_for(lib: Library, method: str) -> ToolIndex:
    return ToolIndex(
        {
            t.tool_info.function.name: tool_text(
                t.tool_info.function.name, t.tool_info.function.description
            )
            for t in lib.tools
        },
        method,
    )


def recalls(index: ToolIndex, lib: Library, trace: Trace) -> dict[str, Any]:
    """Recall@k (k in 1, 3, 5, 10) of the question's ranking; None values without ground truth."""
    gold = lib.covering(trace.id)
    ranked = index.search(trace.question, max(RECALL_KS))
    out: dict[str, Any] = {"gold_tools": gold, "ranked": ranked}
    for k in RECALL_KS:
        out[f"recall@{k}"] = recall_at_k(ranked, gold, k)
    return out


async def solve_one(
    model: ModelHandle, trace: Trace, lib: Library | None, index: ToolIndex | None, s: EvalSettings
) -> tuple[Episode, dict[str, Any]]:
    """One question: the episode and its metadata (answer, correctness, fallback, calls)."""
    fallback = False
    if s.mode == "cot" or lib is None or index is None:
        ep = await solve_cot(model, trace, s.max_tokens)
    else:
        box = ToolBox(runnables(lib.tools), index=index, timeout=s.timeout)
        ep = await solve_with_tools(model, trace, box, s.max_steps, s.max_tokens, "toollibgen eval")
        if ep.answer is None and ep.stop_reason != "answer" and s.cot_fallback:
            cot = await solve_cot(model, trace, s.max_tokens)
            cot.messages = ep.messages + cot.messages[1:]
            cot.calls, cot.retrieved, cot.turns = ep.calls, ep.retrieved, ep.turns + 1
            cot.stop_reason = ep.stop_reason
            ep, fallback = cot, True
    meta = {
        "answer": ep.answer,
        "correct": grade(ep.answer, trace.answer, bool(trace.choices)),
        "multiple_choice": bool(trace.choices),
        "stop_reason": ep.stop_reason,
        "turns": ep.turns,
        "cot_fallback": fallback,
        "tool_calls": ep.calls,
        "retrieved": ep.retrieved,
    }
    return ep, meta
