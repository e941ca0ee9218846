"""``harness generate spectool-oracle``: verified training trajectories from the oracle agent.

Runs the ``spectool`` task on one side of the held-out split with the oracle (a scripted model
replaying each query's accepted ground truth, see :mod:`harness_spectool.oracle`) in the paper's
text protocol and/or native function calls, keeps the episodes the task scored as clean successes,
replays each kept trajectory in a fresh environment, and writes ``trajectories.jsonl`` (core
``Trajectory`` records), ``rejected.jsonl`` and ``split.json`` (both sides' templates and hashes).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from harness.jobs import Generator, JobContext
from harness_spectool.split import SplitBy, SplitName


class OracleOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    protocols: list[str] = Field(
        default_factory=lambda: ["text", "native"],
        description="text (the paper's action lines) and/or native (function calls).",
    )
    split: SplitName = Field(default="train", description="Which side: train, test or all.")
    held_out: float = Field(default=0.25, gt=0, lt=1, description="Share of queries held out.")
    split_seed: int = Field(default=0, description="Seed of the held-out template draw.")
    split_by: SplitBy = Field(default="template", description="template or tools.")
    categories: list[str] = Field(
        default_factory=list, description="Only these categories (empty: all)."
    )
    limit: int | None = Field(default=None, ge=1, description="At most N queries.")
    subset: Literal["hard", "short"] = Field(
        default="hard", description="The bundled query set (hard or short)."
    )
    data_path: str | None = Field(default=None, description="Another query file.")


class OracleGenerator(Generator):
    roles = ()
    name: ClassVar[str] = "spectool-oracle"
    description: ClassVar[str] = "SpecTool oracle episodes (real observations) as trajectories."
    Options = OracleOptions
    needs_model: ClassVar[bool] = False

    async def generate(self, ctx: JobContext) -> dict[str, Any]:
        return await asyncio.to_thread(self._generate, ctx)

    def _generate(self, ctx: JobContext) -> dict[str, Any]:
        from harness.errors import UserError
        from harness.run.oracle import write_episodes
        from harness_spectool.dataset import load_queries
        from harness_spectool.split import check_disjoint, describe, split_queries

        o: OracleOptions = self.options
        bad = [p for p in o.protocols if p not in ("text", "native")]
        if bad or not o.protocols:
            raise UserError(f"protocols: expected text and/or native, got {o.protocols}")
        every = load_queries(o.data_path, o.subset)
        sides = {
            s: split_queries(every, s, o.held_out, o.split_seed, o.split_by)
            for s in ("train", "test")
        }
        check_disjoint(sides["train"], sides["test"])
        queries = split_queries(every, o.split, o.held_out, o.split_seed, o.split_by)
        if o.categories:
            queries = [q for q in queries if q["additional_info"]["category"] in o.categories]
        if o.limit:
            queries = queries[: o.limit]
        split_info = {
            "held_out": o.held_out,
            "seed": o.split_seed,
            "by": o.split_by,
            "used": o.split,
            "train": describe(sides["train"]),
            "test": describe(sides["test"]),
        }
        (ctx.out_dir / "split.json").write_text(json.dumps(split_info, indent=2), encoding="utf-8")
        kept, rejected = [], []
        for protocol in o.protocols:
            k, r = self._episodes(ctx, queries, protocol)
            kept += k
            rejected += r
        output = write_episodes(ctx.out_dir, kept, rejected)
        return {
            "queries": len(queries),
            "trajectories": len(kept),
            "rejected": len(rejected),
            "split": {k: v["sha256"] for k, v in split_info.items() if isinstance(v, dict)},
            "output": str(output),
        }

    def _episodes(
        self, ctx: JobContext, queries: list[dict[str, Any]], protocol: str
    ) -> tuple[list[Any], list[dict[str, Any]]]:
        from harness.run.oracle import judge_episodes, run_oracle
        from harness_spectool.environment import env_name
        from harness_spectool.oracle import replay, script, solved, to_trajectory
        from harness_spectool.protocol import FINISH

        o: OracleOptions = self.options
        params: dict[str, Any] = {
            "protocol": protocol,
            "split": o.split,
            "held_out": o.held_out,
            "split_seed": o.split_seed,
            "split_by": o.split_by,
            "subset": o.subset,
        }
        if o.data_path:
            params["data_path"] = o.data_path
        answers = script(queries, protocol)  # type: ignore[arg-type]
        ids = [q["id"] for q in queries]
        run_dir = run_oracle(ctx, "spectool", params, answers, sample_ids=ids)
        ctx.log("episodes", protocol=protocol, run_dir=str(run_dir))

        def judge(rec: Any) -> Any:
            if not solved(rec):
                return ["the task did not score the episode as solved"]
            env_cls = ctx.manager.registry("environments").get(
                env_name(str(rec.metadata["environment"]))
            )
            env = env_cls(env_cls.Options())
            traj = to_trajectory(rec, protocol, [*env.tools(), FINISH])  # type: ignore[arg-type]
            env.reset()
            problems = replay(traj, env)
            return [f"replay: {p}" for p in problems] if problems else traj

        return judge_episodes(run_dir, judge, protocol=protocol)
