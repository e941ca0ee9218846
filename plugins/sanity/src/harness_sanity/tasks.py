"""The sanity tasks: answer directly, or answer by calling tools."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from harness.agent import BUDGET_HELP, Budgets, Profile, ProfileName, run_agent
from harness.context import SolveContext
from harness.metric import AnswerMatch, ExactMatch, Metric, normalize_text
from harness.schemas import Message, Sample, Score, SolveOutput
from harness.task import Task
from harness_sanity.questions import questions

SYSTEM = "Answer with only the final answer: a number or a single word, nothing else."


class SanityOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subset: Literal["all", "arithmetic", "strings"] = Field(
        default="all", description="Which questions: arithmetic, strings or all."
    )
    n: int = Field(default=20, ge=1, le=100_000, description="Questions per category.")
    data_seed: int = Field(default=1234, description="Seed the questions are generated from.")
    max_tokens: int = Field(default=32, ge=1, description="Tokens the model may write per reply.")


class FinalAnswer(Metric):
    """Exact match on the last line of the answer, with surrounding quotes and 'answer:' removed."""

    name = "exact_match"
    description = "Exact match of the final answer (last line, quotes and 'Answer:' removed)."

    def score(self, sample: Sample, output: SolveOutput) -> Score:
        lines = [ln for ln in output.completion.strip().splitlines() if ln.strip()]
        last = lines[-1] if lines else ""
        last = re.sub(r"^(final\s+)?answer\s*[:=]\s*", "", last.strip(), flags=re.I)
        last = last.strip().strip("'\"`*")
        return ExactMatch().score(sample, output.model_copy(update={"completion": last}))


class ToolUse(Metric):
    """1 if the sample's expected tool was called with the expected arguments."""

    name = "sanity_tool_use"
    description = "1 if the expected tool was called with the expected arguments."

    def score(self, sample: Sample, output: SolveOutput) -> Score:
        want = sample.metadata.get("tool"), sample.metadata.get("args")
        calls = output.metadata.get("calls", [])
        ok = any(
            c["name"] == want[0] and _norm_args(c["arguments"]) == _norm_args(want[1])
            for c in calls
        )
        return Score(
            value=1.0 if ok else 0.0,
            explanation=f"expected {want[0]}({want[1]}); got {len(calls)} call(s)",
        )


def _norm_args(args: Any) -> Any:
    if isinstance(args, dict):
        return {k: normalize_text(v) for k, v in args.items()}
    return args


class SanityTask(Task):
    """Arithmetic and string questions answered in one reply."""

    roles = ()

    name = "sanity"
    description = (
        "Arithmetic and string questions answered in one reply (exact match, and the answer "
        "extracted from the reply)."
    )
    Options = SanityOptions
    group_by = ["category"]

    def samples(self) -> Iterable[Sample]:
        o: SanityOptions = self.options
        return questions(o.subset, o.n, o.data_seed)

    async def solve(self, sample: Sample, ctx: SolveContext) -> SolveOutput:
        messages = [
            Message(role="system", content=SYSTEM),
            Message(role="user", content=str(sample.input)),
        ]
        response = await ctx.model.generate(messages, max_tokens=self.options.max_tokens)
        return SolveOutput(completion=response.text, messages=[*messages, response.message()])

    def metrics(self) -> list[Metric]:
        return [FinalAnswer(), AnswerMatch()]


#: the system prompt of ``sanity-tools`` (also the one its oracle's training trajectories carry)
TOOLS_SYSTEM = "Use a tool to compute the answer, then reply with only the answer."


class SanityToolsOptions(SanityOptions):
    max_steps: int = Field(default=4, ge=1, le=20, description="Model calls per sample.")
    budget: ProfileName = Field(default="auto", description=BUDGET_HELP)


#: one tool call and an answer fit any engine: both profiles keep the same sizes, and the record
#: still names the one the run chose
BUDGETS = Budgets(full=Profile("full"), small=Profile("small"))


class SanityToolsTask(SanityTask):
    """The same questions, to be solved by calling the toolbox's tools (native function calling)."""

    name = "sanity-tools"
    description = "The same questions solved by calling calculator/string tools."
    Options = SanityToolsOptions

    async def solve(self, sample: Sample, ctx: SolveContext) -> SolveOutput:
        budget = BUDGETS.choose(self.options.budget, ctx)
        env = ctx.environment("sanity-toolbox")
        env.reset(sample, ctx.seed)
        messages = [Message(role="user", content=str(sample.input))]
        result = await run_agent(
            ctx.model,
            env,
            messages,
            system=TOOLS_SYSTEM,
            max_steps=self.options.max_steps,
        )
        return SolveOutput(
            completion=result.final_text,
            messages=result.messages,
            metadata={**env.state(), **result.record(budget.name), "steps": result.steps},
        )

    def metrics(self) -> list[Metric]:
        return [FinalAnswer(), AnswerMatch(), ToolUse()]

    def report(self, record: Any) -> str | None:
        if record.output is None:
            return None
        calls = record.output.metadata.get("calls", [])
        shown = "; ".join(f"{c['name']}({c['arguments']})" for c in calls) or "(no tool calls)"
        return f"calls: {shown}\nanswer: {record.output.completion!r}"
