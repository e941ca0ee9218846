"""``harness run toollibgen``: a solver with ``retrieve_relevant_tools(query, k)`` over a tool
library (``library.json``, or the flat per-question set ``flat_library.json`` written by stage
1), or chain of thought without tools (``-T mode=cot``); strict accuracy and tool Recall@k."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from harness.agent import BUDGET_HELP, Budgets, Profile, ProfileName, override
from harness.errors import UserError
from harness.metric import Metric
from harness.schemas import Message, Sample, Score, SolveOutput
from harness.task import Task

DATA = Path(__file__).parent / "data"
BUNDLED = DATA / "gsm8k_style.jsonl"


@dataclass(frozen=True)
class EvalSizes(Profile):
    max_steps: int
    max_tokens: int | None


EVAL_BUDGETS = Budgets(full=EvalSizes("full", 6, None), small=EvalSizes("small", 3, 96))


class EvalOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    library: str | None = Field(
        default=None,
        description="A library file (library.json / flat_library.json) or a `harness generate "
        "toollibgen` run directory (its library.json). Needed unless mode=cot.",
    )
    flat: bool = Field(
        default=False, description="With a run directory: use its flat_library.json instead."
    )
    traces: str | None = Field(default=None, description="Questions (JSONL/JSON); bundled set.")
    mode: Literal["tools", "cot"] = Field(
        default="tools", description="tools: retrieval over the library; cot: no tools."
    )
    retriever: str = Field(
        default="minilm",
        description="bm25, minilm (packaged all-MiniLM-L6-v2), or a sentence-transformers "
        "model path / cached id.",
    )
    judge: bool = Field(
        default=False, description="Also ask the judge role whether the answer is right."
    )
    cot_fallback: bool = Field(
        default=True, description="No final answer within the steps: answer by CoT (paper)."
    )
    tool_timeout: float = Field(default=5.0, gt=0, le=120, description="CPU seconds per tool call.")
    budget: ProfileName = Field(default="auto", description=BUDGET_HELP)
    max_steps: int | None = Field(default=None, ge=1, le=50, description="Full 6, small 3.")
    max_tokens: int | None = Field(default=None, ge=8, description="Tokens per turn (small 96).")


def library_path(option: str, flat: bool) -> Path:
    p = Path(option)
    if p.is_dir():
        return p / ("flat_library.json" if flat else "library.json")
    return p


class ToolLibEval(Task):
    name = "toollibgen"
    description = (
        "Solver with retrieve_relevant_tools over a ToolLibGen library: accuracy, Recall@k."
    )
    Options = EvalOptions
    roles = ("judge",)

    def __init__(self, options: BaseModel | None = None) -> None:
        super().__init__(options)
        self._lib: Any = None
        self._index: Any = None
        self._traces: dict[str, Any] = {}

    def _load(self) -> None:
        from harness_toollibgen.evaluate import index_for
        from harness_toollibgen.schema import load_library, load_traces

        if self._traces:
            return
        o = self.options
        traces = load_traces(o.traces or BUNDLED)
        self._traces = {t.id: t for t in traces}
        if o.mode == "tools":
            if not o.library:
                raise UserError(
                    "toollibgen: mode=tools needs -T library=PATH (a library.json or a "
                    "`harness generate toollibgen` run directory); or -T mode=cot"
                )
            self._lib = load_library(library_path(o.library, o.flat))
            self._index = index_for(self._lib, o.retriever)

    def samples(self) -> list[Sample]:
        from harness_toollibgen.solver import question_text

        self._load()
        return [
            Sample(
                id=t.id,
                input=question_text(t),
                target=t.answer,
                metadata={"multiple_choice": bool(t.choices)},
            )
            for t in self._traces.values()
        ]

    async def solve(self, sample: Sample, ctx: Any) -> SolveOutput:
        from harness_toollibgen.evaluate import EvalSettings, recalls, solve_one
        from harness_toollibgen.prompts import JUDGE_ANSWER

        self._load()
        o = self.options
        budget = EVAL_BUDGETS.choose(o.budget, ctx)
        trace = self._traces[sample.id]
        s = EvalSettings(
            mode=o.mode,
            retriever=o.retriever,
            max_steps=override(o.max_steps, budget.max_steps),
            max_tokens=override(o.max_tokens, budget.max_tokens),
            timeout=o.tool_timeout,
            cot_fallback=o.cot_fallback,
        )
        ep, meta = await solve_one(ctx.model, trace, self._lib, self._index, s)
        meta["budget"] = budget.name
        meta["mode"] = o.mode
        if self._lib is not None:
            meta["library_size"] = len(self._lib.tools)
            meta["library_kind"] = self._lib.kind
            meta.update(recalls(self._index, self._lib, trace))
        if o.judge:
            r = await ctx.role("judge").generate(
                [
                    Message(
                        role="user",
                        content=JUDGE_ANSWER.format(
                            gold=trace.answer, pred=ep.answer or ep.text[-500:]
                        ),
                    )
                ],
                max_tokens=8,
            )
            meta["judge"] = (
                "INCORRECT" not in (r.text or "").upper() and "CORRECT" in (r.text or "").upper()
            )
        return SolveOutput(completion=ep.text, messages=ep.messages, metadata=meta)

    def metrics(self) -> list[Metric]:
        out: list[Metric] = [Accuracy()]
        if self.options.mode == "tools":
            out += [Recall1(), Recall3(), Recall5(), Recall10()]
        return out

    def summarize(self, records: list[Any]) -> dict[str, Any]:
        metas = [r.output.metadata for r in records if getattr(r, "output", None)]
        stops: dict[str, int] = {}
        for m in metas:
            stops[m.get("stop_reason", "?")] = stops.get(m.get("stop_reason", "?"), 0) + 1
        return {
            "stop_reasons": stops,
            "cot_fallbacks": sum(bool(m.get("cot_fallback")) for m in metas),
            "library_size": next((m["library_size"] for m in metas if "library_size" in m), None),
        }


class Accuracy(Metric):
    """Strict grading (letter / number / text); the judge's verdict when the task asked for one."""

    name = "accuracy"

    def score(self, sample: Sample, output: SolveOutput) -> Score:
        from harness_toollibgen.grading import final_answer, grade

        meta = output.metadata
        if "judge" in meta:
            return Score(
                value=float(bool(meta["judge"])), answer=meta.get("answer"), explanation="judge"
            )
        ans = final_answer(output.completion)
        ok = grade(ans, str(sample.target), bool(sample.metadata.get("multiple_choice")))
        return Score(value=float(ok), answer=ans)


class Recall(Metric):
    """|top-k of the question's tool ranking ∩ covering tools| / |covering tools|."""

    k: ClassVar[int] = 5

    def score(self, sample: Sample, output: SolveOutput) -> Score:
        from harness_toollibgen.grading import recall_at_k

        meta = output.metadata
        gold = meta.get("gold_tools") or []
        value = recall_at_k(meta.get("ranked") or [], gold, self.k)
        return Score(value=value, explanation=None if gold else "no covering tool")


class Recall1(Recall):
    name, k = "recall@1", 1


class Recall3(Recall):
    name, k = "recall@3", 3


class Recall5(Recall):
    name, k = "recall@5", 5


class Recall10(Recall):
    name, k = "recall@10", 10
