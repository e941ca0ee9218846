"""A few GRPO steps on CPU with a verifiable arithmetic reward, diagnostics before and after.

    nice -n 19 python plugins/rl/bench/bench_grpo_cpu.py                    # SmolLM2-135M-Instruct
    nice -n 19 python plugins/rl/bench/bench_grpo_cpu.py --base tiny --steps 2 --queries 4 \
        --rollouts 4 --eval-queries 4 --max-tokens 8                       # smoke (random model)

Everything goes through the harness commands a user runs (``harness generate rl-diagnostics``,
``harness train grpo``), in-process:

1. generated additions/subtractions (train and held-out prompts, different seeds);
2. diagnostics of the base model on the held-out prompts: ``--rollouts`` samples per query at
   temperature 1, alpha per query, P(0<alpha<1), E[sqrt(alpha(1-alpha))], co-influence on a fresh
   LoRA;
3. ``harness train grpo`` for ``--steps`` steps (LoRA, group ``--group``, the ``--reward`` metric);
4. the same diagnostics of the trained model (``hf/<run dir>``; co-influence on a fresh LoRA of
   the same seed and rank over the merged weights, comparable with step 2).

Prints one JSON document (with the machine's load average) and writes it to ``--out``/bench.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path
from typing import Any


def _only_child(path: Path) -> Path:
    (child,) = [p for p in path.iterdir() if p.is_dir()]
    return child


def _harness(argv: list[str]) -> None:
    from harness.cli.main import main

    rc = main(argv)
    if rc != 0:
        raise SystemExit(f"`harness {' '.join(argv)}` failed with exit code {rc}")


def diagnostics(
    model: str, data: Path, out: Path, args: argparse.Namespace, grad_model: str
) -> dict[str, Any]:
    started = time.perf_counter()
    _harness(
        ["generate", "rl-diagnostics", "--data", str(data), "--model", f"hf/{model}",
         "--rollouts", str(args.rollouts), "--max-tokens", str(args.max_tokens),
         "--temperature", "1.0", "--rewards", args.reward, "--grad-model", grad_model,
         "--pairs", str(args.pairs), "--out", str(out), "-M", f"max_batch_size={args.batch}"]
    )  # fmt: skip
    diag = json.loads((_only_child(out) / "diagnostics.json").read_text(encoding="utf-8"))
    diag["seconds"] = round(time.perf_counter() - started, 1)
    return diag


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--base", default="smollm2", help="smollm2 (default), tiny, or a checkpoint")
    p.add_argument("--steps", type=int, default=8)
    p.add_argument("--group", type=int, default=8, help="rollouts per prompt in training")
    p.add_argument("--prompts-per-step", type=int, default=2)
    p.add_argument("--queries", type=int, default=32, help="training prompts")
    p.add_argument("--eval-queries", type=int, default=16, help="held-out prompts diagnosed")
    p.add_argument("--rollouts", type=int, default=8, help="diagnostic rollouts per query")
    p.add_argument("--max-tokens", type=int, default=48)
    p.add_argument("--pairs", type=int, default=32, help="co-influence pairs")
    p.add_argument("--reward", default="answer_match")
    p.add_argument("--lr", type=float, default=5e-5, help="LoRA learning rate")
    p.add_argument("--batch", type=int, default=8, help="hf decoding batch")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--out", default="bench-out/rl")
    args = p.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    from harness_rl.arith import write_prompts

    out = Path(args.out) / time.strftime("%Y%m%d-%H%M%S")
    out.mkdir(parents=True)
    train_data = write_prompts(out / "train.jsonl", args.queries, seed=0)
    eval_data = write_prompts(out / "eval.jsonl", args.eval_queries, seed=1)
    base = args.base
    if base == "tiny":
        from harness.backends.hf.tiny import build_tiny_checkpoint

        base = str(build_tiny_checkpoint(out / "tiny-base", seed=0, hidden=32))
    load_before = os.getloadavg()
    before = diagnostics(base, eval_data, out / "diag-before", args, grad_model=base)

    started = time.perf_counter()
    _harness(
        ["train", "grpo", "--data", str(train_data), "--base-model", base,
         "--rewards", args.reward, "--preset", "cpu", "--max-steps", str(args.steps),
         "--group-size", str(args.group), "--prompts-per-step", str(args.prompts_per_step),
         "--max-response-tokens", str(args.max_tokens), "--learning-rate", str(args.lr),
         "--save-steps", str(args.steps), "--threads", str(args.threads),
         "--out", str(out / "train")]
    )  # fmt: skip
    train_seconds = time.perf_counter() - started
    run = _only_child(out / "train")
    steps = [json.loads(x) for x in (run / "steps.jsonl").read_text().splitlines() if x]
    # co-influence after: a fresh LoRA (same seed and rank) on the merged trained weights, so
    # the parameter space is the one measured before
    after = diagnostics(str(run), eval_data, out / "diag-after", args, grad_model=str(run))

    keys = ("mean_alpha", "p_informative", "e_sqrt", "histogram")
    report = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, torch threads {args.threads}",
        "load_avg_1_5_15": {"before": load_before, "after": os.getloadavg()},
        "args": vars(args),
        "train": {
            "run": str(run),
            "seconds": round(train_seconds, 1),
            "steps": [
                {k: s[k] for k in ("step", "reward", "kl", "response_length", "mixed_share")}
                for s in steps
            ],
        },
        "before": {k: before[k] for k in keys}
        | {"coinfluence": before["coinfluence"], "seconds": before["seconds"]},
        "after": {k: after[k] for k in keys}
        | {"coinfluence": after["coinfluence"], "seconds": after["seconds"]},
    }
    (out / "bench.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(json.dumps(report, indent=2))
    print(f"\nwritten to {out / 'bench.json'}")


if __name__ == "__main__":
    main()
