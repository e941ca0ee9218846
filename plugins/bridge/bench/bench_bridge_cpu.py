"""The behaviour-injection pipeline on CPU: generate -> per data variant SFT -> GRPO, with in- and
out-of-distribution accuracy and the RL plugin's rollout diagnostics before SFT, after SFT and
after RL, in one table with 95% CIs.

Every stage is a ``harness`` command in a subprocess (the plugins meet only through the command
line and data files) and is resumable: ``<out>/stages/<stage>.json`` marks it done and holds its
run directory; a stage without the marker is rerun from scratch.

    nice -n 19 python plugins/bridge/bench/bench_bridge_cpu.py --lanes 2       # SmolLM2-135M
    nice -n 19 python plugins/bridge/bench/bench_bridge_cpu.py --profile smoke # tiny random base

Stages: ``generate`` (``harness generate bridge --preset cpu``), ``eval_before`` /
``diag_before`` (the base), then per variant (plain, bridge, question_aug, answer_aug):
``sft_<v>`` (``harness train actionstudio --data sft_<v>.jsonl``), ``eval_sft_<v>``,
``diag_sft_<v>``, ``rl_<v>`` (``harness train grpo --data rl_train.jsonl --base-model <sft run>
--rewards bridge_boxed_answer``), ``eval_rl_<v>``, ``diag_rl_<v>``; then ``report.md`` and
``report.json``. Accuracy CIs come from ``harness run`` (bootstrap over samples); the CIs of
P(0<alpha<1) and E[sqrt(alpha(1-alpha))] are bootstraps over queries of ``alpha.jsonl``.

``--lanes 2`` runs the variants as two chains side by side, each stage's engines (torch and
llama.cpp, through ``OMP_NUM_THREADS``) on ``threads / 2`` threads. When GRPO leaves a variant's
weights exactly as SFT left them (every reward in every group equal, so every advantage 0), the
after-RL row reuses the after-SFT measurements and says so: the same tensors give the same greedy
answers and rollouts from the same distribution.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

VARIANTS = ("plain", "bridge", "question_aug", "answer_aug")

PROFILES: dict[str, dict[str, Any]] = {
    # SmolLM2-135M-Instruct, LoRA SFT, a few GRPO steps, sized to finish in one ~2 h sitting on
    # two cores (a sitting's machine does not outlive it, so a bench cannot resume in the next):
    # every variant gets the same 16 LoRA steps of 2 problems (equal compute; the paper gives the
    # 4x-data baselines equal epochs, which was 4x the SFT time here), 12 problems per split,
    # 8 x 4 diagnostic rollouts. The first, larger preset (64 SFT problems, batch 4, 1 epoch, 20
    # per split, 10 x 4 rollouts, 4 GRPO steps) took ~4.8 h and never finished in one sitting.
    "cpu": {
        "base": "smollm2",
        "n_sft": 32,
        "n_rl": 32,
        "n_eval": 12,
        "sft_steps": 16,
        "sft_epochs": 1.0,
        "sft_batch": 2,
        "sft_lr": 1e-3,
        "grpo_steps": 3,
        "group": 4,
        "prompts_per_step": 2,
        # replies and rollouts: above the longest gold answer of every SFT variant (BRIDGE's
        # injected chains run to ~620 SmolLM2 tokens on 2-5 operations, plain ones to ~260);
        # 320 cut 44% of BRIDGE's gold answers, so a model that had learned them would fail
        "max_tokens": 640,
        "rollouts": 4,
        "diag_n": 8,
        "pairs": 16,
        "eval_backend": "llamacpp",
        "budget_check": True,
    },
    # the tiny random base, every size minimal: checks the pipeline, not the method
    "smoke": {
        "base": "tiny",
        "n_sft": 4,
        "n_rl": 4,
        "n_eval": 2,
        "sft_steps": 2,
        "sft_epochs": 1.0,
        "sft_batch": 2,
        "sft_lr": 1e-3,
        "grpo_steps": 1,
        "group": 2,
        "prompts_per_step": 1,
        "max_tokens": 16,
        "rollouts": 2,
        "diag_n": 2,
        "pairs": 2,
        "eval_backend": "hf",  # the tiny random base has no GGUF form
        "budget_check": False,  # 16 tokens: the plumbing, not the method
    },
}


def _run_child(cmd: list[str], cwd: Path, env: dict[str, str], log: Path) -> tuple[int, float]:
    """Run ``cmd`` with its output in ``log``; return (exit code, CPU seconds of it and its
    descendants), the CPU from ``wait4`` for this child alone (lanes run children side by side)."""
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, usage.ru_utime + usage.ru_stime


class Bench:
    def __init__(self, out: Path, cfg: dict[str, Any], threads: int, lanes: int = 1) -> None:
        self.out = out.resolve()
        self.lanes = lanes
        self.cfg = cfg
        self.stages = self.out / "stages"
        self.stages.mkdir(parents=True, exist_ok=True)
        self.env = {**os.environ, "OMP_NUM_THREADS": str(threads)}
        self.threads = threads

    # ------------------------------------------------------------------ stage plumbing

    def stage(self, name: str, argv: list[str], env: dict[str, str] | None = None) -> Path:
        """Run ``harness ARGV --out <stages>/<name>`` unless done; return its run directory."""
        marker = self.stages / f"{name}.json"
        if marker.exists():
            return Path(json.loads(marker.read_text())["run_dir"])
        work = self.stages / name
        if work.exists():
            shutil.rmtree(work)  # an interrupted stage starts over
        work.mkdir()
        env = env or self.env
        cmd = [sys.executable, "-m", "harness", *argv, "--out", str(work)]
        print(f"[{name}] {' '.join(cmd[2:])}", flush=True)
        t0 = time.time()
        log = self.stages / f"{name}.log"
        code, cpu = _run_child(cmd, self.out, env, log)
        if code != 0:
            tail = log.read_text(errors="replace")[-3000:]
            raise SystemExit(f"[{name}] failed ({code}), {log}:\n{tail}")
        runs = [p for p in work.iterdir() if p.is_dir() and (p / "run.json").exists()]
        if len(runs) != 1:
            sys.exit(f"[{name}] expected one run directory in {work}, found {len(runs)}")
        secs = round(time.time() - t0, 1)
        cpu = round(cpu, 1)  # unlike wall time, unaffected by a paused machine or the other lane
        info = {"run_dir": str(runs[0]), "seconds": secs, "cpu_seconds": cpu, "argv": argv}
        info |= {"threads": int(env["OMP_NUM_THREADS"]), "lanes": self.lanes}
        marker.write_text(json.dumps(info))
        print(f"[{name}] done in {secs} s ({cpu} s of CPU) -> {runs[0]}", flush=True)
        return runs[0]

    def rel(self, path: Path | str) -> str:
        """``hf/`` takes a path relative to the working directory (the bench's out dir)."""
        return os.path.relpath(path, self.out) if isinstance(path, Path) else path

    # ------------------------------------------------------------------ the pipeline

    def run(self, variants: list[str]) -> dict[str, Any]:
        """Generate, then measure the base and run each variant's SFT -> GRPO chain: jobs that
        ``lanes`` workers take in turn (each stage's engines get ``threads // lanes`` threads:
        two one-thread processes on two cores outrun one process of two threads on a model this
        small)."""
        c = self.cfg
        gen = self.stage(
            "generate",
            ["generate", "bridge", "--preset", "cpu", "--n-sft", str(c["n_sft"]),
             "--n-rl", str(c["n_rl"]), "--n-eval", str(c["n_eval"])],
        )  # fmt: skip
        base_dir, base_hf = self.base()
        self.check_budget(gen, base_dir)
        env = {**self.env, "OMP_NUM_THREADS": str(max(1, self.threads // self.lanes))}
        rows: dict[str, Any] = {}

        def job(v: str | None) -> None:  # None: the base; lanes take jobs as they free up
            if v is None:
                rows["before"] = self.measure("before", base_hf, base_dir, gen, env)
            else:
                rows.update(self.variant(v, base_dir, gen, env))

        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(self.lanes) as pool:
            for f in [pool.submit(job, v) for v in [None, *variants]]:
                f.result()
        order = ["before"] + [f"{k}/{v}" for v in variants for k in ("sft", "rl")]
        return {k: rows[k] for k in order}

    def variant(self, v: str, base_dir: str, gen: Path, env: dict[str, str]) -> dict[str, Any]:
        c = self.cfg
        threads = env["OMP_NUM_THREADS"]
        sft = self.stage(
            f"sft_{v}",
            ["train", "actionstudio", "--data", str(gen / f"sft_{v}.jsonl"),
             "--base-model", base_dir, "--lora", "--max-steps", str(c["sft_steps"]),
             "--epochs", str(c["sft_epochs"]),
             "--batch-size", str(c["sft_batch"]), "--learning-rate", str(c["sft_lr"]),
             "--max-seq-length", "2048"],
            env,
        )  # fmt: skip
        rows = {f"sft/{v}": self.measure(f"sft_{v}", self.model(sft), str(sft), gen, env)}
        rl = self.stage(
            f"rl_{v}",
            ["train", "grpo", "--data", str(gen / "rl_train.jsonl"),
             "--base-model", str(sft), "--rewards", "bridge_boxed_answer",
             "--preset", "cpu", "--max-steps", str(c["grpo_steps"]),
             "--group-size", str(c["group"]),
             "--prompts-per-step", str(c["prompts_per_step"]),
             "--max-response-tokens", str(c["max_tokens"]), "--threads", threads],
            env,
        )  # fmt: skip
        if same_weights(sft, rl):
            # GRPO made no update (every group's rewards equal, so every advantage 0): the
            # after-RL model is the after-SFT model tensor for tensor: same greedy answers, rollouts
            # from the same distribution, so the measurements are reused and marked
            print(f"[rl_{v}] weights equal to sft_{v}'s: its measurements are reused", flush=True)
            rows[f"rl/{v}"] = {**rows[f"sft/{v}"], "same_weights_as": f"sft/{v}"}
        else:
            rows[f"rl/{v}"] = self.measure(f"rl_{v}", self.model(rl), str(rl), gen, env)
        return rows

    def check_budget(self, gen: Path, base_dir: str) -> None:
        """Refuse a reply budget below the longest gold answer in the SFT data: the variants
        with longer chains (BRIDGE's) would be cut off and scored as format failures."""
        from transformers import AutoTokenizer

        if base_dir == "smollm2":
            from harness.backends.hf.smollm2 import smollm2_checkpoint

            base_dir = str(smollm2_checkpoint())
        tok = AutoTokenizer.from_pretrained(base_dir)
        longest: dict[str, int] = {}
        for f in sorted(gen.glob("sft_*.jsonl")):
            for line in f.read_text(encoding="utf-8").splitlines():
                msgs = json.loads(line)["messages"]
                answer = [m["content"] for m in msgs if m["role"] == "assistant"][-1]
                n = len(tok(answer)["input_ids"])
                longest[f.stem] = max(longest.get(f.stem, 0), n)
        self.cfg["longest_gold_answer"] = longest
        worst = max(longest.values())
        if worst > self.cfg["max_tokens"]:
            msg = (
                f"--max-tokens {self.cfg['max_tokens']} is below the longest gold answer of the "
                f"SFT data ({longest}, in tokens): give --max-tokens {worst} or more"
            )
            if self.cfg.get("budget_check", True):
                raise SystemExit(msg)
            print(f"note: {msg} (not enforced in this profile)", flush=True)

    def model(self, run: Path) -> str:
        """The model spec that evaluates and samples a trained run: ``llamacpp/`` through its
        GGUF conversion when the base is SmolLM2 (llama.cpp generates several times faster
        than transformers on CPU, and samples the whole distribution like hf/), else ``hf/``."""
        if self.cfg["base"] == "smollm2" and self.cfg["eval_backend"] == "llamacpp":
            return f"llamacpp/{run}"
        return f"hf/{self.rel(run)}"

    def base(self) -> tuple[str, str]:
        """(checkpoint for the trainers and gradients, model spec for evaluation)."""
        if self.cfg["base"] == "smollm2":
            if self.cfg["eval_backend"] == "llamacpp":
                from harness.backends.hf.smollm2 import smollm2_checkpoint

                # the dequantised base converted like the trained runs: one path for all rows
                return "smollm2", f"llamacpp/{smollm2_checkpoint()}"
            return "smollm2", "hf/smollm2"
        path = self.out / "tiny_base"
        if not (path / "config.json").exists():
            from harness.backends.hf.tiny import build_tiny_checkpoint

            build_tiny_checkpoint(path, seed=0)
        return str(path), f"hf/{self.rel(path)}"

    def measure(
        self, tag: str, model: str, grad_model: str, gen: Path, env: dict[str, str]
    ) -> dict[str, Any]:
        c = self.cfg
        ev = self.stage(
            f"eval_{tag}",
            ["run", "bridge", "--model", model, "-T", f"n={c['n_eval']}",
             "-T", f"max_tokens={c['max_tokens']}", "-G", "temperature=0"],
            env,
        )  # fmt: skip
        diag = self.stage(
            f"diag_{tag}",
            ["generate", "rl-diagnostics", "--data", str(gen / "eval_id.jsonl"),
             "--limit", str(c["diag_n"]), "--model", model, "--rollouts", str(c["rollouts"]),
             "--max-tokens", str(c["max_tokens"]), "--rewards", "bridge_boxed_answer",
             "--grad-model", grad_model, "--pairs", str(c["pairs"])],
            env,
        )  # fmt: skip
        return summarize(ev, diag)


def same_weights(run_a: Path, run_b: Path) -> bool:
    """Whether two training runs' ``final/`` checkpoints hold the same tensors, bit for bit."""
    import torch
    from safetensors.torch import load_file

    def tensors(run: Path) -> dict[str, torch.Tensor]:
        files = sorted((run / "final").glob("*.safetensors"))
        if not files:
            raise SystemExit(f"no safetensors checkpoint in {run / 'final'}")
        out: dict[str, torch.Tensor] = {}
        for f in files:
            out.update(load_file(f))
        return out

    a, b = tensors(run_a), tensors(run_b)
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


# ---------------------------------------------------------------------- the table


def summarize(eval_dir: Path, diag_dir: Path) -> dict[str, Any]:
    from harness.stats import bootstrap_ci

    res = json.loads((eval_dir / "results.json").read_text())
    metrics = {m["name"]: m for m in res["metrics"]}
    row: dict[str, Any] = {}
    for split in ("id", "ood"):
        g = metrics["bridge_boxed_answer"]["groups"][f"split={split}"]
        row[f"acc_{split}"] = [g["mean"], g["ci_low"], g["ci_high"], g["samples"]]
    ff = metrics["bridge_format_failure"]
    row["format_fail"] = [ff["mean"], ff["ci_low"], ff["ci_high"], ff["samples"]]
    alphas = [
        json.loads(line)["alpha"] for line in (diag_dir / "alpha.jsonl").read_text().splitlines()
    ]
    inf = [1.0 if 0 < a < 1 else 0.0 for a in alphas]
    sq = [math.sqrt(a * (1 - a)) for a in alphas]
    row["p_informative"] = [sum(inf) / len(inf), *bootstrap_ci(inf), len(inf)]
    row["e_sqrt"] = [sum(sq) / len(sq), *bootstrap_ci(sq), len(sq)]
    diag = json.loads((diag_dir / "diagnostics.json").read_text())
    co = diag.get("coinfluence") or {}
    row["coinfluence"] = {k: co.get(k) for k in ("mean", "signed", "pairs")}
    row["mean_alpha"] = diag.get("mean_alpha")
    return row


def fmt(v: list[Any]) -> str:
    mean, lo, hi, _ = v
    if lo is None:
        return f"{mean:.3f}"
    return f"{mean:.3f} [{lo:.3f}, {hi:.3f}]"


def table(rows: dict[str, Any]) -> str:
    head = (
        "| stage / variant | acc ID | acc OOD | format failures | P(0<α<1) | E√(α(1−α)) | "
        "co-influence mean (signed) |\n|---|---|---|---|---|---|---|"
    )
    lines = [head]
    for name, r in rows.items():
        co = r["coinfluence"]
        co_s = "-" if co.get("mean") is None else f"{co['mean']:.3g} ({co['signed']:.3g})"
        if r.get("same_weights_as"):
            name = f"{name} (= {r['same_weights_as']}: weights unchanged, measurements reused)"
        lines.append(
            f"| {name} | {fmt(r['acc_id'])} | {fmt(r['acc_ood'])} | {fmt(r['format_fail'])} | "
            f"{fmt(r['p_informative'])} | {fmt(r['e_sqrt'])} | {co_s} |"
        )
    n = rows["before"]["acc_id"][3]
    q = rows["before"]["p_informative"][3]
    lines.append(
        f"\nAccuracy: {n} problems per split, greedy, 95% bootstrap CI over problems; "
        f"diagnostics: {q} in-distribution problems x rollouts at temperature 1, CI over problems; "
        "co-influence: gradient inner products on LoRA parameters of the model measured."
    )
    return "\n".join(lines)


def stage_times(stages: Path) -> str:
    """Wall and CPU seconds of each stage, from its marker (a stage run in an earlier call keeps
    the times it took then; markers written before CPU time was recorded have none)."""
    lines = ["| stage | wall s | CPU s |", "|---|---|---|"]
    total, total_cpu = 0.0, 0.0
    for marker in sorted(stages.glob("*.json"), key=lambda p: p.stat().st_mtime):
        info = json.loads(marker.read_text())
        seconds, cpu = float(info["seconds"]), info.get("cpu_seconds")
        total += seconds
        total_cpu += cpu or 0.0
        lines.append(f"| {marker.stem} | {seconds:.0f} | {'-' if cpu is None else f'{cpu:.0f}'} |")
    lines.append(f"| all stages | {total:.0f} | {total_cpu:.0f} (stages with a CPU figure) |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--profile", choices=sorted(PROFILES), default="cpu")
    ap.add_argument("--out", type=Path, default=None, help="default: bench/out/bridge_<profile>")
    ap.add_argument("--variants", nargs="+", choices=VARIANTS, default=list(VARIANTS))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument(
        "--lanes", type=int, default=1, help="variant chains run side by side (threads split)"
    )
    for key, val in PROFILES["cpu"].items():
        if key not in ("base", "budget_check"):
            ap.add_argument(f"--{key.replace('_', '-')}", type=type(val), default=None)
    ap.add_argument("--base", choices=["smollm2", "tiny"], default=None)
    args = ap.parse_args()
    cfg = dict(PROFILES[args.profile])
    for key in cfg:
        given = getattr(args, key, None)
        if given is not None:
            cfg[key] = given
    out = args.out or Path(__file__).parent / "out" / f"bridge_{args.profile}"
    t0 = time.time()
    bench = Bench(out, cfg, args.threads, args.lanes)
    rows = bench.run(args.variants)
    text = table(rows) + "\n\nWall time per stage:\n\n" + stage_times(bench.stages)
    (bench.out / "report.json").write_text(json.dumps({"config": cfg, "rows": rows}, indent=2))
    (bench.out / "report.md").write_text(text + "\n")
    print(text)
    print(f"\nwall {time.time() - t0:.0f} s (stages already done were skipped); {bench.out}")


if __name__ == "__main__":
    main()
