"""``harness generate apigen-mt``: APIGen-MT's two phases.

Phase 1 turns sampled context into task blueprints ``{intent, actions, outputs}`` (role
``generator``), validates them (format, execution with a diff patch, policy rules as code, then a
committee of reviewers, role ``reviewer``), regenerates rejected ones from the aggregated reasons
(bounded rounds), and recombines validated blueprints of the same user. Phase 2 simulates each
accepted blueprint: a human (role ``user``) with the intent and a persona talks to the agent (role
``agent``, i.e. ``--model`` unless set) in the real environment; a trajectory is kept only if the
final database equals the blueprint replay's and every output appears (rejection sampling).

Files in the run directory: ``trajectories.jsonl`` (harness Trajectory records),
``blueprints.jsonl``
(accepted blueprints), ``rejections.jsonl`` (every rejection with stage and reason),
``report.json``.
"""

from __future__ import annotations

import json
import random
import time
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from harness.agent import override
from harness.errors import ModelError
from harness.jobs import Generator, JobContext
from harness.schemas import Message, Trajectory, unique_call_ids
from harness_apigen_mt.budget import BUDGETS, BudgetName
from harness_apigen_mt.committee import review
from harness_apigen_mt.domain import TAU2_DATA_VERSION, Domain, db_hash, load_domain
from harness_apigen_mt.episode import GREETING, agent_system, play_episode
from harness_apigen_mt.filters import call_problems
from harness_apigen_mt.recombine import recombine
from harness_apigen_mt.report import Report
from harness_apigen_mt.reward import outputs_found, replay
from harness_apigen_mt.samplers import Context, render_context, sample_context
from harness_apigen_mt.schema import Blueprint, blueprint_reply_schema
from harness_apigen_mt.users import LLMUser
from harness_apigen_mt.validate import Stage1, parse_blueprint, stage1

GEN_SYSTEM = """You write one realistic customer-service task for the {domain} domain, to train \
and test agents. A task has:
- "intent": what the customer wants, written to the customer in second person ("You are ... \
You want to ..."), with the identifying details the customer knows (name and zip or email, \
order/reservation ids) and every choice the agent will need;
- "actions": the exact tool calls an agent following the policy makes, in order, with arguments \
valid for the tool schemas and real ids from the customer data;
- "outputs": short facts the agent must tell the customer (numbers, statuses), or [].
Tools:
{tools}
Reply with only the JSON object \
{{"intent": ..., "actions": [{{"name": ..., "arguments": {{...}}}}], "outputs": [...]}}."""


class ApigenOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    domain: Literal["retail", "airline"] = Field(default="retail", description="Domain.")
    n: int = Field(default=20, ge=1, le=10000, description="Blueprint attempts (phase 1).")
    source: Literal["llm", "tau2-tasks"] = Field(
        default="llm",
        description="Blueprints from the generator LLM, or the bundled tau2 "
        "tasks' own ground-truth actions (labelled origin=tau2-tasks).",
    )
    task_order: Literal["easiest-first", "file"] = Field(
        default="easiest-first",
        description="tau2-tasks order: fewest write actions first, or file order.",
    )
    data_dir: str | None = Field(default=None, description="tau2 domains directory (full sets).")
    max_rounds: int | None = Field(
        default=None,
        ge=0,
        le=20,
        description="Feedback regenerations per attempt (budget full: retail 3, airline 5; "
        "small: 1).",
    )
    committee_size: int = Field(
        default=3,
        ge=0,
        le=9,
        description="Reviews of one reviewer model (0 = no review); several --model-role "
        "reviewer=... make the committee those models, one review each.",
    )
    acceptance: Literal["majority", "average"] = Field(
        default="majority", description="Committee rule."
    )
    threshold: float = Field(default=3.5, description="Average-score threshold (1-5 scale).")
    review_tau2_tasks: bool = Field(
        default=False,
        description="Also send tau2-tasks blueprints (ground truth) to the committee.",
    )
    recombine: int = Field(default=2, ge=0, description="Most recombined tasks to try.")
    phase2: bool = Field(default=True, description="Run phase 2 (trajectory collection).")
    agent: Literal["model", "oracle"] = Field(
        default="model",
        description="Phase-2 agent: the agent role's model, or an oracle that performs the "
        "blueprint's ground-truth actions in order and then states its outputs (training data "
        "whose agent turns are right by construction; the simulated user and every check are "
        "unchanged).",
    )
    phase2_attempts: int | None = Field(
        default=None, ge=1, le=20, description="Episodes per blueprint (budget: full 3, small 2)."
    )
    user_best_of: int | None = Field(
        default=None,
        ge=1,
        le=8,
        description="Best-of-N user turns, scored 0-10 by the user-critic role (budget: full 4, "
        "small 1).",
    )
    budget: BudgetName = Field(
        default="auto",
        description="full = the paper's/tau-bench's settings; small = CPU-sized for the embedded "
        "model (see README); auto = small if any role is llamacpp/..., else full. The options "
        "below override it.",
    )
    max_steps: int | None = Field(
        default=None, ge=1, description="Agent model calls per episode (full 30, small 4)."
    )
    max_user_turns: int | None = Field(
        default=None, ge=1, description="User turns per episode (full 15, small 2)."
    )
    agent_max_tokens: int | None = Field(
        default=None, ge=1, description="Tokens per agent turn (full: the run's -G; small 64)."
    )
    user_max_tokens: int | None = Field(
        default=None, ge=1, description="Tokens per simulated-user turn (full 256, small 48)."
    )
    compact_tools: bool | None = Field(
        default=None, description="Agent sees tool schemas without parameter descriptions."
    )
    gen_max_tokens: int | None = Field(
        default=None, ge=32, description="Tokens per blueprint reply (full 384, small 320)."
    )
    review_max_tokens: int | None = Field(
        default=None, ge=16, description="Tokens per review (full 256, small 160)."
    )


def tool_lines(domain: Domain) -> str:
    lines = []
    for t in domain.tools:
        props = t.parameters.get("properties", {})
        args = ", ".join(f"{k}: {v.get('type', 'any')}" for k, v in props.items())
        lines.append(f"- {t.name}({args}): {t.description}")
    return "\n".join(lines)


def user_of(domain: Domain, bp: Blueprint, trace: list[dict[str, Any]]) -> str | None:
    for a, t in zip(bp.actions, trace, strict=False):
        if a.name.startswith("find_user_id") and not t["error"]:
            return str(t["output"])
        if "user_id" in a.arguments:
            return str(a.arguments["user_id"])
        rid = a.arguments.get("reservation_id") or a.arguments.get("order_id")
        table = domain.db.get("reservations" if domain.name == "airline" else "orders", {})
        if rid in table:
            return str(table[rid]["user_id"])
    return None


