"""The MoDoMoDo loop end to end on CPU: the synthetic set's five training kinds, a small vision
policy trained by GRPO on each sampled mixture, the Out-Score on the three held-out kinds, the
quadratic and linear fits with k-fold CV, w*, and a policy trained on w*.

    nice -n 19 python plugins/modomodo/bench/bench_mixture_loop_cpu.py [--work-dir DIR]

Resumable: run it again with the same --work-dir (and settings) and finished mixtures are read
back, not retrained. Prints one line per mixture, the fit and w*, and the comparison table."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from harness_modomodo.loop import StudySettings, run_study
from harness_modomodo.metrics import Accuracy, Reward


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--work-dir", default="/tmp/modomodo-bench")
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--random-mixtures", type=int, default=14)
    ap.add_argument("--ridge", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    s = StudySettings(steps=a.steps, random_mixtures=a.random_mixtures, ridge=a.ridge, seed=a.seed)

    def log(event: str, **f: object) -> None:
        if event != "step":
            print(event, json.dumps(f), flush=True)

    t0 = time.time()
    summary = run_study(Path(a.work_dir), s, Accuracy(), Reward(), log, a.threads)
    wall = time.time() - t0
    work = Path(a.work_dir)
    print("\nmixture            " + " ".join(f"{k[:9]:>9}" for k in s.sources) + "  out_score")
    for f in sorted((work / "mixtures").glob("*.json")):
        o = json.loads(f.read_text())
        ws = " ".join(f"{w:9.3f}" for w in o["weights"])
        print(f"{o['label']:<18} {ws}  {o['out_score']:.4f}")
    fit = json.loads((work / "fit.json").read_text())
    print("\nfit on", fit["n"], "pairs; k-fold CV", json.dumps(fit["cv"]))
    print("train R^2: quadratic", fit["quadratic"]["train_r2"], "linear", fit["linear"]["train_r2"])
    print("w* =", fit["best"], "predicted", round(fit["predicted_best"], 4))
    print("\nOut-Score:", json.dumps(summary["out_score"], indent=1))
    print(
        "w* - uniform:",
        round(summary["w_star_minus_uniform"], 4),
        " w* - base:",
        round(summary["w_star_minus_base"], 4),
    )
    print(f"wall {wall:.0f} s (resumed mixtures are not retrained); plot {fit['plot']}")


if __name__ == "__main__":
    main()
