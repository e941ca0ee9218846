"""``harness generate rl-diagnostics``: N rollouts per query, scored by the reward metrics, and the
statistics of :mod:`harness_rl.diagnostics`.

The rollouts come from the ``policy`` role (any harness model: ``--model hf/<grpo run>``,
``llamacpp/smollm2``, an API model), sampled at ``--temperature``, one seed per rollout (the
rollout's item seed, ``derive_seed(--seed, "QUERY#k", 0)``); or, with
``--from-run``, from a ``harness run TASK --epochs N`` run directory (any task, agentic ones too:
each epoch is one rollout, its recorded scores the rewards). Co-influence needs gradients, so it
runs on a transformers checkpoint (``--grad-model``).

Writes ``rollouts.jsonl``, ``alpha.jsonl``, ``diagnostics.json`` and ``alpha.png``."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any, ClassVar

from harness.errors import UserError
from harness.jobs import ItemContext, ItemGenerator, JobContext, WorkItem
from harness.schemas import Message, Sample
from harness_rl.data import chat, load_samples, load_task
from harness_rl.diagnostics import Rollout, alpha_stats
from harness_rl.options import DiagnosticsOptions
from harness_rl.reward import Reward, check_rewards, resolve_rewards, total
from harness_rl.schemas import AlphaRecord, RolloutRecord

CONCURRENCY = 8


class DiagnosticsGenerator(ItemGenerator):
    """One item per rollout (query x k): ``harness generate rl-diagnostics`` journals each as it
    finishes (``--resume``) and can sample them on Ray workers (``--executor ray``)."""

    name: ClassVar[str] = "rl-diagnostics"
    description: ClassVar[str] = "Rollout diagnostics: alpha, P(0<alpha<1), E[sqrt], co-influence."
    roles: ClassVar[tuple[str, ...] | None] = ("policy",)
    Options = DiagnosticsOptions
    needs_model: ClassVar[bool] = False  # --from-run reads recorded rollouts

    def concurrency(self) -> int:
        return CONCURRENCY

    def ray_unsupported(self) -> str | None:
        if self.options.from_run:
            return "--from-run reads recorded rollouts; there is no sampling to send to workers"
        return None

    async def plan(self, ctx: JobContext) -> list[WorkItem]:
        opts: DiagnosticsOptions = self.options
        if opts.from_run:
            return []
        samples, task = load_samples(opts, ctx.manager)
        check_rewards(resolve_rewards(opts.rewards, ctx.manager, task), samples)
        return [
            WorkItem(id=f"{s.id}#{k}", data={"sample": s.model_dump(mode="json"), "k": k})
            for s in samples
            for k in range(opts.rollouts)
        ]

    async def produce(self, ctx: ItemContext, item: WorkItem) -> dict[str, Any]:
        """One rollout, sampled with the item's seed, and its reward."""
        opts: DiagnosticsOptions = self.options
        if self._rewards is None:
            task = load_task(opts.task, opts.task_options, ctx.manager) if opts.task else None
            self._rewards = resolve_rewards(opts.rewards, ctx.manager, task)
        sample = Sample.model_validate(item.data["sample"])
        msgs = chat(sample, opts.system_prompt)
        resp = await ctx.role("policy").generate(
            [Message(role=m["role"], content=m["content"]) for m in msgs],  # type: ignore[arg-type]
            temperature=opts.temperature,
            max_tokens=opts.max_tokens,
        )
        value = total(self._rewards, sample, resp.text)
        ok = value is not None and value > opts.threshold
        return asdict(Rollout(sample.id, msgs, resp.text, value, ok))

    async def finish(
        self, ctx: JobContext, items: list[WorkItem], outputs: list[Any]
    ) -> dict[str, Any]:
        opts: DiagnosticsOptions = self.options
        if opts.from_run:
            rollouts = rollouts_from_run(Path(opts.from_run), opts)
        else:
            rollouts = [Rollout(**o) for o in outputs]
        return diagnose(rollouts, opts, ctx.out_dir, ctx.seed)

    _rewards: list[Reward] | None = None


def diagnose(
    rollouts: list[Rollout], opts: DiagnosticsOptions, out_dir: Path, seed: int
) -> dict[str, Any]:
    """Write the files and return the summary (alpha statistics, co-influence)."""
    from harness_rl.plot import plot_alpha

    by_query: dict[str, list[bool]] = {}
    for r in rollouts:
        by_query.setdefault(r.query, []).append(r.correct)
    stats = alpha_stats(by_query)
    with (out_dir / "rollouts.jsonl").open("w", encoding="utf-8") as f:
        for r in rollouts:
            row = RolloutRecord(
                query=r.query, completion=r.completion, reward=r.reward, correct=r.correct
            )
            f.write(row.model_dump_json() + "\n")
    with (out_dir / "alpha.jsonl").open("w", encoding="utf-8") as f:
        for q, a in stats["alpha"].items():
            f.write(AlphaRecord(query=q, alpha=a, rollouts=len(by_query[q])).model_dump_json())
            f.write("\n")
    summary = {k: v for k, v in stats.items() if k != "alpha"}
    if isinstance(stats["rollouts_per_query"], int):
        counts = [h["queries"] for h in stats["histogram"]]
        png = plot_alpha(counts, stats["rollouts_per_query"], out_dir / "alpha.png")
        summary["plot"] = str(png)
    if opts.grad_model:
        from harness_rl.diagnostics import coinfluence, load_grad_model

        model, tok = load_grad_model(opts.grad_model, opts.grad_params, opts.lora_r, seed)
        summary["coinfluence"] = {
            "grad_model": opts.grad_model,
            "grad_params": opts.grad_params,
            **coinfluence(model, tok, rollouts, opts.pairs, seed),
        }
    (out_dir / "diagnostics.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    return summary


def rollouts_from_run(run_dir: Path, opts: DiagnosticsOptions) -> list[Rollout]:
    """Each (sample, epoch) record of a run's journal is one rollout; its reward is the weighted
    sum of the recorded scores of ``opts.rewards``."""
    from harness.run.journal import read_records
    from harness_rl.reward import parse_spec

    weights = dict(parse_spec(s) for s in opts.rewards)
    out: list[Rollout] = []
    seen: set[str] = set()
    for rec in read_records(run_dir / "samples.jsonl"):
        seen.update(rec.scores)
        if rec.status != "ok" or rec.output is None:
            continue
        got = [(w, rec.scores[n].value) for n, w in weights.items() if n in rec.scores]
        vals = [w * v for w, v in got if v is not None]
        value = sum(vals) if vals else None
        sample = Sample(id=rec.sample_id, input=rec.input, target=rec.target)
        out.append(
            Rollout(
                rec.sample_id,
                chat(sample, opts.system_prompt),
                rec.output.completion,
                value,
                value is not None and value > opts.threshold,
            )
        )
    missing = [n for n in weights if n not in seen]
    if missing:
        raise UserError(
            f"--from-run {run_dir}: its records have no score '{missing[0]}'; they have: "
            f"{', '.join(sorted(seen)) or '(none)'}"
        )
    if not out:
        raise UserError(f"--from-run {run_dir}: no finished samples in samples.jsonl")
    return out