class ApigenMT(Generator):
    roles = ("generator", "reviewer", "agent", "user", "user-critic")
    name = "apigen-mt"
    description = "APIGen-MT: verified blueprints (phase 1) and simulated trajectories (phase 2)."
    Options = ApigenOptions

    async def generate(self, ctx: JobContext) -> dict[str, Any]:
        o: ApigenOptions = self.options
        start = time.perf_counter()
        domain = load_domain(o.domain, o.data_dir)
        rng = random.Random(ctx.seed)
        roles = ("generator", "reviewer", "user", "agent")
        self.budget = BUDGETS.choose(o.budget, ctx, *roles)
        rep = Report(
            domain=o.domain,
            source=o.source,
            attempts=o.n,
            max_rounds=override(o.max_rounds, self.budget.max_rounds[o.domain]),
            acceptance=o.acceptance,
            committee_size=o.committee_size,
            reviewer_models=ctx.role_members("reviewer"),
            tau2_data=TAU2_DATA_VERSION,
            budget=self.budget.name,
        )
        self._files(ctx.out_dir)
        accepted: list[Blueprint] = []
        if o.source == "tau2-tasks":
            await self._tau2_source(ctx, domain, rep, accepted)
        else:
            pool = [self._tau2_blueprint(domain, t) for t in domain.tasks[:3]]
            for attempt in range(o.n):
                bp = await self._attempt(ctx, domain, rep, attempt, pool, rng)
                if bp is not None:
                    accepted.append(bp)
                    pool.append(bp)
        for bp in await recombine(ctx, domain, accepted, o, rep, self._validate):
            accepted.append(bp)
        for bp in accepted:
            self._write("blueprints", bp.model_dump())
        if o.phase2:
            for bp in accepted:
                await self._phase2(ctx, domain, bp, rep)
        rep.wall_seconds = round(time.perf_counter() - start, 1)
        summary = rep.finish()
        (ctx.out_dir / "report.json").write_text(json.dumps(summary, indent=2) + "\n")
        print(rep.table())
        return summary

    # ------------------------------------------------------------------ files

    def _files(self, out: Path) -> None:
        self._out = out
        for name in ("trajectories", "blueprints", "rejections"):
            (out / f"{name}.jsonl").write_text("")

    def _write(self, name: str, record: dict[str, Any]) -> None:
        with (self._out / f"{name}.jsonl").open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(record, default=str) + "\n")

    def _reject(
        self,
        rep: Report,
        stage: str,
        reasons: list[str],
        bp: Blueprint | None,
        attempt: int | str,
        round_: int = 0,
    ) -> None:
        rep.reject(stage)
        self._write(
            "rejections",
            {
                "attempt": attempt,
                "round": round_,
                "stage": stage,
                "reasons": reasons,
                "blueprint_id": bp.id if bp else None,
                "origin": bp.origin if bp else self.options.source,
                "blueprint": bp.model_dump() if bp else None,
            },
        )

    # ------------------------------------------------------------------ phase 1

    def _prompt(
        self, domain: Domain, c: Context, feedback: list[str], last: str | None
    ) -> list[Message]:
        msgs = [
            Message(
                role="system",
                content=GEN_SYSTEM.format(domain=domain.name, tools=tool_lines(domain)),
            ),
            Message(role="user", content=render_context(c) + "\n\nWrite the task."),
        ]
        if feedback and last is not None:
            plan = "\n".join(f"- {r}" for r in dict.fromkeys(feedback))
            msgs += [
                Message(role="assistant", content=last),
                Message(
                    role="user",
                    content="This task was rejected. Fix every problem "
                    f"below and write the whole task again:\n{plan}",
                ),
            ]
        return msgs

    async def _attempt(
        self,
        ctx: JobContext,
        domain: Domain,
        rep: Report,
        attempt: int,
        pool: list[Blueprint],
        rng: random.Random,
    ) -> Blueprint | None:
        o: ApigenOptions = self.options
        c = sample_context(domain, pool, rng)
        feedback: list[str] = []
        last: str | None = None
        for rnd in range(rep.max_rounds + 1):
            bp_id = f"{o.domain}-{attempt}-r{rnd}"
            try:
                reply = await ctx.role("generator").generate(
                    self._prompt(domain, c, feedback, last),
                    max_tokens=override(o.gen_max_tokens, self.budget.gen_max_tokens),
                    json_schema=blueprint_reply_schema(
                        [(t.name, t.parameters) for t in domain.tools]
                    ),
                    temperature=0.7,
                    seed=ctx.seed + attempt * 100 + rnd,
                )
            except ModelError as exc:
                self._reject(rep, "generation", [f"model error: {exc}"], None, attempt, rnd)
                feedback, last = [], None
                continue
            rep.count("generated")
            last = reply.text
            bp = parse_blueprint(reply.text, bp_id, o.domain, persona=c.persona)
            if isinstance(bp, str):
                if reply.finish_reason == "length":
                    bp = f"reply cut off at {reply.usage.output_tokens} tokens: {bp}"
                self._reject(rep, "format", [bp], None, attempt, rnd)
                feedback = [bp]
                continue
            bp, verdict_reasons = await self._validate(ctx, domain, bp, rep, attempt, rnd)
            if bp is not None:
                rep.accept_round(rnd)
                return bp
            feedback = verdict_reasons
        rep.count("attempts_failed")
        return None

    async def _validate(
        self,
        ctx: JobContext,
        domain: Domain,
        bp: Blueprint,
        rep: Report,
        attempt: int | str,
        rnd: int = 0,
    ) -> tuple[Blueprint | None, list[str]]:
        o: ApigenOptions = self.options
        s1: Stage1 = stage1(domain, bp)
        rep.stage_result(s1)
        if not s1.ok:
            self._reject(rep, s1.stage, s1.reasons, bp, attempt, rnd)
            return None, s1.reasons
        bp = bp.model_copy(update={"user_id": bp.user_id or user_of(domain, bp, s1.trace)})
        if o.committee_size > 0 and (bp.origin != "tau2-tasks" or o.review_tau2_tasks):
            verdict = await review(
                [ctx.role(m) for m in ctx.role_members("reviewer")],
                bp,
                s1.patch,
                o.committee_size,
                o.acceptance,
                o.threshold,
                max_tokens=override(o.review_max_tokens, self.budget.review_max_tokens),
            )
            rep.committee(verdict)
            for r in verdict.reviews:
                if r.vote is None:
                    ctx.log("reviewer_abstained", blueprint=bp.id, reviewer=r.reviewer, raw=r.raw)
            if not verdict.accepted:
                self._reject(rep, "committee", verdict.reasons, bp, attempt, rnd)
                return None, verdict.reasons
        return bp, []

    def _tau2_blueprint(self, domain: Domain, t: Any) -> Blueprint:
        ins = t.user_scenario.instructions
        persona = t.user_scenario.persona or (
            getattr(ins, "task_instructions", None) if not isinstance(ins, str) else None
        )
        return Blueprint(
            id=f"tau2-{domain.name}-{t.id}",
            domain=domain.name,
            intent=t.instruction_text(),
            actions=[{"name": a.name, "arguments": a.arguments} for a in t.actions()],
            outputs=t.outputs(),
            persona=persona,
            origin="tau2-tasks",
        )

    async def _tau2_source(
        self, ctx: JobContext, domain: Domain, rep: Report, accepted: list[Blueprint]
    ) -> None:
        o: ApigenOptions = self.options
        writes = domain.write_tools()
        tasks = list(domain.tasks)
        if o.task_order == "easiest-first":
            tasks.sort(key=lambda t: (sum(a.name in writes for a in t.actions()), len(t.actions())))
        for i, t in enumerate(tasks[: o.n]):
            rep.count("generated")
            bp, _ = await self._validate(ctx, domain, self._tau2_blueprint(domain, t), rep, i)
            if bp is not None:
                rep.accept_round(0)
                accepted.append(bp)
            else:
                rep.count("attempts_failed")

    # ------------------------------------------------------------------ phase 2

    def _agent(self, ctx: JobContext, bp: Blueprint) -> Any:
        """The phase-2 agent: the agent role, or the oracle for this blueprint (a scripted model:
        one ground-truth call per turn, then a reply stating the outputs, which repeats)."""
        if self.options.agent == "model":
            return ctx.role("agent")
        from harness.backends.scripted.model import ScriptedModel
        from harness.model import ModelHandle, WrappedModel
        from harness.schemas import GenerateConfig

        calls: list[str | dict[str, Any]] = [
            {"text": "", "tool_calls": [{"name": a.name, "arguments": a.arguments}]}
            for a in bp.actions
        ]
        done = "Done. " + "; ".join(bp.outputs) if bp.outputs else "Done: your request is complete."
        # entry 0 answers a conversation with no assistant turn; the episode opens with the
        # greeting, so the oracle's first reply is entry 1
        script = {"responses": [GREETING, *calls, done]}
        oracle = ScriptedModel.create("oracle", script)
        return ModelHandle(WrappedModel(oracle), GenerateConfig(), "agent", ctx.seed)

    async def _phase2(self, ctx: JobContext, domain: Domain, bp: Blueprint, rep: Report) -> None:
        o: ApigenOptions = self.options
        if o.agent == "oracle" and not bp.actions:
            # nothing to perform: the "trajectory" would teach answering without looking anything up
            self._reject(rep, "phase2-oracle", ["no ground-truth actions to perform"], bp, bp.id, 0)
            return
        gold_db, _ = replay(domain, [a.model_dump() for a in bp.actions])
        gold = db_hash(gold_db)
        rep.phase2_blueprint()
        b = self.budget
        steps = override(o.max_steps, b.max_steps)
        if o.agent == "oracle":  # every action, then the reply stating the outputs
            steps = max(steps, len(bp.actions) + 1)
        for attempt in range(override(o.phase2_attempts, b.phase2_attempts)):
            env = ctx.environment(f"tau-{domain.name}", data_dir=o.data_dir)
            best_of = override(o.user_best_of, b.user_best_of)
            user = LLMUser(
                ctx.role("user"),
                bp.intent,
                bp.persona,
                best_of,
                ctx.role("user-critic") if best_of > 1 else None,
                max_tokens=override(o.user_max_tokens, b.user_max_tokens),
            )
            try:
                ep = await play_episode(
                    self._agent(ctx, bp),
                    env,
                    user,
                    steps,
                    override(o.max_user_turns, b.max_user_turns),
                    override(o.agent_max_tokens, b.agent_max_tokens),
                    override(o.compact_tools, b.compact_tools),
                )
            except ModelError as exc:
                self._reject(rep, "phase2-model-error", [f"model error: {exc}"], bp, bp.id, attempt)
                rep.phase2_episode(False)
                continue
            found = outputs_found(bp.outputs, ep.messages)
            db_ok = ep.final_hash == gold
            problems = call_problems(domain, ep.messages)
            if not db_ok:
                problems.append(("state", "final database differs from the blueprint replay"))
            problems += [
                ("outputs", f"output {k!r} never stated") for k, v in found.items() if not v
            ]
            ok = not problems
            rep.phase2_episode(ok)
            ctx.log(
                "phase2_episode",
                blueprint=bp.id,
                attempt=attempt,
                db_match=db_ok,
                outputs=found,
                rejected_at=problems[0][0] if problems else None,
                stop=ep.stop_reason,
                steps=ep.steps,
                user_turns=ep.user_turns,
            )
            if not ok:
                why = [f"{stage}: {reason}" for stage, reason in problems]
                stage = f"phase2-{problems[0][0]}"
                self._reject(rep, stage, [*why, f"stop: {ep.stop_reason}"], bp, bp.id, attempt)
                continue
            traj = Trajectory(
                id=f"{bp.id}-a{attempt}",
                source=f"apigen-mt/{bp.origin}",
                task_instruction=bp.intent,
                system=ep.messages[0].content,
                tools=env.tools(),
                messages=unique_call_ids(ep.messages[1:]),
                reward=1.0,
                metadata={
                    "domain": domain.name,
                    "blueprint_id": bp.id,
                    "blueprint_origin": bp.origin,
                    "persona": bp.persona,
                    "attempt": attempt,
                    "stop_reason": ep.stop_reason,
                    "budget": b.name,
                    "gold_actions": [a.model_dump() for a in bp.actions],
                    "outputs": bp.outputs,
                    "db_match": True,
                    "outputs_found": found,
                    "tau2_data": TAU2_DATA_VERSION,
                    "agent": o.agent,
                },
            )
            Trajectory.model_validate(traj.model_dump())
            self._write("trajectories", traj.model_dump(mode="json"))
            rep.trajectory()
            return


__all__ = ["ApigenMT", "ApigenOptions", "agent_system"]
