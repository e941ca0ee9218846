"""``harness generate sanity-oracle``: verified tool-use trajectories for training.

An oracle (a scripted model keyed by the question) calls the expected tool with the expected
arguments, reads the observation and replies with the answer. The episodes run through the
ordinary ``sanity-tools`` task and agent loop, so every observation is the toolbox's own; an
episode is kept only when the task scored it fully (final answer, answer match, tool use) and a
replay of its call in a fresh toolbox returns the recorded observation. The questions are drawn
with their own seed (default 99, not the tasks' 1234) so the data never holds an evaluation item.
"""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from harness.jobs import Generator, JobContext


class SanityOracleOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    subset: Literal["all", "arithmetic", "strings"] = Field(
        default="all", description="Question kinds."
    )
    n: int = Field(default=20, ge=1, le=1000, description="Questions per kind.")
    data_seed: int = Field(
        default=99, description="Seed of the question draw (the tasks' own is 1234)."
    )


def _call(sample: Any) -> dict[str, Any]:
    call = {"name": sample.metadata["tool"], "arguments": sample.metadata["args"]}
    return {"text": "", "tool_calls": [call]}


class SanityOracle(Generator):
    roles = ()
    name: ClassVar[str] = "sanity-oracle"
    description: ClassVar[str] = "Sanity tool-use episodes by an oracle, verified, as trajectories."
    Options = SanityOracleOptions
    needs_model: ClassVar[bool] = False

    async def generate(self, ctx: JobContext) -> dict[str, Any]:
        return await asyncio.to_thread(self._generate, ctx)

    def _generate(self, ctx: JobContext) -> dict[str, Any]:
        from harness.run.oracle import judge_episodes, run_oracle, write_episodes
        from harness_sanity.questions import questions

        o: SanityOracleOptions = self.options
        samples = questions(o.subset, o.n, o.data_seed)
        script = {str(s.input): [_call(s), str(s.target)] for s in samples}
        params = {"subset": o.subset, "n": o.n, "data_seed": o.data_seed}
        run_dir = run_oracle(ctx, "sanity-tools", params, script)
        kept, rejected = judge_episodes(run_dir, self._judge)
        output = write_episodes(ctx.out_dir, kept, rejected)
        return {
            "questions": len(samples),
            "trajectories": len(kept),
            "rejected": len(rejected),
            "data_seed": o.data_seed,
            "output": str(output),
        }

    def _judge(self, rec: Any) -> Any:
        problems = self._problems(rec)
        return problems if problems else self._trajectory(rec)

    @staticmethod
    def _problems(rec: Any) -> list[str]:
        from harness.schemas import ToolCall
        from harness_sanity.environment import ToolboxEnvironment

        if rec.status != "ok" or rec.output is None:
            return [f"episode status {rec.status}"]
        low = [k for k, s in rec.scores.items() if s.value != 1.0]
        if low:
            return [f"scored below 1: {', '.join(sorted(low))}"]
        env = ToolboxEnvironment(ToolboxEnvironment.Options())
        env.reset()
        problems = []
        msgs = rec.output.messages
        for i, m in enumerate(msgs):
            for c in m.tool_calls if m.role == "assistant" else []:
                seen = next((x.content for x in msgs[i + 1 :] if x.tool_call_id == c.id), None)
                got = asyncio.run(env.step(ToolCall(id=c.id, name=c.name, arguments=c.arguments)))
                if got.is_error or got.content != seen:
                    problems.append(f"call {c.name}: a replay does not give the recorded result")
        return problems

    @staticmethod
    def _trajectory(rec: Any) -> Any:
        from harness.schemas import Trajectory, unique_call_ids
        from harness_sanity.environment import ToolboxEnvironment
        from harness_sanity.tasks import TOOLS_SYSTEM

        msgs = unique_call_ids(list(rec.output.messages))
        env = ToolboxEnvironment(ToolboxEnvironment.Options())
        return Trajectory(
            id=f"sanity-oracle-{rec.sample_id}",
            source="sanity-oracle",
            task_instruction=str(rec.input),
            system=TOOLS_SYSTEM,
            tools=env.tools(),
            messages=msgs,
            reward=1.0,
            metadata={"question_id": rec.sample_id, "answer": rec.target, **rec.metadata},
        )
