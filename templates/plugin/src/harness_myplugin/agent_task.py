"""An agent task: the model looks capitals up with a tool, on the core agent loop.

The task only describes its episode (environment, protocol, rules, budget); the loop that
alternates model and environment is the core's (:mod:`harness.agent`), as in every plugin."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from harness.agent import BUDGET_HELP, AgentLoop, Budgets, Profile, ProfileName, Rules, override
from harness.context import SolveContext
from harness.environment import Environment, StepResult
from harness.metric import Metric
from harness.schemas import Message, Sample, SolveOutput, ToolCall, ToolSpec
from harness.task import Task
from harness_myplugin.task import CAPITALS, StartsWithTarget

LOOKUP = ToolSpec(
    name="lookup_capital",
    description="The capital city of a country.",
    parameters={
        "type": "object",
        "properties": {"country": {"type": "string", "description": "The country's name."}},
        "required": ["country"],
    },
)


class Atlas(Environment):
    """One tool over a small table; every call is remembered for the record."""

    name = "myplugin-atlas"

    def reset(self, sample: Sample | None = None, seed: int | None = None) -> str:
        self.done = False
        self.calls: list[dict[str, Any]] = []
        return ""

    def tools(self) -> list[ToolSpec]:
        return [LOOKUP]

    async def step(self, call: ToolCall) -> StepResult:
        country = str(call.arguments.get("country", ""))
        self.calls.append({"name": call.name, "country": country})
        if call.name != LOOKUP.name:
            return StepResult(content=f"unknown tool {call.name}", is_error=True)
        city = CAPITALS.get(country.strip().title())
        return StepResult(content=city or f"no country named {country!r}", is_error=city is None)

    def state(self) -> dict[str, Any]:
        return {"calls": list(self.calls)}


@dataclass(frozen=True)
class Sizes(Profile):
    max_steps: int
    max_tokens: int


#: full: the sizes the task is meant for; small: for serial in-process engines (llamacpp/)
BUDGETS = Budgets(full=Sizes("full", 6, 128), small=Sizes("small", 3, 48))


class AgentOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    budget: ProfileName = Field(default="auto", description=BUDGET_HELP)
    max_steps: int | None = Field(default=None, ge=1, description="Model calls (budget).")


class CapitalsAgentTask(Task):
    name = "myplugin-capitals-agent"
    description = "Capital cities, looked up with a tool on the core agent loop."
    Options = AgentOptions

    def samples(self) -> list[Sample]:
        return [
            Sample(id=c.lower(), input=f"What is the capital of {c}?", target=t)
            for c, t in CAPITALS.items()
        ]

    async def solve(self, sample: Sample, ctx: SolveContext) -> SolveOutput:
        o: AgentOptions = self.options
        budget = BUDGETS.choose(o.budget, ctx)
        env = Atlas()
        env.reset(sample, ctx.seed)
        rules = Rules(
            max_steps=override(o.max_steps, budget.max_steps),
            max_format_errors=1,
            generate={"max_tokens": budget.max_tokens},
            where=f"task {self.name}",
        )
        system = "Call lookup_capital, then reply with only the city."
        loop = AgentLoop(ctx.model, env, rules=rules, system=system)
        result = await loop.run([Message(role="user", content=str(sample.input))])
        return SolveOutput(
            completion=result.final_text,
            messages=result.messages,
            metadata={**env.state(), **result.record(budget.name)},
        )

    def metrics(self) -> list[Metric]:
        return [StartsWithTarget()]
