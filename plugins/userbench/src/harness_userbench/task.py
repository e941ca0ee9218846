"""The ``userbench`` task: an agent model plays TravelGym against a simulated user."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import zip_longest
from pathlib import Path
from typing import Any, Literal

from pydantic import ConfigDict, Field

from harness.agent import AgentLoop, Budgets, Profile, ProfileName, Rules
from harness.context import SolveContext
from harness.errors import UserError
from harness.metric import Metric
from harness.schemas import Message, Sample, SampleRecord, SolveOutput
from harness.task import Task
from harness_userbench.environment import TravelGymEnvironment, TravelGymOptions
from harness_userbench.metrics import all_metrics
from harness_userbench.released import (
    ENV_VAR,
    ReleasedRow,
    default_root,
    load_released,
    scenario_dir,
)
from harness_userbench.scenario import CONFIGS, Scenario, load_scenarios
from harness_userbench.users import ModelUser, RuleUser

SYSTEM = """You are a travel agent working inside TravelGym. You talk to a traveller and query an \
options database to build their trip. The traveller's opening message is vague: they have \
preferences they will only reveal, often indirectly, when you ask about them.

Every turn, call the tool interact_with_env exactly once with a short thought, a choice and content:
- search: one focused query to the database for ONE travel aspect (flight, hotel, apartment, \
rental car or restaurant), with its details (place, dates). It returns all options of that aspect.
- action: say something to the traveller. Ask one specific, concrete question at a time \
(for example about layovers, room size, dietary needs); vague questions get vague answers.
- answer: recommend ONE option by its id only (for example H12). {answer_rule}

The number of turns is limited. Start with searches, ask about preferences, read the traveller's \
hints carefully, then answer {answer_goal}."""

ONE_CHOICE = (
    "You may recommend only one option per travel aspect, so find out what the traveller "
    "wants before you answer.",
    "one option for each aspect the trip needs",
)
SEVERAL = (
    "You may answer several times, one id per answer; find out what the traveller wants "
    "before you answer.",
    "the option that fits best for each aspect the trip needs",
)


def system_prompt(one_choice: bool) -> str:
    """Our system prompt; its answer rule follows ``one_choice``."""
    rule, goal = ONE_CHOICE if one_choice else SEVERAL
    return SYSTEM.format(answer_rule=rule, answer_goal=goal)


class UserBenchOptions(TravelGymOptions):
    model_config = ConfigDict(extra="forbid")

    scenarios: str | None = Field(
        default=None, description="Scenario file or directory (default: the bundled test set)."
    )
    scenario_format: Literal["auto", "harness", "original"] = Field(
        default="auto", description="harness (ours), original (released TravelGym JSON), auto."
    )
    data: Literal["auto", "released", "synthetic"] = Field(
        default="auto",
        description="released: the released test set (parquet rows bundled; scenario JSON from "
        "released_root); synthetic: our generated set (or scenarios=PATH); auto: released when "
        "its scenario files are found, else synthetic.",
    )
    released_root: str | None = Field(
        default=None,
        description="A copy of the UserBench repository (or its travelgym/data folder); "
        "default $USERBENCH_RELEASED.",
    )
    configs: str = Field(default="all", description="Comma list of configurations, e.g. 22,233.")
    interleave: bool = Field(
        default=True,
        description="Order samples round-robin over configurations (so --limit "
        "covers several); off: file order.",
    )
    user: Literal["auto", "rule", "llm"] = Field(  # type: ignore[assignment]
        default="auto",
        description="Simulated user: rule (deterministic), llm (the 'user' role model, else "
        "--model), auto (llm when --model-role user=... is given or the agent's model is not a "
        "serial in-process engine such as llamacpp/, else rule).",
    )
    tool_choice: Literal["required", "auto"] = Field(
        default="required", description="Agent tool choice (the released eval uses required)."
    )
    budget: ProfileName = Field(
        default="auto",
        description="full: the paper's turn sizes; small: short turns for in-process models "
        "(llamacpp/); auto: small when the agent or a model user runs on one, else full.",
    )
    agent_max_tokens: int | None = Field(
        default=None, ge=16, description="Tokens per agent turn (budget: full 384, small 256)."
    )
    text_max_chars: int | None = Field(  # type: ignore[assignment]
        default=None,
        ge=20,
        le=10_000,
        description="Longest thought / content in the tool (budget: full 400, small 100).",
    )


@dataclass(frozen=True)
class Budget(Profile):
    """Turn sizes, a core budget profile (:mod:`harness.agent.budget`). ``small`` keeps the
    paper's 20-step episodes and every rule, and shortens each agent turn: SmolLM2-135M fills the
    tool's free-text fields to their limit (100-200 tokens a turn, generated under a JSON grammar
    at about half the model's free speed), which makes full-sized turns several times slower on
    CPU (the README has the timings). The cap on tokens stays well above what 2 x 100 characters
    need (SmolLM2 can spend a token a character on digit lists), so turns are not cut off into
    format errors."""

    agent_max_tokens: int
    text_max_chars: int


