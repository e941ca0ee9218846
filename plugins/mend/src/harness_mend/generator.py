"""``harness generate mend``: the augmented forms of every problem, and SFT data in the core's
Trajectory format (for ``harness train actionstudio``), with or without MEND's augmentation.

The training target is the problem's reasoning chain and answer, the same for every form of the
problem: MEND augments the query only, never the chain. ``augment=none`` writes one trajectory
per problem (the original query); ``augment=mend`` adds ``copies`` augmented queries per
problem, cycling permuted, redundant, combined (each copy its own seed). Items that cannot be
split keep their original query only, are counted in the summary and listed in
``unsplit.jsonl``; distractors refused for a problem are listed in ``rejected_distractors.jsonl``
with the reason."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any, Literal

from pydantic import Field

from harness.jobs import Generator, JobContext
from harness.schemas import Message, Trajectory
from harness_mend.forms import FORMS, Forms, make_forms, neutral_pool
from harness_mend.problems import Problem
from harness_mend.task import INSTRUCTIONS, MendOptions, build_problems

VARIANT_CYCLE = ("permuted", "redundant", "combined")


class GenerateOptions(MendOptions):
    augment: Literal["none", "mend"] = Field(
        default="mend", description="none: original queries only; mend: plus augmented copies."
    )
    copies: int = Field(default=3, ge=1, le=30, description="Augmented queries per problem.")


def target_text(problem: Problem) -> str:
    """What the model is trained to say: the chain, then the answer (never augmented)."""
    return f"{problem.chain} Answer: {problem.answer}"


def trajectory(problem: Problem, query: str, variant: str, copy: int) -> Trajectory:
    return Trajectory(
        id=f"mend-{problem.id}-{variant}-{copy}",
        source=f"mend/{variant}",
        system=INSTRUCTIONS[problem.kind],
        messages=[
            Message(role="user", content=query),
            Message(role="assistant", content=target_text(problem)),
        ],
        metadata={"problem_id": problem.id, "kind": problem.kind, "form": variant},
    )


def training_queries(
    problem: Problem, pool: list[str], o: GenerateOptions, dist: str
) -> tuple[list[tuple[str, str, int]], Forms]:
    """(form name, query, copy) for the problem's training trajectories, and its forms."""
    k = o.distractors if dist == "id" else o.ood_distractors
    base = make_forms(problem, pool, k, o.aug_seed)
    out = [("original", base.forms["original"].text, 0)]
    if o.augment == "mend" and not base.unsplit_reason:
        for c in range(o.copies):
            name = VARIANT_CYCLE[c % len(VARIANT_CYCLE)]
            forms = make_forms(problem, pool, k, o.aug_seed + 1 + c, names=[name])
            out.append((name, forms.forms[name].text, c))
    return out, base


class MendGenerator(Generator):
    name = "mend"
    description = "MEND query augmentation: forms of every problem and SFT trajectories."
    Options = GenerateOptions
    roles = ()
    needs_model = False

    async def generate(self, ctx: JobContext) -> dict[str, Any]:
        o: GenerateOptions = self.options
        task_opts = MendOptions.model_validate(o.model_dump(exclude={"augment", "copies"}))
        from harness_mend.task import MendTask

        pool = MendTask(task_opts)._pool()
        dists = ["id", "ood"] if o.distribution == "both" else [o.distribution]
        # every input is read and validated before any file is opened: no half-written output
        problems = [(dist, p) for dist in dists for p in build_problems(task_opts, dist)]
        counts: Counter[str] = Counter()
        unsplit: Counter[str] = Counter()
        out = ctx.out_dir
        with (
            (out / "forms.jsonl").open("w", encoding="utf-8") as f_forms,
            (out / "trajectories.jsonl").open("w", encoding="utf-8") as f_traj,
            (out / "unsplit.jsonl").open("w", encoding="utf-8") as f_unsplit,
            (out / "rejected_distractors.jsonl").open("w", encoding="utf-8") as f_rej,
        ):
            for dist, p in problems:
                queries, forms = training_queries(p, pool, o, dist)
                row = {"distribution": dist, "problem": p.model_dump(), **forms.model_dump()}
                f_forms.write(json.dumps(row) + "\n")
                counts["problems"] += 1
                if forms.unsplit_reason:
                    unsplit[forms.unsplit_reason.split(":")[0]] += 1
                    f_unsplit.write(json.dumps({"id": p.id, "reason": forms.unsplit_reason}) + "\n")
                for d, why in neutral_pool(p, pool)[1]:
                    f_rej.write(json.dumps({"id": p.id, "distractor": d, "reason": why}) + "\n")
                    counts["rejected_distractors"] += 1
                for name, query, c in queries:
                    f_traj.write(trajectory(p, query, name, c).model_dump_json() + "\n")
                    counts["trajectories"] += 1
                    counts[f"trajectories_{name}"] += 1
        ctx.log("generated", **counts)
        return {
            **dict(counts),
            "augment": o.augment,
            "forms": list(FORMS),
            "original_form_only": sum(unsplit.values()),
            "original_form_only_reasons": dict(unsplit),
            "files": [
                "forms.jsonl",
                "trajectories.jsonl",
                "unsplit.jsonl",
                "rejected_distractors.jsonl",
            ],
        }
