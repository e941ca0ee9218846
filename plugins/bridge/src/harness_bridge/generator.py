"""``harness generate bridge``: iGSM-style problems and their training / evaluation files.

Writes, under the run directory:

* ``sft_<variant>.jsonl``: core ``Trajectory`` records (system rules, the problem, the
  chain-of-thought answer) that ``harness train actionstudio --data`` trains on, one file per
  variant: ``plain`` (short CoT), ``bridge`` (exploration + exploitation injected),
  ``question_aug`` (each problem ``--augment`` times with its conditions shuffled, plain CoT) and
  ``answer_aug`` (each problem ``--augment`` times, CoT in a random topological order);
* ``rl_train.jsonl``: prompts with gold answers for ``harness train grpo --data``;
* ``eval_id.jsonl`` / ``eval_ood.jsonl``: in-distribution and out-of-distribution prompts (the
  ``bridge`` task draws the same problems from the same ``--data-seed``).

Every chain-of-thought is re-checked (:func:`harness_bridge.cot.check_cot`) before it is written.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from harness.jobs import Generator, JobContext
from harness_bridge.cot import ANALYSIS_PROBS, Knobs, check_cot, topological_order, write_cot
from harness_bridge.dag import question_text
from harness_bridge.data import PRESETS, SYSTEM, Drawn, draw, prompt_record
from harness_bridge.schemas import GenerateSummary, PromptRecord

Variant = Literal["plain", "bridge", "question_aug", "answer_aug"]
VARIANTS: tuple[Variant, ...] = ("plain", "bridge", "question_aug", "answer_aug")


class BridgeOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    preset: Literal["cpu", "paper"] = Field(
        default="cpu",
        description="cpu: 2-5 operations (OOD 6-8), plain integers, small sets; paper: 15-20 "
        "(OOD 21-25), mod 23, 2K SFT / 10K RL / 500 eval.",
    )
    train_ops: tuple[int, int] | None = Field(
        default=None, description="Operation range (MIN MAX) of SFT/RL/in-distribution problems."
    )
    ood_ops: tuple[int, int] | None = Field(
        default=None, description="Operation range (MIN MAX) of out-of-distribution problems."
    )
    modulus: int | None = Field(
        default=None, ge=2, description="Arithmetic modulus (default: the preset's)."
    )
    plain_integers: bool = Field(default=False, description="No modulus, whatever the preset.")
    n_sft: int | None = Field(default=None, ge=1, description="SFT problems (before augmentation).")
    n_rl: int | None = Field(default=None, ge=0, description="GRPO prompts.")
    n_eval: int | None = Field(default=None, ge=0, description="Evaluation problems per split.")
    variants: list[Variant] = Field(
        default_factory=lambda: list(VARIANTS), description="SFT variants to write."
    )
    reflection_prob: float = Field(
        default=0.1, ge=0, le=1, description="BRIDGE exploration: locked-node attempt rate."
    )
    analysis_level: int = Field(
        default=2, description=f"BRIDGE exploitation: restatement level {sorted(ANALYSIS_PROBS)}."
    )
    detailed: bool = Field(default=True, description="BRIDGE: step-by-step arithmetic.")
    augment: int = Field(default=4, ge=1, description="Copies per problem in the baselines.")
    redundant: float = Field(
        default=0.3, ge=0, le=2, description="Distractor quantities, as a share of needed ones."
    )
    data_seed: int = Field(default=1234, description="Seed the problem sets are drawn from.")

    @model_validator(mode="after")
    def _check(self) -> BridgeOptions:
        if self.analysis_level not in ANALYSIS_PROBS:
            raise ValueError(f"analysis_level must be one of {sorted(ANALYSIS_PROBS)}")
        for name in ("train_ops", "ood_ops"):
            r = getattr(self, name)
            if r is not None and not 1 <= r[0] <= r[1]:
                raise ValueError(f"{name} must be MIN MAX with 1 <= MIN <= MAX")
        return self

    def resolved(self) -> dict[str, Any]:
        p = PRESETS[self.preset]
        modulus = None if self.plain_integers else (self.modulus or p.modulus)
        return {
            "train_ops": tuple(self.train_ops or p.train_ops),
            "ood_ops": tuple(self.ood_ops or p.ood_ops),
            "modulus": modulus,
            "n_sft": p.sft if self.n_sft is None else self.n_sft,
            "n_rl": p.rl if self.n_rl is None else self.n_rl,
            "n_eval": p.eval if self.n_eval is None else self.n_eval,
        }


class BridgeGenerator(Generator):
    name: ClassVar[str] = "bridge"
    description: ClassVar[str] = "iGSM-style problems: SFT CoT (plain, BRIDGE, baselines), prompts."
    Options = BridgeOptions
    needs_model: ClassVar[bool] = False

    async def generate(self, ctx: JobContext) -> dict[str, Any]:
        return write_all(self.options, ctx.out_dir, ctx.log)


def write_all(opts: BridgeOptions, out: Path, log: Any = None) -> dict[str, Any]:
    r = opts.resolved()
    files: dict[str, int] = {}
    rejected: dict[str, int] = {}
    sft = list(
        draw("sft", r["n_sft"], opts.data_seed, r["train_ops"], r["modulus"], opts.redundant)
    )
    rejected["sft"] = sum(d.rejected for d in sft)
    knobs = Knobs(opts.reflection_prob, opts.analysis_level, opts.detailed)
    for variant in opts.variants:
        rows = sft_records(sft, variant, knobs, opts.augment, opts.data_seed)
        files[f"sft_{variant}.jsonl"] = _write(out / f"sft_{variant}.jsonl", rows)
    for split, fname, n, ops in (
        ("rl", "rl_train.jsonl", r["n_rl"], r["train_ops"]),
        ("id", "eval_id.jsonl", r["n_eval"], r["train_ops"]),
        ("ood", "eval_ood.jsonl", r["n_eval"], r["ood_ops"]),
    ):
        drawn = list(draw(split, n, opts.data_seed, ops, r["modulus"], opts.redundant))
        rejected[split] = sum(d.rejected for d in drawn)
        rows = [PromptRecord.model_validate(prompt_record(d)).model_dump() for d in drawn]
        files[fname] = _write(out / fname, rows)
        if log:
            log("split_written", split=split, records=len(rows), not_unique=rejected[split])
    summary = GenerateSummary(
        preset=opts.preset,
        files=files,
        not_unique_rejected=rejected,
        ops={
            "sft": list(r["train_ops"]),
            "rl": list(r["train_ops"]),
            "id": list(r["train_ops"]),
            "ood": list(r["ood_ops"]),
        },
        knobs={
            "reflection_prob": opts.reflection_prob,
            "analysis_level": opts.analysis_level,
            "detailed": opts.detailed,
            "augment": opts.augment,
        },
    ).model_dump()
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return summary


def sft_records(
    drawn: list[Drawn], variant: Variant, knobs: Knobs, augment: int, seed: int
) -> list[dict[str, Any]]:
    """Trajectories of one variant; every CoT checked against its problem."""
    from harness.schemas import Message, Trajectory

    rng = random.Random(f"bridge-cot:{seed}:{variant}")
    out = []
    for d in drawn:
        prob = d.problem
        copies = augment if variant in ("question_aug", "answer_aug") else 1
        for c in range(copies):
            order = list(prob.order)
            if variant == "question_aug" and c:
                rng.shuffle(order)
            topo = topological_order(prob, rng if variant == "answer_aug" and c else None)
            cot = write_cot(prob, knobs if variant == "bridge" else Knobs(), rng, topo)
            errors = check_cot(cot, prob)
            if errors:
                raise AssertionError(f"{d.id} {variant}: generated CoT is wrong: {errors}")
            traj = Trajectory(
                id=f"{d.id}-{variant}-{c}",
                source=f"bridge/{variant}",
                system=SYSTEM,
                messages=[
                    Message(role="user", content=question_text(prob, order)),
                    Message(role="assistant", content=cot),
                ],
                reward=1.0,
                metadata={"ops": prob.ops, "answer": prob.answer, "variant": variant},
            )
            out.append(traj.model_dump(mode="json", exclude_none=True))
    return out


def _write(path: Path, rows: list[dict[str, Any]]) -> int:
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    tmp.replace(path)
    return len(rows)