BUDGETS = Budgets(
    full=Budget("full", agent_max_tokens=384, text_max_chars=400),
    small=Budget("small", agent_max_tokens=256, text_max_chars=100),
)

#: the tool message that answers every call of a turn after the first (one action a step)
IGNORED = "Ignored: one call per turn is carried out."


@lru_cache(maxsize=8)
def _load(path: str | None, fmt: str) -> tuple[Scenario, ...]:
    return tuple(load_scenarios(path, fmt))


@lru_cache(maxsize=4)
def _load_released(
    root: str | None, one_choice: bool, configs: tuple[str, ...] | None
) -> tuple[tuple[ReleasedRow, Scenario], ...]:
    return tuple(load_released(root, one_choice, list(configs) if configs else None))


def data_choice(o: UserBenchOptions) -> tuple[str, str | None, str]:
    """("released" | "synthetic", the released root, why)."""
    root = o.released_root or (str(default_root()) if default_root() else None)
    if o.data == "synthetic" or (o.data == "auto" and o.scenarios):
        return "synthetic", None, "data=synthetic" if o.data == "synthetic" else "scenarios=PATH"
    found = root is not None and scenario_dir(Path(root)) is not None
    if o.data == "released" or found:
        if root is None:
            raise UserError(
                "data=released: give released_root=PATH (a copy of the UserBench repository) "
                f"or set ${ENV_VAR}; the released scenario JSON is not bundled"
            )
        return "released", root, f"released scenarios under {root}"
    why = (
        f"no travelgym_data_<config>.json under {root}"
        if root
        else f"released scenario files not bundled and neither released_root nor ${ENV_VAR} set"
    )
    return "synthetic", None, why


def role_is_set(ctx: SolveContext, role: str) -> bool:
    """Whether ``--model-role ROLE=...`` was given."""
    return ctx.has_role(role)


def user_kind(choice: str, ctx: SolveContext) -> str:
    """``auto``: the model user (the paper's) when a user role is given or the agent's model is
    not a serial in-process engine (an API or server model can afford the user's calls);
    otherwise the rule user, which costs no model calls."""
    if choice != "auto":
        return choice
    if role_is_set(ctx, "user") or not ctx.on_serial_engine():
        return "llm"
    return "rule"


