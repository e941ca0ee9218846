"""MEND's training claim on a small model: fine-tune with and without query augmentation on the
same budget, then compare reasoning consistency.

    python bench/bench_mend_training.py [--base-model smollm2|tiny|DIR] [--steps 60]
        [--train-problems 60] [--eval-items 30] [--batch-size 4] [--lora] [--out DIR]

Training data: ``harness generate mend`` on generated logic problems of a *training* seed (the
evaluation items use another seed, so no item is trained on), once with ``augment=none`` (the
original queries) and once with ``augment=mend`` (original plus permuted, redundant and
combined queries; the target, chain then answer, is the same for every form). Both runs use
``harness train actionstudio`` with the same optimizer steps, batch size and learning rate, so
both see the same number of examples. Each final checkpoint is evaluated through ``hf/`` on the
``mend`` task (logic items, in and out of distribution) and the script prints, per model,
accuracy per form and both consistency metrics with their item-clustered 95% CIs.

``--base-model smollm2`` is SmolLM2-135M-Instruct in transformers, from the core's ``hf/``
SmolLM2 loader (``harness.backends.hf.smollm2``); until that loader is on main the script says so
and stops. ``--base-model tiny`` (a random 2-layer model built locally) runs anywhere in a minute
and checks the plumbing; its figures mean nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

METRICS = (
    "acc_original",
    "acc_permuted",
    "acc_redundant",
    "acc_combined",
    "consistent_correct",
    "consistent_answer",
)
TRAIN_SEED = 1  # logic problems trained on; evaluation uses logic_seed 0


def resolve_base(name: str) -> str:
    """A checkpoint directory (or ``tiny``) for ``--base-model``."""
    if name != "smollm2":
        return name
    from harness.backends.hf.smollm2 import smollm2_checkpoint

    return str(smollm2_checkpoint())


def make_data(out: Path, augment: str, problems: int) -> tuple[Path, dict[str, Any]]:
    """Training trajectories (logic, training seed) with or without MEND's augmentation."""
    from harness_mend.generator import MendGenerator

    from harness.jobs import JobContext

    out.mkdir(parents=True, exist_ok=True)
    gen = MendGenerator(
        MendGenerator.Options(
            source="logic", n_logic=problems, logic_seed=TRAIN_SEED, augment=augment, copies=3
        )
    )
    ctx = JobContext(out, 0, None, None)  # type: ignore[arg-type]
    try:
        summary = asyncio.run(gen.generate(ctx))
    finally:
        ctx.close()
    return out / "trajectories.jsonl", summary


def train(data: Path, out: Path, base: str, steps: int, batch: int, lr: float, lora: bool) -> Path:
    """``harness train actionstudio`` in-process, the same budget for every call; -> final/."""
    from harness_actionstudio.options import TrainOptions
    from harness_actionstudio.trainer import ActionStudioTrainer

    from harness.jobs import JobContext

    opts = TrainOptions(
        data=[str(data)],
        base_model=base,
        lora=lora,
        max_steps=steps,
        batch_size=batch,
        learning_rate=lr,
        warmup_steps=0,
        save_steps=max(steps, 1),
        preview=0,
        max_seq_length=512,
    )
    out.mkdir(parents=True, exist_ok=True)
    ctx = JobContext(out, 0, None, None)  # type: ignore[arg-type]
    try:
        ActionStudioTrainer(opts).train(ctx)
    finally:
        ctx.close()
    return out / "final"


def evaluate(model_dir: Path, out: Path, items: int, max_tokens: int) -> dict[str, Any]:
    """The mend task on ``hf/<model_dir>``: logic items in and out of distribution."""
    from harness.run.runner import Runner
    from harness.schemas import RunConfig

    cfg = RunConfig(
        task="mend",
        task_params={
            "source": "logic",
            "distribution": "both",
            "n_logic": items,
            "max_tokens": max_tokens,
        },
        model=f"hf/{model_dir}",
        max_concurrency=4,
    )
    _, result = Runner(cfg, out).run()
    rows: dict[str, Any] = {}
    for m in result.metrics:
        if m.name in METRICS:
            rows[m.name] = {"all": (m.mean, m.ci_low, m.ci_high, m.samples)}
            for g in ("distribution=id", "distribution=ood"):
                v = m.groups.get(g) or {}
                rows[m.name][g] = (
                    v.get("mean"),
                    v.get("ci_low"),
                    v.get("ci_high"),
                    v.get("samples"),
                )
    return rows


def fmt(cell: tuple[Any, ...]) -> str:
    mean, lo, hi, n = cell
    if mean is None:
        return "-"
    return f"{mean:.3f} [{lo:.3f}, {hi:.3f}] (n={n})"


def table(results: dict[str, dict[str, Any]]) -> str:
    lines = [
        "| metric | split | " + " | ".join(results) + " |",
        "|---|---|" + "---|" * len(results),
    ]
    for name in METRICS:
        for split in ("all", "distribution=id", "distribution=ood"):
            cells = [fmt(r[name][split]) if name in r else "-" for r in results.values()]
            lines.append(f"| {name} | {split.split('=')[-1]} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def run_bench(
    out: Path,
    base_model: str,
    steps: int,
    train_problems: int,
    eval_items: int,
    batch: int,
    lr: float,
    lora: bool,
    max_tokens: int,
) -> dict[str, Any]:
    base = resolve_base(base_model)
    results: dict[str, dict[str, Any]] = {}
    data_summary: dict[str, Any] = {}
    for augment in ("none", "mend"):
        data, summary = make_data(out / f"data-{augment}", augment, train_problems)
        data_summary[augment] = summary["trajectories"]
        final = train(data, out / f"train-{augment}", base, steps, batch, lr, lora)
        results[f"augment={augment}"] = evaluate(
            final, out / f"eval-{augment}", eval_items, max_tokens
        )
    return {"trajectories": data_summary, "results": results}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--base-model", default="smollm2")
    p.add_argument("--steps", type=int, default=60)
    p.add_argument("--train-problems", type=int, default=60)
    p.add_argument("--eval-items", type=int, default=30)
    p.add_argument("--batch-size", type=int, default=4)
    p.add_argument("--learning-rate", type=float, default=5e-5)
    p.add_argument("--lora", action="store_true")
    p.add_argument("--max-tokens", type=int, default=48)
    p.add_argument("--out", type=Path, default=None)
    a = p.parse_args()
    out = a.out or Path(tempfile.mkdtemp(prefix="bench-mend-"))
    report = run_bench(
        out,
        a.base_model,
        a.steps,
        a.train_problems,
        a.eval_items,
        a.batch_size,
        a.learning_rate,
        a.lora,
        a.max_tokens,
    )
    print(
        f"base model: {a.base_model}; {a.steps} steps x batch {a.batch_size}, lr "
        f"{a.learning_rate}{', LoRA' if a.lora else ''}; training trajectories: "
        f"{report['trajectories']}; evaluation: {a.eval_items} logic items per split"
    )
    print(table(report["results"]))
    (out / "bench_mend_training.json").write_text(json.dumps(report, indent=2))
    print(f"written: {out / 'bench_mend_training.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
