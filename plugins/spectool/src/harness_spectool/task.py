"""The ``spectool`` task: run an agent through the offline environments and count error patterns."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from harness.agent import BUDGET_HELP, AgentLoop, Budgets, Profile, ProfileName, Rules
from harness.context import SolveContext
from harness.errors import UserError
from harness.schemas import Message, Sample, SampleRecord, Score, SolveOutput
from harness.task import Task
from harness_spectool.dataset import Subset, interleave, load_queries
from harness_spectool.environment import env_name, tool_schemas
from harness_spectool.patterns import (
    PATTERNS,
    SCORE_ORDER,
    Analysis,
    analyse,
    finish_answer,
    spectool_gt,
)
from harness_spectool.protocol import FINISH, NATIVE_SYSTEM, ActionText, FunctionCalls, steps_from
from harness_spectool.split import SplitBy, SplitName, describe, split_queries, template_of

DESCRIPTIONS = {
    "SR": "Success rate: exact answer (goal_type 1), else mean of the 7 scores if finished.",
    "IAC": "Insufficient API calls: (|GT| - missing)/|GT| against the best GT trajectory.",
    "RAC": "Repeated API calls: (N - repeats)/N.",
    "IAV": "Incorrect argument values: (N - wrong)/N against the best GT trajectory.",
    "IFE": "Invalid format: (N - unparsable steps)/N.",
    "IAT": "Incorrect argument type: (N - steps with a mistyped argument)/N.",
    "IAN": "Incorrect argument name: (N - steps with an unknown argument)/N.",
    "IFN": "Incorrect function name: (N - calls to unknown functions)/N.",
}


class SpecToolOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    protocol: Literal["text", "native"] = Field(
        default="text",
        description="text: the paper's 'Action: X with Action Input: {...}' "
        "format; native: the backend's function calling.",
    )
    feedback: bool = Field(
        default=True,
        description="Report invalid name/argument/type errors "
        "back, unexecuted (the paper's feedback mode).",
    )
    max_steps: int = Field(
        default=10, ge=1, le=50, description="Steps per query; also N in the (N - count)/N scores."
    )
    missing_arg_as: Literal["IAV", "IAN"] = Field(
        default="IAV",
        description="Where a missing required argument counts: IAV (the paper) "
        "or IAN (the released code).",
    )
    values: Literal["lenient", "strict"] = Field(
        default="lenient",
        description="Argument values and answers: lenient (numbers as numbers, text case- and "
        "space-insensitive) or strict (Python ==, as the released code; an 'optional' argument "
        "given makes the call differ).",
    )
    categories: list[str] = Field(
        default_factory=list, description="Only these categories (empty: all)."
    )
    subset: Subset = Field(
        default="hard",
        description="The bundled query set: hard (multi-step, about 6 calls a query, with "
        "constraint, paraphrase and irrelevance variants) or short (1-2 calls a question).",
    )
    data_path: str | None = Field(
        default=None,
        description="Another query file (JSON array or JSON Lines in the SpecTool schema); "
        "replaces the subset.",
    )
    max_tokens: int = Field(default=200, ge=16, description="Tokens per model reply.")
    split: SplitName = Field(
        default="all",
        description="all, or one side of the held-out split by query template: train or test.",
    )
    held_out: float = Field(
        default=0.25, gt=0, lt=1, description="Share of the queries whose templates are held out."
    )
    split_seed: int = Field(default=0, description="Seed of the held-out template draw.")
    split_by: SplitBy = Field(
        default="template",
        description="template, or tools (templates sharing a tool combination stay together).",
    )
    budget: ProfileName = Field(default="auto", description=BUDGET_HELP)


#: SpecTool's episode (10 steps of 200 tokens) already runs on two CPU cores with the embedded
#: model (the README's figures), so the small profile keeps the paper's sizes; the profile is
#: still chosen by the core rule and recorded, so a smaller one would show in every record.
BUDGETS = Budgets(full=Profile("full"), small=Profile("small"))


def _score(value: float, analysis: Analysis, what: str) -> Score:
    return Score(
        value=value,
        answer=None if analysis.answer is None else str(analysis.answer),
        explanation=what,
        metadata={"count": analysis.counts.get(what)},
    )


class SpecToolTask(Task):
    roles = ()
    name = "spectool"
    description = "SpecTool: the seven tool-use error patterns on offline tool environments."
    Options = SpecToolOptions
    group_by = ["category"]

    def samples(self) -> Iterable[Sample]:
        o: SpecToolOptions = self.options
        queries = load_queries(o.data_path, o.subset)
        if o.categories:
            known = {q["additional_info"]["category"] for q in queries}
            bad = [c for c in o.categories if c not in known]
            if bad:
                raise UserError(
                    f"unknown spectool category '{bad[0]}' (known: {', '.join(sorted(known))})"
                )
            queries = [q for q in queries if q["additional_info"]["category"] in o.categories]
        queries = self.split_side(queries)
        for q in interleave(queries):
            info = q["additional_info"]
            yield Sample(
                id=q["id"],
                input=q["goal"],
                target=info["answer"],
                metadata={
                    "category": info["category"],
                    "template": template_of(q),
                    "environment": info["tool"],
                    "goal_type": info["goal_type"],
                    "ground_truth": q["ground_truth"],
                    "subgoals": q.get("subgoals", []),
                },
            )

    def split_side(self, queries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        o: SpecToolOptions = self.options
        return split_queries(queries, o.split, o.held_out, o.split_seed, o.split_by)

    async def solve(self, sample: Sample, ctx: SolveContext) -> SolveOutput:
        o: SpecToolOptions = self.options
        budget = BUDGETS.choose(o.budget, ctx)
        env = ctx.environment(env_name(sample.metadata["environment"]), feedback=o.feedback)
        env.reset(sample, ctx.seed)
        rules = Rules(max_steps=o.max_steps, answer_tool=FINISH, where=f"task {self.name}")
        if o.protocol == "text":
            rules.generate = {"max_tokens": o.max_tokens, "stop": ["Observation:"]}
            loop = AgentLoop(ctx.model, env, ActionText(o.max_steps), rules)
            opening = f"Task: {sample.input}"
        else:
            rules.generate = {"max_tokens": o.max_tokens}
            loop = AgentLoop(ctx.model, env, FunctionCalls(), rules, system=NATIVE_SYSTEM)
            opening = str(sample.input)
        result = await loop.run([Message(role="user", content=opening)])
        steps = steps_from(result.turns)
        final = next((s for s in steps if s["kind"] == "finish"), None)
        answer = None if final is None else finish_answer(final["arguments"])
        return SolveOutput(
            completion="" if answer is None else str(answer),
            messages=result.messages,
            metadata={
                "steps": steps,
                "finished": final is not None,
                "protocol": o.protocol,
                "feedback": o.feedback,
                **result.record(budget.name),
            },
        )

    def analyse(self, sample: Sample, output: SolveOutput) -> Analysis:
        o: SpecToolOptions = self.options
        md = sample.metadata
        try:
            tools = tool_schemas(md["environment"])
        except KeyError:
            raise UserError(
                f"sample {sample.id}: unknown environment '{md.get('environment')}'"
            ) from None
        gts = [spectool_gt(t) for t in md.get("ground_truth", [])]
        return analyse(
            output.metadata.get("steps", []),
            tools,
            gts,
            sample.target,
            int(md.get("goal_type", 1)),
            n=o.max_steps,
            missing_as=o.missing_arg_as,
            values=o.values,
        )

    def score(self, sample: Sample, output: SolveOutput) -> dict[str, Score]:
        a = self.analyse(sample, output)
        return {k: _score(a.scores[k], a, k) for k in SCORE_ORDER}

    def summarize(self, records: list[SampleRecord]) -> dict[str, Any]:
        out = summarize_counts(self, records)
        o: SpecToolOptions = self.options
        if o.split != "all":  # what this run was scored on, to check against a training run
            asked = {r.sample_id for r in records}
            side = [
                q for q in self.split_side(load_queries(o.data_path, o.subset)) if q["id"] in asked
            ]
            out["split"] = {
                "side": o.split,
                "held_out": o.held_out,
                "seed": o.split_seed,
                "by": o.split_by,
                **describe(side),
            }
        return out

    def report(self, record: SampleRecord) -> str | None:
        return report_record(self, record)


def _analyses(task: Any, records: list[SampleRecord]) -> list[tuple[SampleRecord, Analysis]]:
    out = []
    for r in records:
        if r.status != "ok" or r.output is None:
            continue
        sample = Sample(id=r.sample_id, input=r.input, target=r.target, metadata=r.metadata)
        out.append((r, task.analyse(sample, r.output)))
    return out


def summarize_counts(task: Any, records: list[SampleRecord]) -> dict[str, Any]:
    """Raw pattern counts: totals and per-sample means, overall and per category."""
    pairs = _analyses(task, records)
    if not pairs:
        return {}
    total: dict[str, dict[str, Any]] = {}
    for p in PATTERNS:
        vals = [a.counts[p] for _, a in pairs]
        total[p] = {
            "total": sum(vals),
            "per_sample": sum(vals) / len(vals),
            "samples_with": sum(v > 0 for v in vals),
        }
    by_cat: dict[str, dict[str, Any]] = defaultdict(lambda: dict.fromkeys(PATTERNS, 0))
    for r, a in pairs:
        row = by_cat[str(r.metadata.get("category"))]
        for p in PATTERNS:
            row[p] += a.counts[p]
        row["n"] = row.get("n", 0) + 1
        row["finished"] = row.get("finished", 0) + int(a.finished)
    return {
        "raw pattern counts": total,
        "raw counts by category": dict(sorted(by_cat.items())),
        "finished": sum(a.finished for _, a in pairs) / len(pairs),
    }


def report_record(task: Any, record: SampleRecord) -> str | None:
    """Each pattern that fired, with its step, then the answer."""
    if record.output is None:
        return None
    sample = Sample(
        id=record.sample_id, input=record.input, target=record.target, metadata=record.metadata
    )
    a = task.analyse(sample, record.output)
    lines = [f"goal: {str(record.input)[:160]}"]
    steps = record.output.metadata.get("steps", [])
    for st in steps:
        if st.get("kind") == "format_error":
            raw = " ".join(str(st.get("raw", "")).split())[:90]
            lines.append(f"  step {st.get('step')}: (unparsable: {st.get('error')}) {raw!r}")
        else:
            lines.append(
                f"  step {st.get('step')}: {st.get('name')}({st.get('arguments')})"
                + (" -> error" if st.get("error") else "")
            )
    if a.events:
        for e in a.events:
            where = f"at step {e.step}" if e.step is not None else "vs ground truth"
            lines.append(f"  {e.pattern} {where}: {e.detail}")
    else:
        lines.append("  no error pattern fired")
    counts = ", ".join(f"{p}={a.counts[p]}" for p in PATTERNS)
    lines.append(f"counts: {counts}; best GT: {a.best_gt}; finished: {a.finished}")
    lines.append(f"answer: {a.answer!r}  expected: {record.target!r}")
    return "\n".join(lines)
