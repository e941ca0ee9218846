"""The ``mend`` task: every item in its original, permuted, redundant and combined forms.

One model call per form (four per item), the same instruction for each; the item's scores
(``harness_mend.metrics``) compare the forms. Items alternate logic and arithmetic so that
``--limit`` keeps both kinds. ``distribution=ood`` builds the items out of the training
distribution (more premises, longer chains, more distractors); ``both`` runs the two, and every
metric breaks down by ``kind`` and ``distribution``."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from harness.context import SolveContext
from harness.schemas import Message, Sample, SampleRecord, Score, SolveOutput
from harness.task import Task
from harness_mend.forms import make_forms
from harness_mend.metrics import extract, score_forms, subject_of
from harness_mend.problems import (
    ARITHMETIC,
    DISTRACTORS,
    Problem,
    load_distractors,
    load_problems,
    logic_problems,
)

INSTRUCTIONS = {
    "logic": "Read the facts and answer the question. Reply with the name of the room only.",
    "arithmetic": "Solve the math word problem. Reply with the final number only.",
}


class MendOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: Literal["all", "logic", "arithmetic"] = Field(
        default="all", description="Which problems: generated logic, bundled arithmetic, or both."
    )
    distribution: Literal["id", "ood", "both"] = Field(
        default="id",
        description="id: the training settings (chains, hops, distractors); ood: "
        "ood_chains, ood_hops, ood_distractors; both.",
    )
    n_logic: int = Field(default=30, ge=0, le=1000, description="Logic problems generated.")
    chains: int = Field(default=2, ge=1, le=8, description="Logic: objects (chance = 1/chains).")
    hops: int = Field(default=1, ge=1, le=6, description="Logic: premises from object to room.")
    distractors: int = Field(default=1, ge=1, le=10, description="Distractors per redundant form.")
    ood_chains: int = Field(default=3, ge=1, le=8, description="Logic chains out of distribution.")
    ood_hops: int = Field(default=2, ge=1, le=6, description="Logic hops out of distribution.")
    ood_distractors: int = Field(default=3, ge=1, le=10, description="Distractors, OOD.")
    problems_file: str | None = Field(
        default=None, description="Arithmetic/logic problems (JSONL, the Problem schema)."
    )
    distractors_file: str | None = Field(
        default=None, description="Distractor pool, one a line (default: the bundled pool)."
    )
    aug_seed: int = Field(default=0, description="Seed of the permutations and insertions.")
    logic_seed: int = Field(default=0, description="Seed of the generated logic problems.")
    max_tokens: int = Field(default=24, ge=1, description="Tokens of each reply.")


def build_problems(o: MendOptions, dist: str) -> list[Problem]:
    """The problems for one distribution, logic and arithmetic interleaved."""
    chains, hops = (o.chains, o.hops) if dist == "id" else (o.ood_chains, o.ood_hops)
    logic = (
        logic_problems(o.n_logic, chains, hops, o.logic_seed) if o.source != "arithmetic" else []
    )
    arith: list[Problem] = []
    if o.source != "logic":
        arith = load_problems(Path(o.problems_file) if o.problems_file else ARITHMETIC)
    out: list[Problem] = []
    for i in range(max(len(logic), len(arith))):
        out.extend(x[i] for x in (logic, arith) if i < len(x))
    return out


class MendTask(Task):
    name = "mend"
    description = "MEND reasoning consistency: original, permuted, redundant and combined forms."
    Options = MendOptions
    roles = ()
    group_by = ["kind", "distribution"]

    def _pool(self) -> list[str]:
        o: MendOptions = self.options
        return load_distractors(Path(o.distractors_file) if o.distractors_file else DISTRACTORS)

    def samples(self) -> Iterable[Sample]:
        o: MendOptions = self.options
        pool = self._pool()
        dists = ["id", "ood"] if o.distribution == "both" else [o.distribution]
        for dist in dists:
            k = o.distractors if dist == "id" else o.ood_distractors
            yield from self._samples(build_problems(o, dist), pool, k, dist)

    def _samples(
        self, problems: list[Problem], pool: list[str], k: int, dist: str
    ) -> Iterator[Sample]:
        o: MendOptions = self.options
        for p in problems:
            forms = make_forms(p, pool, k, o.aug_seed)
            yield Sample(
                id=f"{dist}/{p.id}" if o.distribution == "both" else p.id,
                input=forms.forms["original"].text,
                target=p.answer,
                metadata={
                    "kind": p.kind,
                    "distribution": dist,
                    "candidates": p.candidates,
                    "forms": {n: f.text for n, f in forms.forms.items()},
                    "unsplit_reason": forms.unsplit_reason,
                    "distractors": k,
                },
            )

    async def solve(self, sample: Sample, ctx: SolveContext) -> SolveOutput:
        md = sample.metadata
        system = Message(role="system", content=INSTRUCTIONS[md["kind"]])
        replies: dict[str, dict[str, Any]] = {}
        messages: list[Message] = []
        for name, text in md["forms"].items():
            user = Message(role="user", content=text)
            reply = await ctx.model.generate([system, user], max_tokens=self.options.max_tokens)
            replies[name] = {"reply": reply.text}
            messages += [user, reply.message()]
        return SolveOutput(
            completion=replies["original"]["reply"],
            messages=[system, *messages],
            metadata={"forms": replies},
        )

    def score(self, sample: Sample, output: SolveOutput) -> dict[str, Score]:
        md = sample.metadata
        forms = list(md["forms"])
        got = output.metadata.get("forms") or {}
        subject = subject_of(md["forms"]["original"]) if md["kind"] == "logic" else None
        answers = {
            f: extract(str(got.get(f, {}).get("reply", "")), md["kind"], md["candidates"], subject)
            for f in forms
        }
        return score_forms(answers, str(sample.target), md["kind"], forms)

    def summarize(self, records: list[SampleRecord]) -> dict[str, Any]:
        """How many items kept their original form only, and why."""
        reasons = Counter(
            str(r.metadata.get("unsplit_reason")).split(":")[0]
            for r in records
            if r.metadata.get("unsplit_reason")
        )
        return {
            "items": len({r.sample_id for r in records}),
            "original_form_only": sum(reasons.values()),
            "original_form_only_reasons": dict(reasons),
        }

    def report(self, record: SampleRecord) -> str | None:
        forms = (record.output.metadata.get("forms") if record.output else None) or {}
        lines = [f"target: {record.target}"]
        for name, text in (record.metadata.get("forms") or {}).items():
            reply = str(forms.get(name, {}).get("reply", "")).strip().replace("\n", " ")
            lines.append(f"[{name}] {text}\n    -> {reply[:80]}")
        return "\n".join(lines)
