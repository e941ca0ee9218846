"""The tau-bench evaluation: ``tau-retail`` and ``tau-airline``.

Each sample is a tau2 task. An LLM user (role ``user``) plays its instruction; the agent
(``--model``) has the tools and the policy. Reward 1 only if the final database hash equals the
ground-truth replay's and every expected output appears in the agent's replies. Run k trials with
``--epochs k``: the core reports pass^k = mean over tasks of C(c,k)/C(n,k) for these 0/1 metrics.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from harness.agent import override
from harness.context import SolveContext
from harness.errors import UserError
from harness.metric import Metric
from harness.schemas import Sample, SampleRecord, Score, SolveOutput
from harness.task import Task
from harness_apigen_mt.budget import BUDGETS, BudgetName
from harness_apigen_mt.domain import TAU2_DATA_VERSION, load_domain
from harness_apigen_mt.environment import AirlineEnvironment, RetailEnvironment
from harness_apigen_mt.episode import play_episode
from harness_apigen_mt.passk import pass_k_ci, trial_table
from harness_apigen_mt.reward import reward
from harness_apigen_mt.users import LLMUser


class TauOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    data_dir: str | None = Field(
        default=None,
        description="tau2 domains directory holding "
        "<domain>/{db.json,policy.md,tasks.json}; default: bundled.",
    )
    task_ids: list[str] | None = Field(default=None, description="Only these tau2 task ids.")
    validate_arguments: bool = Field(
        default=False,
        description="Check tool arguments against the JSON Schemas before each call (not "
        "tau2's behaviour: off gives the error texts tau2's agents see).",
    )
    split: str = Field(
        default="base",
        description="tau2's task split (split_tasks.json): base = every task, or train / test.",
    )
    budget: BudgetName = Field(
        default="auto",
        description="full = tau-bench's (30 agent steps, 15 user turns, uncapped turns); small = "
        "CPU-sized for the embedded model (4 steps, 2 user turns, 64/48 tokens per agent/user "
        "turn, compact tool schemas); auto = small if the agent or user is llamacpp/..., "
        "else full. The options below override it.",
    )
    max_steps: int | None = Field(
        default=None, ge=1, le=200, description="Agent model calls per episode (budget)."
    )
    max_user_turns: int | None = Field(
        default=None, ge=1, le=100, description="User turns per episode (budget)."
    )
    agent_max_tokens: int | None = Field(
        default=None, ge=1, description="Tokens per agent turn (budget; full: the run's -G)."
    )
    user_max_tokens: int | None = Field(
        default=None, ge=1, description="Tokens per simulated-user turn (budget)."
    )
    compact_tools: bool | None = Field(
        default=None, description="Tool schemas without parameter descriptions (budget)."
    )
    user_best_of: int = Field(default=1, ge=1, le=8, description="Best-of-N user turns.")


def _score_parts(sample: Sample, output: SolveOutput) -> dict[str, Any]:
    domain = load_domain(sample.metadata["domain"], sample.metadata.get("data_dir"))
    return reward(
        domain,
        sample.target["actions"],
        sample.target["outputs"],
        output.metadata.get("final_hash", ""),
        output.messages,
    )


class Reward(Metric):
    name = "reward"
    description = "1 if the final DB hash equals the ground-truth replay's and all outputs appear."

    def score(self, sample: Sample, output: SolveOutput) -> Score:
        r = _score_parts(sample, output)
        return Score(
            value=r["reward"],
            explanation=f"db_match={r['db_match']} "
            f"outputs={r['outputs_found']} stop={output.metadata.get('stop_reason')}",
            metadata={k: r[k] for k in ("db_match", "outputs_match", "outputs_found")},
        )


class DbMatch(Metric):
    name = "db_match"
    description = "1 if the final database equals the ground-truth replay's."

    def score(self, sample: Sample, output: SolveOutput) -> Score:
        return Score(value=1.0 if _score_parts(sample, output)["db_match"] else 0.0)


class TauTaskBase(Task):
    roles = ("user", "user-critic")
    domain_name: ClassVar[str] = ""
    env_name: ClassVar[str] = ""
    Options = TauOptions
    group_by = ["kind"]

    def samples(self) -> Iterable[Sample]:
        o: TauOptions = self.options
        domain = load_domain(self.domain_name, o.data_dir)
        writes = domain.write_tools()
        wanted = set(o.task_ids) if o.task_ids else None
        in_split: set[str] | None = None
        if o.split != "base":
            if o.split not in domain.splits:
                known = ", ".join(sorted(domain.splits)) or "none (no split_tasks.json)"
                raise UserError(f"split '{o.split}' not in the {self.domain_name} data: {known}")
            in_split = set(domain.splits[o.split])
        for t in domain.tasks:
            if wanted is not None and t.id not in wanted:
                continue
            if in_split is not None and t.id not in in_split:
                continue
            acts = [{"name": a.name, "arguments": a.arguments} for a in t.actions()]
            n_write = sum(a["name"] in writes for a in acts)
            yield Sample(
                id=t.id,
                input=t.instruction_text(),
                target={"actions": acts, "outputs": t.outputs()},
                metadata={
                    "domain": self.domain_name,
                    "data_dir": o.data_dir,
                    "kind": "write" if n_write else "read-only",
                    "write_actions": n_write,
                    "tau2_data": TAU2_DATA_VERSION,
                },
            )

    async def solve(self, sample: Sample, ctx: SolveContext) -> SolveOutput:
        o: TauOptions = self.options
        b = BUDGETS.choose(o.budget, ctx, "user")
        env = ctx.environment(
            self.env_name, data_dir=o.data_dir, validate_arguments=o.validate_arguments
        )
        user = LLMUser(
            ctx.role("user"),
            str(sample.input),
            best_of=o.user_best_of,
            critic=ctx.role("user-critic") if o.user_best_of > 1 else None,
            max_tokens=override(o.user_max_tokens, b.user_max_tokens),
        )
        async with ctx.one_episode_at_a_time("user"):
            ep = await play_episode(
                ctx.model,
                env,
                user,
                override(o.max_steps, b.max_steps),
                override(o.max_user_turns, b.max_user_turns),
                override(o.agent_max_tokens, b.agent_max_tokens),
                override(o.compact_tools, b.compact_tools),
            )
        last = next(
            (m.content for m in reversed(ep.messages) if m.role == "assistant" and m.content), ""
        )
        return SolveOutput(
            completion=last,
            messages=ep.messages,
            metadata={
                "final_hash": ep.final_hash,
                "stop_reason": ep.stop_reason,
                "steps": ep.steps,
                "user_turns": ep.user_turns,
                "calls": ep.calls,
                "budget": b.name,
                "turns": ep.steps,
                **({"simulated_user": ep.simulated_user} if ep.simulated_user else {}),
            },
        )

    def metrics(self) -> list[Metric]:
        return [Reward(), DbMatch()]

    def summarize(self, records: list[SampleRecord]) -> dict[str, Any]:
        stops: dict[str, int] = {}
        budgets: dict[str, int] = {}
        for r in records:
            if r.output is not None:
                s = str(r.output.metadata.get("stop_reason"))
                stops[s] = stops.get(s, 0) + 1
                b = str(r.output.metadata.get("budget"))
                budgets[b] = budgets.get(b, 0) + 1
        return {
            "reward pass^k (value, 95% CI low, high; bootstrap over tasks)": pass_k_ci(
                trial_table(records, "reward")
            ),
            "stop_reasons": stops,
            "budget": budgets,
            "tau2_data": TAU2_DATA_VERSION,
        }

    def report(self, record: SampleRecord) -> str | None:
        if record.output is None:
            return None
        calls = record.output.metadata.get("calls", [])
        shown = "; ".join(f"{c['name']}{' (error)' if c.get('error') else ''}" for c in calls)
        return (
            f"budget: {record.output.metadata.get('budget')}, "
            f"stop: {record.output.metadata.get('stop_reason')}, steps: "
            f"{record.output.metadata.get('steps')}\ncalls: {shown or '(none)'}"
        )


class TauRetail(TauTaskBase):
    name = "tau-retail"
    description = "tau-bench retail: simulated user, agent with tools and policy, pass^k."
    domain_name = "retail"
    env_name = RetailEnvironment.name


class TauAirline(TauTaskBase):
    name = "tau-airline"
    description = "tau-bench airline: simulated user, agent with tools and policy, pass^k."
    domain_name = "airline"
    env_name = AirlineEnvironment.name