class UserBenchTask(Task):
    roles = ("user",)
    name = "userbench"
    description = "UserBench/TravelGym: elicit hidden travel preferences, search, recommend."
    Options = UserBenchOptions
    group_by = ["config"]

    def samples(self) -> Iterable[Sample]:
        o: UserBenchOptions = self.options
        kind, root, _why = data_choice(o)
        prompts: dict[str, ReleasedRow] = {}
        wanted = [c.strip() for c in o.configs.split(",") if c.strip()]
        if o.configs != "all":
            unknown = [c for c in wanted if not c.isdigit()]
            if unknown:
                raise UserError(
                    f"configs: {unknown[0]!r} is not a configuration such as {', '.join(CONFIGS)}"
                )
        if kind == "released":
            only = tuple(c for c in wanted if c in CONFIGS) if o.configs != "all" else None
            pairs = _load_released(root, o.one_choice, only)
            scenarios = [sc for _, sc in pairs]
            prompts = {sc.id: row for row, sc in pairs}
        else:
            scenarios = list(_load(o.scenarios, o.scenario_format))
        if o.configs != "all":
            scenarios = [s for s in scenarios if s.config in wanted]
            if not scenarios:
                raise UserError(f"configs: no scenario has configuration {o.configs}")
        if o.interleave:
            groups: dict[str, list[Scenario]] = {}
            for s in scenarios:
                groups.setdefault(s.config, []).append(s)
            scenarios = [s for row in zip_longest(*groups.values()) for s in row if s]
        for s in scenarios:
            row = prompts.get(s.id)
            extra = {"system_prompt": row.system_prompt, "env_name": row.env_name} if row else {}
            yield Sample(
                id=s.id,
                input=row.opening if row else s.initial_description,
                target=s.model_dump(mode="json"),
                metadata={
                    **extra,
                    "data": kind,
                    "config": s.config,
                    "aspects": list(s.dimensions),
                    "preferences": sum(
                        len(s.aspects[a].preferences)  # type: ignore[index]
                        for a in s.dimensions
                    ),
                },
            )

    def _user(self, ctx: SolveContext) -> Any:
        kind = user_kind(self.options.user, ctx)
        return ModelUser(ctx.role("user")) if kind == "llm" else RuleUser(ctx.seed)

    async def solve(self, sample: Sample, ctx: SolveContext) -> SolveOutput:
        o: UserBenchOptions = self.options
        user = self._user(ctx)
        budget = BUDGETS.choose(o.budget, ctx, *(["user"] if isinstance(user, ModelUser) else []))
        env_opts = {k: getattr(o, k) for k in TravelGymOptions.model_fields if k != "user"}
        env_opts["text_max_chars"] = o.text_max_chars or budget.text_max_chars
        env = TravelGymEnvironment(TravelGymOptions(**env_opts))
        env.attach_user(user)
        env.reset(sample, ctx.seed)
        opening = (
            sample.input if isinstance(sample.input, str) else env.episode.sc.initial_description
        )
        system = sample.metadata.get("system_prompt") or system_prompt(o.one_choice)
        rules = Rules(
            max_steps=o.max_steps,  # the environment truncates at the same count
            calls_per_turn="first",
            ignored_call_note=IGNORED,
            text_turn="environment",
            reject_unparsed_calls=False,  # the environment answers them (the released eval)
            generate={
                "tool_choice": o.tool_choice,
                "max_tokens": o.agent_max_tokens or budget.agent_max_tokens,
            },
            where=f"task {self.name}",
        )
        loop = AgentLoop(ctx.model, env, rules=rules, system=system)
        async with ctx.one_episode_at_a_time("user"):
            result = await loop.run([Message(role="user", content=opening)])
        state = env.state()
        stop = result.stop_reason
        if state.get("aborted"):  # released-eval: a reply without a well-formed tool call
            stop = "aborted"
        elif stop != "context_overflow":  # the environment's own end: the paper's two kinds
            stop = "terminated" if state["terminated"] else "truncated"
        return SolveOutput(
            completion=", ".join(a["id"] for a in state["answers"]),
            messages=result.messages,
            metadata={
                "state": state,
                **result.record(budget.name),
                "stop_reason": stop,
                "user_model": ctx.role("user").spec if state["user"] == "llm" else None,
                "user_simulator": state["user"],
                "rules": o.rules,
                "data": sample.metadata.get("data", "synthetic"),
            },
        )

    def metrics(self) -> list[Metric]:
        return all_metrics()

    def summarize(self, records: list[SampleRecord]) -> dict[str, Any]:
        states = [
            r.output.metadata.get("state", {})
            for r in records
            if r.status == "ok" and r.output is not None
        ]
        stops = [
            r.output.metadata.get("stop_reason")
            for r in records
            if r.status == "ok" and r.output is not None
        ]
        if not states:
            return {}
        n = len(states)
        roles: dict[str, int] = {}
        for s in states:
            for f in s.get("user_failures", []):
                roles[f["role"]] = roles.get(f["role"], 0) + 1
        return {
            "episodes": {
                "all": {
                    "n": n,
                    "mean_steps": sum(s.get("steps", 0) for s in states) / n,
                    "mean_reward": sum(s.get("total_reward", 0.0) for s in states) / n,
                    "terminated": sum(x == "terminated" for x in stops),
                    "truncated": sum(x == "truncated" for x in stops),
                    "context_overflow": sum(x == "context_overflow" for x in stops),
                    "aborted": sum(x == "aborted" for x in stops),
                    "agent_format_errors": sum(s.get("agent_format_errors", 0) for s in states),
                    "refused_answers": sum(len(s.get("refused_answers", [])) for s in states),
                    "user_failures": sum(roles.values()),
                }
            },
            "user_failures_by_role": roles or "none",
            "user_simulator": sorted({s.get("user", "?") for s in states}),
            "rules": sorted({str(s.get("rules", "default")) for s in states}),
            "data_source": data_choice(self.options)[2],
            "data": sorted(
                {
                    str(r.output.metadata.get("data", "synthetic"))
                    for r in records
                    if r.status == "ok" and r.output is not None
                }
            ),
            "budget": sorted(
                {
                    str(r.output.metadata.get("budget"))
                    for r in records
                    if r.status == "ok" and r.output is not None
                }
            ),
        }

    def report(self, record: SampleRecord) -> str | None:
        if record.output is None:
            return None
        s = record.output.metadata.get("state", {})
        answers = "; ".join(f"{a['id']}={a['grade']}" for a in s.get("answers", [])) or "none"
        p = s.get("preferences", {})
        return (
            f"steps {s.get('steps')} ({record.output.metadata.get('stop_reason')}), reward "
            f"{s.get('total_reward')}; answers {answers}; searches "
            f"{s.get('searches', {}).get('valid')}/{s.get('searches', {}).get('attempts')} "
            f"valid; preferences active {p.get('active_count', len(p.get('active', [])))}, passive "
            f"{p.get('passive_count', len(p.get('passive', [])))} of {p.get('total')}; user "
            f"{s.get('user')}, rules {s.get('rules', 'default')}, user failures "
            f"{len(s.get('user_failures', []))}"
        )
