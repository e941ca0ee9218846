"""``harness generate toollibgen``: the three stages of ToolLibGen, and the scaling curve.

``--stage extract`` writes ``tools.jsonl`` (the per-question tools that passed the sandbox),
``flat_library.json`` (the same tools as a library file, for the flat baseline) and
``rejections.jsonl``; ``--stage cluster`` writes ``clusters.json``; ``--stage aggregate`` writes
``library.json`` (OpenAI-format tools with code, the map original tool -> library tool) and
``library.schema.json``; ``--stage all`` runs the three; ``--stage curve`` writes ``curve.json``
and ``curve.png`` (accuracy and Recall@k against library size). A later stage reads the
earlier ones from ``--input RUN_DIR`` (or from its own run directory under ``all``).

Roles: ``generator`` writes tools, designs and code; ``verifier`` solves with the stage-1 tools;
``reviewer`` solves with the aggregated tools; ``judge`` labels tools and reviews; ``solver``
answers in the curve. Each defaults to ``--model``."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from harness.agent import BUDGET_HELP, Budgets, Profile, ProfileName, override
from harness.errors import UserError
from harness.jobs import Generator, JobContext

DATA = Path(__file__).parent / "data"
BUNDLED = DATA / "gsm8k_style.jsonl"


@dataclass(frozen=True)
class GenSizes(Profile):
    gen_tokens: int
    judge_tokens: int
    solver_steps: int
    solver_tokens: int | None


REASON_KINDS = (
    ("does not parse", "syntax error"),
    ("not allowed", "disallowed import or call"),
    ("timed out", "timeout"),
    ("cpu time", "timeout"),
    ("docstring", "docstring"),
    ("annotation", "parameter types"),
    ("only str", "parameter types"),
    ("named parameters", "parameter types"),
    ("example line", "bad example"),
    ("example arguments", "bad example"),
    ("no code", "no code in reply"),
    ("defines no", "no function"),
    ("sandbox", "runtime error"),
    ("cluster has", "cluster too small"),
    ("need_patching", "failed review"),
    ("ineffective", "ineffective"),
)

BUDGETS = Budgets(
    full=GenSizes("full", 1024, 384, 6, None), small=GenSizes("small", 320, 96, 2, 64)
)


class GenOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    stage: Literal["extract", "cluster", "aggregate", "all", "curve"] = Field(
        default="all", description="Which stage(s) to run."
    )
    input: str | None = Field(
        default=None, description="Run directory holding the earlier stages' files."
    )
    traces: str | None = Field(
        default=None, description="Traces {id, question, reasoning, answer} (JSONL/JSON)."
    )
    limit: int | None = Field(default=None, ge=1, description="Use the first N traces.")
    max_tools: int = Field(default=3, ge=1, le=10, description="Tools kept per trace.")
    refine_rounds: int = Field(
        default=1, ge=0, le=5, description="Verify-and-refine rounds (released driver: 0)."
    )
    drop_ineffective: bool = Field(
        default=False, description="Drop tools still judged INEFFECTIVE after refinement."
    )
    cluster_method: Literal["embedding", "llm"] = Field(
        default="embedding", description="MiniLM k-means (offline) or the model's hierarchy."
    )
    embedding_model: str = Field(default="minilm", description="Model of embedding clustering.")
    n_clusters: int | None = Field(default=None, ge=1, description="k (default ceil(sqrt(n/2))).")
    seed_batch: int = Field(default=100, ge=1, description="Tools the LLM hierarchy starts from.")
    update_batch: int = Field(default=100, ge=1, description="Tools per hierarchy update.")
    assign_batch: int = Field(default=20, ge=1, description="Tools per leaf-assignment call.")
    min_cluster_size: int | None = Field(
        default=None, ge=1, description="Drop smaller leaves (paper 50; default scaled to n)."
    )
    max_cluster_size: int | None = Field(
        default=None, ge=1, description="Split larger leaves (paper 300; default scaled to n)."
    )
    generalize: bool = Field(default=True, description="Run the generalisation step.")
    impl_retries: int = Field(default=1, ge=0, le=5, description="Re-implementations on reject.")
    review_rounds: int = Field(
        default=1, ge=0, le=5, description="Review -> apply suggestions -> re-review rounds."
    )
    review_questions: int = Field(default=2, ge=1, le=20, description="Questions per review.")
    drop_unhelpful: bool = Field(default=True, description="Drop tools failing the last review.")
    carry_originals: bool = Field(
        default=True, description="Keep uncovered original tools in the library unchanged."
    )
    tool_timeout: float = Field(
        default=5.0, gt=0, le=120, description="CPU seconds per tool run (wall: 4x + 10)."
    )
    concurrency: int = Field(default=4, ge=1, le=64, description="Traces/clusters in parallel.")
    retriever: str = Field(default="minilm", description="Curve: bm25, minilm or a model.")
    curve_sizes: list[int] = Field(
        default_factory=list, description="Curve: question counts (default 4 even steps)."
    )
    curve_accuracy: bool = Field(default=True, description="Curve: also run the solver.")
    budget: ProfileName = Field(default="auto", description=BUDGET_HELP)
    gen_tokens: int | None = Field(default=None, ge=32, description="Full 1024, small 320.")
    judge_tokens: int | None = Field(default=None, ge=8, description="Full 384, small 96.")
    solver_steps: int | None = Field(default=None, ge=1, description="Full 6, small 2.")
    solver_tokens: int | None = Field(default=None, ge=8, description="Full: -G; small 64.")


class ToolLibGen(Generator):
    name = "toollibgen"
    description = "ToolLibGen: extract -> cluster -> aggregate a reviewed tool library."
    roles = ("generator", "verifier", "judge", "reviewer", "solver")
    Options = GenOptions

    async def generate(self, ctx: JobContext) -> dict[str, Any]:
        o: GenOptions = self.options
        src = Path(o.input) if o.input else None
        if o.stage in ("cluster", "aggregate", "curve") and src is None:
            raise UserError(f"toollibgen --stage {o.stage} needs --input RUN_DIR (an earlier run)")
        if src is not None and not src.is_dir():
            raise UserError(f"toollibgen --input {src}: not a directory")
        summary: dict[str, Any] = {"stage": o.stage}
        started = time.perf_counter()
        here = ctx.out_dir
        if o.stage in ("extract", "all"):
            summary["extract"] = await self._extract(ctx)
        if o.stage in ("cluster", "all"):
            summary["cluster"] = (
                self._cluster_sync(ctx, src or here)
                if o.cluster_method == "embedding"
                else await self._cluster(ctx, src or here)
            )
        if o.stage in ("aggregate", "all"):
            summary["aggregate"] = await self._aggregate(ctx, src or here)
        if o.stage == "curve":
            summary["curve"] = await self._curve(ctx, src or here)
        summary["seconds"] = round(time.perf_counter() - started, 1)
        return summary

    # ---------------------------------------------------------------- helpers

    def _sizes(self, ctx: JobContext) -> GenSizes:
        o = self.options
        b = BUDGETS.choose(o.budget, ctx, "generator", "verifier", "judge", "reviewer")
        return GenSizes(
            b.name,
            override(o.gen_tokens, b.gen_tokens),
            override(o.judge_tokens, b.judge_tokens),
            override(o.solver_steps, b.solver_steps),
            override(o.solver_tokens, b.solver_tokens),
        )

    def _traces(self) -> list[Any]:
        from harness_toollibgen.schema import load_traces

        traces = load_traces(self.options.traces or BUNDLED)
        return traces[: self.options.limit] if self.options.limit else traces

    async def _gather(self, coros: list[Any]) -> list[Any]:
        sem = asyncio.Semaphore(self.options.concurrency)

        async def one(c: Any) -> Any:
            async with sem:
                return await c

        return await asyncio.gather(*(one(c) for c in coros))

    @staticmethod
    def _copy_in(ctx: JobContext, src: Path, names: list[str]) -> None:
        for n in names:
            if src != ctx.out_dir and (src / n).exists() and not (ctx.out_dir / n).exists():
                (ctx.out_dir / n).write_bytes((src / n).read_bytes())

    # ---------------------------------------------------------------- stage 1

    async def _extract(self, ctx: JobContext) -> dict[str, Any]:
        from harness_toollibgen.aggregate import flat_library
        from harness_toollibgen.extract import ExtractSettings, extract_trace
        from harness_toollibgen.schema import write_json, write_jsonl

        o, b = self.options, self._sizes(ctx)
        s = ExtractSettings(
            max_tools=o.max_tools,
            refine_rounds=o.refine_rounds,
            timeout=o.tool_timeout,
            gen_tokens=b.gen_tokens,
            solver_steps=b.solver_steps,
            solver_tokens=b.solver_tokens,
            judge_tokens=b.judge_tokens,
            drop_ineffective=o.drop_ineffective,
        )
        traces = self._traces()
        gen, ver, judge = ctx.role("generator"), ctx.role("verifier"), ctx.role("judge")

        async def one(trace: Any) -> Any:
            r = await extract_trace(trace, gen, ver, judge, s)
            ctx.log("extracted", trace=trace.id, kept=len(r.tools), rejected=len(r.rejections))
            return r

        results = await self._gather([one(t) for t in traces])
        tools = [t for r in results for t in r.tools]
        rejections = [x for r in results for x in r.rejections]
        for r in results:
            for entry in r.log:
                ctx.log("verify", **entry)
        write_jsonl(ctx.out_dir / "tools.jsonl", tools)
        self._append_rejections(ctx, rejections)
        lib = flat_library(tools, traces)
        write_json(ctx.out_dir / "flat_library.json", lib.model_dump(mode="json"))
        return {
            "traces": len(traces),
            "tools_kept": len(tools),
            "rejected": len(rejections),
            "rejections_by_reason": self._reasons(rejections),
            "verdicts": dict(Counter(t.verdict for t in tools)),
            "refined": sum(t.refined > 0 for t in tools),
            "refine_rounds": o.refine_rounds,
            "budget": b.name,
        }

    @staticmethod
    def _reasons(rejections: list[Any]) -> dict[str, int]:
        """Rejections counted by stage and kind of reason."""

        def kind(reason: str) -> str:
            r = reason.lower()
            return next((label for key, label in REASON_KINDS if key in r), "other")

        return dict(Counter(f"{x.stage}: {kind(x.reason)}" for x in rejections))

    @staticmethod
    def _append_rejections(ctx: JobContext, rejections: list[Any]) -> None:
        with (ctx.out_dir / "rejections.jsonl").open("a", encoding="utf-8") as fh:
            for r in rejections:
                fh.write(r.model_dump_json() + "\n")

    # ---------------------------------------------------------------- stage 2

    def _tools_in(self, ctx: JobContext, src: Path) -> list[Any]:
        from harness_toollibgen.schema import read_jsonl

        self._copy_in(ctx, src, ["tools.jsonl", "flat_library.json", "rejections.jsonl"])
        return read_jsonl(src / "tools.jsonl", "extracted-tool")

    def _write_clusters(self, ctx: JobContext, c: Any, method: str, n: int) -> dict[str, Any]:
        from harness_toollibgen.schema import write_json

        self._append_rejections(ctx, c.rejections)
        write_json(
            ctx.out_dir / "clusters.json",
            {
                "method": method,
                "leaves": c.leaves,
                "nodes": c.nodes,
                "thresholds": c.thresholds,
                "log": c.log,
            },
        )
        return {
            "method": method,
            "tools": n,
            "clusters": len(c.leaves),
            "thresholds": c.thresholds,
            "sizes": sorted((len(v) for v in c.leaves.values()), reverse=True),
            "dropped_tools": len(c.rejections),
        }

    def _cluster_sync(self, ctx: JobContext, src: Path) -> dict[str, Any]:
        from harness_toollibgen.cluster import embedding_clusters, merge

        o = self.options
        tools = self._tools_in(ctx, src)
        c = embedding_clusters(tools, o.n_clusters, ctx.seed, o.embedding_model)
        merge(c, len(tools), o.min_cluster_size, o.max_cluster_size)
        return self._write_clusters(ctx, c, "embedding", len(tools))

    async def _cluster(self, ctx: JobContext, src: Path) -> dict[str, Any]:
        from harness_toollibgen.cluster import llm_clusters, merge

        o = self.options
        tools = self._tools_in(ctx, src)
        c = await llm_clusters(
            tools,
            ctx.role("generator"),
            o.seed_batch,
            o.update_batch,
            o.assign_batch,
            self._sizes(ctx).gen_tokens,
        )
        merge(c, len(tools), o.min_cluster_size, o.max_cluster_size)
        return self._write_clusters(ctx, c, "llm", len(tools))

    # ---------------------------------------------------------------- stage 3

    async def _aggregate(self, ctx: JobContext, src: Path) -> dict[str, Any]:
        from harness_toollibgen.aggregate import AggregateSettings, aggregate_cluster, unique_names
        from harness_toollibgen.schema import Library, schemas, write_json

        o, b = self.options, self._sizes(ctx)
        tools = self._tools_in(ctx, src)
        self._copy_in(ctx, src, ["clusters.json"])
        try:
            clusters = json.loads((src / "clusters.json").read_text(encoding="utf-8"))["leaves"]
        except (OSError, ValueError, KeyError) as exc:
            raise UserError(
                f"toollibgen: {src / 'clusters.json'} missing or unreadable ({exc}); "
                "run --stage cluster first"
            ) from None
        by_id = {t.id: t for t in tools}
        traces = {t.id: t for t in self._traces()}
        s = AggregateSettings(
            generalize=o.generalize,
            impl_retries=o.impl_retries,
            review_rounds=o.review_rounds,
            review_questions=o.review_questions,
            timeout=o.tool_timeout,
            gen_tokens=b.gen_tokens,
            solver_steps=b.solver_steps,
            solver_tokens=b.solver_tokens,
            judge_tokens=b.judge_tokens,
            drop_unhelpful=o.drop_unhelpful,
            carry_originals=o.carry_originals,
        )
        gen, rev, judge = ctx.role("generator"), ctx.role("reviewer"), ctx.role("judge")

        async def one_cluster(name: str, ids: list[str]) -> Any:
            members = [by_id[i] for i in ids if i in by_id]
            oc = await aggregate_cluster(name, members, traces, gen, rev, judge, s)
            ctx.log("aggregated", cluster=name, tools=len(oc.tools), rejected=len(oc.rejections))
            return oc

        outcomes = await self._gather([one_cluster(n, ids) for n, ids in clusters.items()])
        lib_tools = unique_names([t for oc in outcomes for t in oc.tools])
        rejections = [x for oc in outcomes for x in oc.rejections]
        for oc in outcomes:
            for entry in oc.log:
                ctx.log("aggregate", **entry)
        self._append_rejections(ctx, rejections)
        mapping: dict[str, str | None] = {t.id: None for t in tools}
        for lt in lib_tools:
            for orig in lt.covers:
                mapping[orig] = lt.tool_info.function.name
        lib = Library(
            format_version=1,
            kind="library",
            tools=lib_tools,
            mapping=mapping,
            question_tools={
                q: [t.id for t in tools if t.trace_id == q]
                for q in dict.fromkeys(t.trace_id for t in tools)
            },
        )
        write_json(ctx.out_dir / "library.json", lib.model_dump(mode="json"))
        write_json(ctx.out_dir / "library.schema.json", schemas()["library"])
        return {
            "clusters": len(clusters),
            "library_tools": len(lib_tools),
            "aggregated": sum(t.review != "carried" for t in lib_tools),
            "carried_originals": sum(t.review == "carried" for t in lib_tools),
            "reviews": dict(Counter(t.review for t in lib_tools)),
            "patched": sum(t.patched > 0 for t in lib_tools),
            "rejected": len(rejections),
            "rejections_by_reason": self._reasons(rejections),
            "original_tools": len(tools),
            "unmapped_originals": sum(v is None for v in mapping.values()),
        }

    # ---------------------------------------------------------------- curve

    async def _curve(self, ctx: JobContext, src: Path) -> dict[str, Any]:
        from harness_toollibgen.curve import curve, plot
        from harness_toollibgen.evaluate import EvalSettings
        from harness_toollibgen.schema import load_library, write_json

        o, b = self.options, self._sizes(ctx)
        flat, lib = load_library(src / "flat_library.json"), load_library(src / "library.json")
        traces = [t for t in self._traces() if t.id in lib.question_tools]
        n = len(traces)
        sizes = sorted({x for x in o.curve_sizes if 1 <= x <= n}) or sorted(
            {max(1, round(n * f / 4)) for f in (1, 2, 3, 4)}
        )
        s = EvalSettings(
            retriever=o.retriever,
            max_steps=b.solver_steps,
            max_tokens=b.solver_tokens,
            timeout=o.tool_timeout,
        )
        solver = ctx.role("solver") if o.curve_accuracy else None
        points = await curve(traces, flat, lib, sizes, solver, s)
        write_json(ctx.out_dir / "curve.json", points)
        plot(points, ctx.out_dir / "curve.png", f"ToolLibGen: library vs flat ({o.retriever})")
        return {"points": points, "png": str(ctx.out_dir / "curve.png")}
