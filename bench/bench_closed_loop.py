"""The closed loop: evaluate the base, generate verified data, verify, train, evaluate the trained
model, on SpecTool's held-out query templates; before/after with paired CIs and a learning curve.

    python bench/bench_closed_loop.py --profile quick --lanes 2  # 2 min 45 s: the loop runs
    python bench/bench_closed_loop.py --profile small            # 39 min measured, loaded
    python bench/bench_closed_loop.py --profile full --lanes 2   # 70 min measured: LoRA, full FT
    python bench/bench_closed_loop.py --profile full --methods lora --parity-samples 0  # 39 min
    python bench/bench_closed_loop.py --profile paper            # every query, ~6 h: not run
    python bench/bench_closed_loop.py --profile quick --out DIR  # resumes DIR stage by stage
    python bench/bench_closed_loop.py compare RUN_A RUN_B         # any two runs of one task
    python bench/bench_closed_loop.py compare A1+A2 B1+B2         # pooled over disjoint samples

Stages (each writes ``<out>/<stage>.json`` when done, and is skipped when that file exists, so an
interrupted bench resumes where it stopped): ``split`` (held-out templates, the disjointness check,
both sides' hashes), ``eval_base``, ``generate`` (``harness generate spectool-oracle`` on the train
side), ``verify`` (every trajectory replayed in a fresh environment, then ActionStudio's checks),
``train_<method>`` (``harness train actionstudio``), ``eval_<method>`` (``harness run spectool
--model hf/<train run>`` on the test side, plus each saved checkpoint for the learning curve) and
``report`` (``report.md``, ``report.json``, ``learning_curve.png``). Every command is the CLI a user
would type; sizes are flags that override the profile.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

PROFILES: dict[str, dict[str, Any]] = {
    # ci: the test in tests/ (tiny random model, 3 held-out queries, sequence length <= 512)
    "ci": {
        "base": None,  # the test passes --base (a tiny random model it builds)
        "eval_queries": 3,
        "eval_steps": 2,
        "eval_tokens": 16,
        "protocols": ["native"],
        "categories": ["Data", "Tools"],  # the domains with the shortest tool lists
        "train_limit": 8,
        "train_steps": 2,
        "batch": 1,
        "grad_accum": 1,
        "lr": 1e-3,
        "max_seq": 512,
        "save_steps": 1000,
        "methods": ["lora"],
        "eval_backend": "hf",  # the tiny random model has no GGUF form
        "parity_samples": 0,
        "sources": ["spectool"],
        "apigen_tasks": 40,
    },
    # 2 min 45 s idle with --lanes 2 (2026-12-03): the loop runs on the real base; n = 4 cannot
    # show learning beyond the format
    "quick": {
        "base": "smollm2",
        "eval_queries": 4,
        "eval_steps": 3,
        "eval_tokens": 48,
        "protocols": ["text"],
        "categories": [],
        "train_limit": 32,
        "train_steps": 8,
        "batch": 1,
        "grad_accum": 1,
        "lr": 1e-3,
        "max_seq": 1280,
        "save_steps": 1000,
        "methods": ["lora"],
        "eval_backend": "llamacpp",
        "parity_samples": 0,
        "sources": ["spectool"],
        "apigen_tasks": 40,
    },
    # the first profile measured on the real base (called "quick" until 2026-12-02, 39 min loaded)
    "small": {
        "base": "smollm2",
        "eval_queries": 12,
        "eval_steps": 4,
        "eval_tokens": 64,
        "protocols": ["text"],
        "categories": [],
        "train_limit": None,
        "train_steps": 24,
        "batch": 2,
        "grad_accum": 1,
        "lr": 1e-3,
        "max_seq": 1280,
        "save_steps": 1000,
        "methods": ["lora"],
        "eval_backend": "llamacpp",
        "parity_samples": 10,
        "sources": ["spectool"],
        "apigen_tasks": 40,
    },
    # the README's table (measured 2026-12-03 on two idle cores: with --lanes 2 the LoRA path took
    # 46 min at 31.5 s a LoRA step on one core, full fine-tuning's 70 min; LoRA alone with one
    # lane, every stage on both cores, 38.8 min with the same scores),
    # sized so that a sitting's machine holds the whole run (called "medium" when defined). The
    # small profile's 4 steps left no room to recover from one wrong call, and its 24 steps of
    # batch 2 saw 48 of 272 examples. Text protocol, 24 held-out queries, 8 steps of 128 tokens,
    # 80 LoRA steps; 1536 tokens keeps most text trajectories (mean 1,043, max 2,097) and batch 2
    # well under the memory that batch 4 at 2304 exceeded (killed at 20 GB resident,
    # bench/bench_sft_logits.py).
    "full": {
        "base": "smollm2",
        "eval_queries": 24,
        "eval_steps": 8,
        "eval_tokens": 128,
        "protocols": ["text"],
        "categories": [],
        "train_limit": None,
        "train_steps": 80,
        "batch": 2,
        "grad_accum": 1,
        "lr": 1e-3,
        "max_seq": 1536,
        "save_steps": 40,
        "methods": ["lora", "full"],
        "eval_backend": "llamacpp",
        "parity_samples": 10,
        "sources": ["spectool"],
        "apigen_tasks": 40,
    },
    # the paper's sizes on SpecTool: every held-out query, its 10 steps of 200 tokens, text and
    # native data plus apigen-mt and sanity, 120 steps of 4 examples; ~6 h on two cores (the
    # evaluations alone are up to 92k generated tokens each), more than a sitting: not run
    "paper": {
        "base": "smollm2",
        "eval_queries": 0,  # 0: every held-out query
        "eval_steps": 10,
        "eval_tokens": 200,
        "protocols": ["text", "native"],
        "categories": [],
        "train_limit": None,
        "train_steps": 120,
        # 4 examples a step as 2 x 2 accumulated: a batch of 4 trajectories at 2304 tokens was
        # killed at 20 GB resident (fp32 activations of 30 layers; bench/bench_sft_logits.py)
        "batch": 2,
        "grad_accum": 2,
        "lr": 5e-4,
        "max_seq": 2304,
        "save_steps": 40,
        "methods": ["lora", "full"],
        "eval_backend": "llamacpp",
        "parity_samples": 20,
        "sources": ["spectool", "apigen-mt", "sanity"],
        "apigen_tasks": 40,
    },
}
METRICS = ["SR", "IAC", "RAC", "IAV", "IFE", "IAT", "IAN", "IFN"]


# ------------------------------------------------------------------ helpers


def harness(
    args: list[str], log: Path, in_process: bool = False, env: dict[str, str] | None = None
) -> None:
    """One harness CLI call, its output appended to ``log``; a failure stops the bench."""
    if in_process:  # the CI test: no interpreter start-up per stage
        from harness.cli.main import main as cli

        with log.open("a", encoding="utf-8") as f:
            f.write(f"$ harness {shlex.join(args)}\n")
        rc = cli(args)
        if rc != 0:
            raise SystemExit(f"harness {' '.join(args[:2])} failed (exit {rc})")
        return
    cmd = [sys.executable, "-m", "harness", *args]
    with log.open("a", encoding="utf-8") as f:
        f.write(f"$ harness {shlex.join(args)}\n")
        f.flush()
        rc = subprocess.call(cmd, stdout=f, stderr=subprocess.STDOUT, env=env)
    if rc != 0:
        raise SystemExit(f"harness {' '.join(args[:2])} failed (exit {rc}); see {log}")


def only_run(parent: Path) -> Path:
    runs = sorted(p for p in parent.iterdir() if p.is_dir() and (p / "run.json").exists())
    if not runs:
        raise SystemExit(f"no run directory in {parent}")
    return runs[-1]


def records(run: Path) -> dict[str, dict[str, float]]:
    """sample id -> metric -> value, from a run's samples.jsonl (last record of each id). A path
    ``RUN1+RUN2`` pools runs of disjoint samples (say one model on two halves of a split); a path
    that exists is one run, even with a "+" in it."""
    parts = [run] if run.exists() else [Path(p) for p in str(run).split("+")]
    out: dict[str, dict[str, float]] = {}
    for part in parts:
        if not (part / "samples.jsonl").is_file():
            raise SystemExit(f"{part}: not a run directory (no samples.jsonl)")
        mine: dict[str, dict[str, float]] = {}
        for line in (part / "samples.jsonl").read_text(encoding="utf-8").splitlines():
            r = json.loads(line)
            if r.get("status") != "ok":
                mine[r["sample_id"]] = dict.fromkeys(METRICS, 0.0)
                continue
            mine[r["sample_id"]] = {k: float(v["value"]) for k, v in r["scores"].items()}
        if len(parts) > 1 and set(mine) & set(out):
            raise SystemExit(f"{part}: its samples overlap the other pooled runs'")
        out.update(mine)
    return out


def _sanity_records(run: Path) -> dict[str, tuple[str, dict[str, float]]]:
    out = {}
    for line in (run / "samples.jsonl").read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        scores = {k: float(v["value"]) for k, v in (r.get("scores") or {}).items()}
        out[r["sample_id"]] = ((r.get("output") or {}).get("completion", ""), scores)
    return out


def paired(before: Path, after: Path) -> dict[str, dict[str, Any]]:
    """Per metric: before and after means, the difference, and 95% CIs; the CI of the difference
    is a paired bootstrap clustered by sample (harness.stats)."""
    from harness.stats import bootstrap_ci, cluster_bootstrap_ci

    a, b = records(before), records(after)
    ids = sorted(set(a) & set(b))
    out: dict[str, dict[str, Any]] = {}
    for m in METRICS:
        xa = [a[i].get(m, 0.0) for i in ids]
        xb = [b[i].get(m, 0.0) for i in ids]
        diff = [[y - x] for x, y in zip(xa, xb, strict=True)]
        out[m] = {
            "n": len(ids),
            "before": sum(xa) / len(ids) if ids else None,
            "before_ci": bootstrap_ci(xa),
            "after": sum(xb) / len(ids) if ids else None,
            "after_ci": bootstrap_ci(xb),
            "diff": sum(d[0] for d in diff) / len(ids) if ids else None,
            "diff_ci": cluster_bootstrap_ci(diff),
        }
    return out


def fmt(v: float | None, ci: Any = None) -> str:
    if v is None:
        return "-"
    s = f"{v:.3f}"
    return s + (f" [{ci[0]:.3f}, {ci[1]:.3f}]" if ci and ci[0] is not None else "")


def table(cmp: dict[str, dict[str, Any]], label_a: str, label_b: str) -> str:
    lines = [
        f"| metric | {label_a} | {label_b} | difference (paired 95% CI) |",
        "|---|---|---|---|",
    ]
    for m, r in cmp.items():
        lines.append(
            f"| {m} | {fmt(r['before'], r['before_ci'])} | {fmt(r['after'], r['after_ci'])} "
            f"| {fmt(r['diff'], r['diff_ci'])} |"
        )
    return "\n".join(lines)


# ------------------------------------------------------------------ the bench


class Bench:
    def __init__(self, a: argparse.Namespace) -> None:
        self.a = a
        self.p = {**PROFILES[a.profile], **{k: v for k, v in vars(a).items() if v is not None}}
        self.out = Path(a.out)
        self.out.mkdir(parents=True, exist_ok=True)
        self.times: dict[str, float] = {}
        self.lanes = 1 if a.in_process else a.lanes
        # with lanes, every engine of every stage gets threads / lanes threads (torch and
        # llama.cpp both read OMP_NUM_THREADS)
        threads = max(1, (os.cpu_count() or 1) // self.lanes) if self.lanes > 1 else None
        self.env = {**os.environ, "OMP_NUM_THREADS": str(threads)} if threads else None
        self._lane = threading.local()

    @property
    def log(self) -> Path:
        """The commands log of the calling lane (two lanes' outputs would interleave)."""
        return self.out / getattr(self._lane, "log", "commands.log")

    def call(self, args: list[str]) -> None:
        harness(args, self.log, self.a.in_process, self.env)

    def stage(self, name: str, fn: Any) -> dict[str, Any]:
        done = self.out / f"{name}.json"
        if done.exists():
            result: dict[str, Any] = json.loads(done.read_text(encoding="utf-8"))
            print(f"[{name}] done before ({result.get('seconds', 0):.0f} s), skipped")
            return result
        print(f"[{name}] ...", flush=True)
        t0, started = time.perf_counter(), time.time()
        result = fn()
        result["seconds"] = round(time.perf_counter() - t0, 1)
        result["started_at"], result["ended_at"] = round(started, 1), round(time.time(), 1)
        done.write_text(json.dumps(result, indent=2), encoding="utf-8")
        print(f"[{name}] {result['seconds']:.0f} s", flush=True)
        return result

    def split_args(self) -> list[str]:
        a = self.a
        return ["-T", f"subset={a.subset}", "-T", f"held_out={a.held_out}",
                "-T", f"split_seed={a.split_seed}", "-T", f"split_by={a.split_by}"]  # fmt: skip

    def do_split(self) -> dict[str, Any]:
        from harness_spectool.dataset import load_queries
        from harness_spectool.split import check_disjoint, describe, split_queries

        a = self.a
        qs = load_queries(subset=a.subset)
        train = split_queries(qs, "train", a.held_out, a.split_seed, a.split_by)
        test = split_queries(qs, "test", a.held_out, a.split_seed, a.split_by)
        check_disjoint(train, test)
        from harness_spectool.dataset import interleave

        cats = self.p["categories"]
        shown = [q for q in interleave(test) if not cats or q["category"] in cats]
        ids = [q["id"] for q in shown][: self.p["eval_queries"] or len(shown)]
        return {"train": describe(train), "test": describe(test), "eval_ids": ids}

    def evaluate(self, model: str, dest: Path, ids: list[str], extra: list[str]) -> Path:
        dest.mkdir(parents=True, exist_ok=True)
        args = ["run", "spectool", "--model", model, "--out", str(dest), "-T", "split=test",
                *self.split_args(), "-T", f"max_steps={self.p['eval_steps']}",
                "-T", f"max_tokens={self.p['eval_tokens']}", "--max-concurrency", "4",
                *extra]  # fmt: skip
        for i in ids:
            args += ["--sample-id", i]
        self.call(args)
        return only_run(dest)

    def model(self, weights: str) -> str:
        """The model spec that evaluates ``weights`` (a base name, checkpoint or training run).
        ``llamacpp/`` runs a checkpoint through its GGUF conversion (q8_0): the base is converted
        the same way as the trained models, so both sides go through one path."""
        if self.p["eval_backend"] == "hf":
            return f"hf/{weights}"
        if weights == "smollm2":
            from harness.backends.hf.smollm2 import smollm2_checkpoint

            weights = str(smollm2_checkpoint())
        return f"llamacpp/{weights}"

    def model_args(self) -> list[str]:
        # one KV cache per sample in flight, so every agent step reuses its conversation's prefix
        return ["-M", "contexts=4"] if self.p["eval_backend"] == "llamacpp" else []

    def do_parity(self) -> dict[str, Any]:
        """The base through hf/ and through llamacpp/ (the shipped Q4_1 GGUF and the q8_0
        conversion of hf/'s dequantised weights) on a small single-turn set, sample by sample."""
        runs: dict[str, Path] = {}
        base = self.p["base"]
        specs = {"hf": f"hf/{base}", "llamacpp_q4_1": f"llamacpp/{base}"}
        if base == "smollm2":
            from harness.backends.hf.smollm2 import smollm2_checkpoint

            specs["llamacpp_q8_0_of_hf"] = f"llamacpp/{smollm2_checkpoint()}"
        for label, spec in specs.items():
            dest = self.out / "parity" / label
            dest.mkdir(parents=True, exist_ok=True)
            limit = str(self.p["parity_samples"])
            self.call(["run", "sanity", "--model", spec, "--out", str(dest), "--limit", limit,
                       "--max-concurrency", "1", "--no-progress"])  # fmt: skip
            runs[label] = only_run(dest)
        recs = {k: _sanity_records(v) for k, v in runs.items()}
        ids = sorted(recs["hf"])
        out: dict[str, Any] = {"samples": len(ids), "runs": {k: str(v) for k, v in runs.items()}}
        for label in specs:
            r = recs[label]
            out[label] = {
                "scores": {m: sum(r[i][1][m] for i in ids) / len(ids) for m in r[ids[0]][1]},
                "same_completion_as_hf": sum(r[i][0] == recs["hf"][i][0] for i in ids),
                "same_scores_as_hf": sum(r[i][1] == recs["hf"][i][1] for i in ids),
            }
        return out

    def do_eval_base(self, split: dict[str, Any]) -> dict[str, Any]:
        model = self.model(self.p["base"])
        run = self.evaluate(model, self.out / "eval_base", split["eval_ids"], self.model_args())
        return {"run": str(run), "model": model}

    def do_generate(self) -> dict[str, Any]:
        dest = self.out / "generate"
        args = ["generate", "spectool-oracle", "--out", str(dest), "-T", "split=train",
                *self.split_args()]  # fmt: skip
        args += ["-T", "protocols=" + json.dumps(self.p["protocols"])]
        if self.p["categories"]:
            args += ["-T", "categories=" + json.dumps(self.p["categories"])]
        if self.p["train_limit"]:
            args += ["-T", f"limit={self.p['train_limit']}"]
        self.call(args)
        run = only_run(dest)
        summary = json.loads((run / "run.json").read_text())["summary"]
        return {"run": str(run), "data": str(run / "trajectories.jsonl"), **summary}

    def do_generate_extra(self, source: str) -> dict[str, Any]:
        """Training data beside spectool's: apigen-mt's oracle agent on the bundled tau2 tasks
        (a simulated user on the embedded model, every episode checked against the blueprint's
        database state and outputs), and the sanity tool tasks' oracle."""
        dest = self.out / f"generate_{source}"
        if source == "apigen-mt":
            args = ["generate", "apigen-mt", "--source", "tau2-tasks", "--agent", "oracle",
                    "--n", str(self.p["apigen_tasks"]), "--committee-size", "0",
                    "--phase2-attempts", "1", "--out", str(dest)]  # fmt: skip
        elif source == "sanity":
            args = ["generate", "sanity-oracle", "--n", "20", "--out", str(dest)]
        else:
            raise SystemExit(f"unknown source {source!r}")
        self.call(args)
        run = only_run(dest)
        data = run / "trajectories.jsonl"
        n = sum(1 for _ in data.open(encoding="utf-8"))
        return {"run": str(run), "data": str(data), "trajectories": n}

    @staticmethod
    def reverify_apigen(traj: Any) -> list[str]:
        """Replay the trajectory's calls on a fresh database: the final state must be the one
        its blueprint's ground-truth actions give."""
        from harness_apigen_mt.domain import db_hash, load_domain
        from harness_apigen_mt.reward import replay

        domain = load_domain(str(traj.metadata["domain"]))
        calls = [c for m in traj.messages if m.role == "assistant" for c in m.tool_calls]
        got, _ = replay(domain, [{"name": c.name, "arguments": c.arguments} for c in calls])
        want, _ = replay(domain, traj.metadata["gold_actions"])
        return [] if db_hash(got) == db_hash(want) else ["the replayed database differs"]

    def do_verify(self, gen: dict[str, Any], split: dict[str, Any]) -> dict[str, Any]:
        from harness_actionstudio.converters import convert_files
        from harness_actionstudio.verify import verify
        from harness_spectool.environment import SpecToolEnvironment
        from harness_spectool.names import CLASSES
        from harness_spectool.oracle import replay

        from harness.schemas import Trajectory

        trajs = [
            Trajectory.model_validate_json(line)
            for line in Path(gen["data"]).read_text(encoding="utf-8").splitlines()
        ]
        import harness_spectool.environment as envmod

        bad: list[dict[str, Any]] = []
        test_templates = set(split["test"]["templates"])
        for t in trajs:
            if t.metadata.get("template") in test_templates:
                bad.append({"id": t.id, "why": "a held-out template in the training data"})
                continue
            cls: type[SpecToolEnvironment] = getattr(
                envmod, CLASSES[str(t.metadata["environment"])]
            )
            env = cls(cls.Options())
            env.reset()
            problems = replay(t, env)
            if problems:
                bad.append({"id": t.id, "why": "; ".join(problems)})
        extra = [v for k, v in gen.items() if k.startswith("extra_")]
        per_source = {"spectool": len(trajs)}
        for e in extra:
            lines = Path(e["data"]).read_text(encoding="utf-8").splitlines()
            for line in lines:
                t = Trajectory.model_validate_json(line)
                if t.source.startswith("apigen-mt/"):
                    problems = self.reverify_apigen(t)
                    if problems:
                        bad.append({"id": t.id, "why": "; ".join(problems)})
            per_source[Path(e["run"]).name.split("-generate-")[-1]] = len(lines)
        files = [Path(gen["data"]), *(Path(e["data"]) for e in extra)]
        structural = verify(convert_files(files).records)
        if bad or structural.problems:
            first = bad[0] if bad else structural.problems[0].as_dict()
            raise SystemExit(f"verify: {len(bad) + len(structural.problems)} bad; first {first}")
        total = sum(per_source.values())
        return {"trajectories": total, "replayed_ok": total, "per_source": per_source,
                **structural.summary()}  # fmt: skip

    def do_train(self, method: str, gen: dict[str, Any]) -> dict[str, Any]:
        dest = self.out / f"train_{method}"
        p = self.p
        data = [gen["data"], *(v["data"] for k, v in gen.items() if k.startswith("extra_"))]
        args = ["train", "actionstudio", "--data", *data, "--out", str(dest),
                "--base-model", p["base"], "--max-steps", str(p["train_steps"]),
                "--batch-size", str(p["batch"]), "--grad-accum", str(p["grad_accum"]),
                "--learning-rate", str(p["lr"]),
                "--max-seq-length", str(p["max_seq"]), "--save-steps", str(p["save_steps"]),
                "--save-total-limit", "50", "--warmup-steps", "2"]  # fmt: skip
        if method == "lora":
            args.append("--lora")
        else:
            args += ["--learning-rate", str(p["lr"] / 10)]  # full FT: a tenth of LoRA's rate
        self.call(args)
        run = only_run(dest)
        summary = json.loads((run / "run.json").read_text())["summary"]
        keep = ("global_step", "first_loss", "last_loss", "train_seconds", "examples",
                "examples_dropped_overlong", "records_used")  # fmt: skip
        return {"run": str(run), **{k: summary.get(k) for k in keep}}

    def do_eval_trained(self, method: str, trained: dict[str, Any], split: dict[str, Any]) -> dict:
        run = Path(trained["run"])
        final = self.evaluate(
            self.model(str(run)), self.out / f"eval_{method}", split["eval_ids"], self.model_args()
        )
        final_ended_at = round(time.time(), 1)  # the path ends here; the curve's points are extra
        curve = []
        for ck in sorted(
            (run / "checkpoints").glob("checkpoint-*"), key=lambda c: int(c.name.split("-")[1])
        ):
            step = int(ck.name.split("-")[1])
            if step >= int(trained["global_step"]):
                continue  # the final model is evaluated above
            r = self.evaluate(self.model(str(ck)), self.out / f"curve_{method}" / ck.name,
                              split["eval_ids"], self.model_args())  # fmt: skip
            curve.append({"step": step, "run": str(r)})
        curve.append({"step": int(trained["global_step"]), "run": str(final)})
        return {"run": str(final), "curve": curve, "final_ended_at": final_ended_at}

    def train_and_eval(self, m: str, res: dict[str, Any]) -> None:
        res[f"train_{m}"] = self.stage(f"train_{m}", lambda: self.do_train(m, res["generate"]))
        res[f"eval_{m}"] = self.stage(
            f"eval_{m}", lambda: self.do_eval_trained(m, res[f"train_{m}"], res["split"])
        )

    def do_report(self, res: dict[str, Any]) -> dict[str, Any]:
        base = Path(res["eval_base"]["run"])
        report: dict[str, Any] = {"profile": self.a.profile, "params": self.p, "split": {
            k: res["split"][k]["sha256"] for k in ("train", "test")}, "methods": {}}  # fmt: skip
        md = [f"# Closed loop ({self.a.profile} profile)", ""]
        for method in self.p["methods"]:
            ev = res.get(f"eval_{method}")
            if not ev:
                continue
            cmp = paired(base, Path(ev["run"]))
            curve = [
                {"step": 0, **{m: paired(base, base)[m]["before"] for m in ("IFE", "SR")}},
                *[
                    {
                        "step": c["step"],
                        **{m: paired(base, Path(c["run"]))[m]["after"] for m in ("IFE", "SR")},
                    }
                    for c in ev["curve"]
                ],
            ]
            report["methods"][method] = {"metrics": cmp, "curve": curve}
            md += [f"## {method}", "", table(cmp, "base", f"trained ({method})"), ""]
        report["seconds"] = {k: v.get("seconds") for k, v in res.items() if isinstance(v, dict)}
        md += ["## wall time per stage (s)", ""]
        md += [f"- {k}: {v}" for k, v in report["seconds"].items()]
        for method in self.p["methods"]:
            # the method's path end to end, on the clock: from the split to its final model's
            # evaluation, the base's included (beside it with two lanes); parity and the
            # learning curve's checkpoints are extra
            path = ["split", "eval_base", "verify", f"train_{method}", f"eval_{method}"]
            path += [k for k in res if k.startswith("generate")]
            spans = [res[k] for k in path if isinstance(res.get(k), dict)]
            if len(spans) == len(path) and all("started_at" in v for v in spans):
                ends = [v.get("final_ended_at", v["ended_at"]) for v in spans]
                wall = max(ends) - min(v["started_at"] for v in spans)
                report.setdefault("path_seconds", {})[method] = round(wall, 1)
                md.append(f"- {method} path end to end (wall, lanes={self.lanes}): {wall:.0f}")
        (self.out / "report.md").write_text("\n".join(md) + "\n", encoding="utf-8")
        self.plot(report)
        return report

    def plot(self, report: dict[str, Any]) -> None:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(6, 4))
        for method, r in report["methods"].items():
            steps = [c["step"] for c in r["curve"]]
            for m, style in (("IFE", "-o"), ("SR", "--s")):
                ax.plot(steps, [c[m] for c in r["curve"]], style, label=f"{method} {m}")
        ax.set_xlabel("training steps")
        ax.set_ylabel("held-out score")
        ax.set_ylim(-0.02, 1.02)
        ax.legend()
        ax.set_title("SpecTool held-out templates")
        fig.tight_layout()
        fig.savefig(self.out / "learning_curve.png", dpi=100)

    def run(self) -> dict[str, Any]:
        """The stages in order; with two lanes, the base's evaluation (and the parity check, and
        full fine-tuning once the data is verified) runs beside generate -> verify -> LoRA ->
        evaluate, each lane on its share of the cores."""
        res: dict[str, Any] = {}
        res["split"] = self.stage("split", self.do_split)
        verified = threading.Event()

        def base_side() -> None:
            self._lane.log = "commands_base.log" if self.lanes > 1 else "commands.log"
            if self.p["parity_samples"]:
                res["parity"] = self.stage("parity", self.do_parity)
            res["eval_base"] = self.stage("eval_base", lambda: self.do_eval_base(res["split"]))

        def data_side(methods: list[str]) -> None:
            self._lane.log = "commands_train.log" if self.lanes > 1 else "commands.log"
            res["generate"] = self.stage("generate", self.do_generate)
            for source in self.p["sources"]:
                if source != "spectool":
                    res["generate"][f"extra_{source}"] = self.stage(
                        f"generate_{source}", lambda s=source: self.do_generate_extra(s)
                    )
            res["verify"] = self.stage(
                "verify", lambda: self.do_verify(res["generate"], res["split"])
            )
            verified.set()
            for m in methods:
                self.train_and_eval(m, res)

        def second_lane(methods: list[str]) -> None:
            base_side()
            if methods:
                verified.wait()
                if "verify" not in res:
                    return  # the data lane failed; its error is raised by the caller
                self._lane.log = "commands_base.log"
                for m in methods:
                    self.train_and_eval(m, res)

        methods = list(self.p["methods"])
        if self.lanes == 1:
            base_side()
            data_side(methods)
        else:
            from concurrent.futures import ThreadPoolExecutor

            # LoRA (the first method) on the data lane; the rest after the base's evaluation
            with ThreadPoolExecutor(2) as pool:
                futures = [
                    pool.submit(data_side, methods[:1]),
                    pool.submit(second_lane, methods[1:]),
                ]
                try:
                    futures[0].result()
                finally:
                    verified.set()  # a failed data lane must not leave the other one waiting
                futures[1].result()
        report = self.do_report(res)
        (self.out / "report.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
        print((self.out / "report.md").read_text(encoding="utf-8"))
        return report


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["compare"]:
        if len(argv) != 3:
            raise SystemExit("usage: bench_closed_loop.py compare RUN_A[+RUN_A2...] RUN_B[+...]")
        a, b = Path(argv[1]), Path(argv[2])
        cmp = paired(a, b)
        print(table(cmp, "before", "after"))
        print(f"n = {next(iter(cmp.values()))['n']} samples scored in both")
        return 0
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--profile", choices=sorted(PROFILES), default="quick")
    ap.add_argument("--out", default=None, help="bench directory (default bench/out/closed_loop_P)")
    ap.add_argument("--methods", nargs="+", choices=["lora", "full"], default=None)
    ap.add_argument("--eval-queries", type=int, default=None, help="held-out queries (0: all)")
    ap.add_argument("--eval-steps", type=int, default=None, help="SpecTool max_steps (= N)")
    ap.add_argument("--eval-tokens", type=int, default=None, help="tokens per reply")
    ap.add_argument("--train-steps", type=int, default=None)
    ap.add_argument("--train-limit", type=int, default=None, help="train queries (per protocol)")
    ap.add_argument("--batch", type=int, default=None)
    ap.add_argument("--grad-accum", type=int, default=None, help="examples a step: batch x this")
    ap.add_argument("--lr", type=float, default=None)
    ap.add_argument("--max-seq", type=int, default=None)
    ap.add_argument("--save-steps", type=int, default=None, help="learning-curve spacing")
    ap.add_argument("--protocols", nargs="+", choices=["text", "native"], default=None)
    ap.add_argument("--categories", nargs="+", default=None, help="only these categories")
    ap.add_argument(
        "--subset",
        choices=["short", "hard"],
        default="short",
        help="SpecTool's query set: short (1.8 calls a query; the figures so far) or hard (6.3)",
    )
    ap.add_argument(
        "--sources",
        nargs="+",
        choices=["spectool", "apigen-mt", "sanity"],
        default=None,
        help="training data: spectool's oracle (always) plus apigen-mt's oracle agent on the "
        "tau2 tasks and the sanity tool tasks' oracle",
    )
    ap.add_argument("--apigen-tasks", type=int, default=None, help="tau2 tasks tried (apigen-mt)")
    ap.add_argument("--held-out", type=float, default=0.25)
    ap.add_argument("--split-seed", type=int, default=0)
    ap.add_argument("--split-by", choices=["template", "tools"], default="template")
    ap.add_argument("--base", default=None, help="base model: smollm2, tiny or a directory")
    ap.add_argument(
        "--eval-backend",
        choices=["llamacpp", "hf"],
        default=None,
        help="evaluate checkpoints through llamacpp/ (their GGUF conversion; faster) or hf/",
    )
    ap.add_argument(
        "--parity-samples",
        type=int,
        default=None,
        help="sanity samples run through hf/ and llamacpp/ for the base-parity check (0: skip)",
    )
    ap.add_argument("--in-process", action="store_true", help="run the CLI in this process")
    ap.add_argument(
        "--lanes",
        type=int,
        choices=[1, 2],
        default=1,
        help="2: evaluate the base (then full fine-tuning) beside the LoRA chain, each lane "
        "on half the cores",
    )
    a = ap.parse_args(argv)
    a.out = a.out or f"bench/out/closed_loop_{a.profile}"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    Bench(a).run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
