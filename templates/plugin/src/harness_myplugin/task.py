"""A complete task: data, solver and metric."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from harness.context import SolveContext
from harness.metric import Metric, normalize_text
from harness.schemas import Message, Sample, Score, SolveOutput
from harness.task import Task

CAPITALS = {
    "France": "Paris",
    "Japan": "Tokyo",
    "Kenya": "Nairobi",
    "Peru": "Lima",
    "Canada": "Ottawa",
    "Egypt": "Cairo",
}


class StartsWithTarget(Metric):
    name = "starts_with_target"
    description = "1 if the answer starts with the target."

    def score(self, sample: Sample, output: SolveOutput) -> Score:
        ok = normalize_text(output.completion).startswith(normalize_text(sample.target))
        return Score(value=float(ok), answer=output.completion)


class Options(BaseModel):
    model_config = ConfigDict(extra="forbid")
    prompt: str = Field(
        default="What is the capital of {country}? Answer with the city only.",
        description="Question template; {country} is filled in.",
    )


class CapitalsTask(Task):
    name = "myplugin-capitals"
    description = "Capital cities, answered in one reply."
    Options = Options

    def samples(self) -> list[Sample]:
        return [
            Sample(id=c.lower(), input=self.options.prompt.format(country=c), target=t)
            for c, t in CAPITALS.items()
        ]

    async def solve(self, sample: Sample, ctx: SolveContext) -> SolveOutput:
        messages = [Message(role="user", content=str(sample.input))]
        reply = await ctx.model.generate(messages, max_tokens=16)
        return SolveOutput(completion=reply.text, messages=[*messages, reply.message()])

    def metrics(self) -> list[Metric]:
        return [StartsWithTarget()]
