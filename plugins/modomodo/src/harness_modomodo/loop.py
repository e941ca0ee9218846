"""The MoDoMoDo loop as one resumable study: sample mixtures, train the policy on each, evaluate
each out of distribution, fit the mixture-outcome model, propose w*, train on it.

State lives in ``work_dir``: ``study.json`` (the settings; a rerun with other settings is refused),
``mixtures/<label>.json`` (one :class:`MixtureOutcome` per trained mixture, written atomically when
its training and evaluation finish), ``pairs.csv``, ``fit.json`` and ``fit.png``. Running again on
the same ``work_dir`` skips every mixture that has its outcome and carries on; a rerun with other
fit settings (``folds``, ``ridge``) refits, and trains w* again only if it moved. ``base`` is the
untrained policy (the paper's pre-finetune model), evaluated once.
"""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from harness.errors import UserError
from harness_modomodo.schemas import MixtureOutcome
from harness_modomodo.synthetic import ID_KINDS, OOD_KINDS


class StudyOptions(BaseModel):
    """A study's sizes (the trainer's options; the seed is ``harness train``'s ``--seed``)."""

    model_config = ConfigDict(extra="forbid")

    sources: list[str] = Field(default=list(ID_KINDS), description="Training kinds, weight order.")
    ood: list[str] = Field(default=list(OOD_KINDS), description="Held-out kinds (the Out-Score).")
    random_mixtures: int = Field(
        default=6,
        ge=0,
        description="Dirichlet mixtures besides uniform and the single-source ones.",
    )
    alpha: float = Field(default=1.0, gt=0, description="Dirichlet concentration.")
    steps: int = Field(default=300, ge=1, description="GRPO steps per mixture.")
    prompts_per_step: int = Field(default=16, ge=1, description="Prompts a step.")
    group: int = Field(default=8, ge=2, description="Answers sampled per prompt.")
    learning_rate: float = Field(default=5e-3, gt=0, description="Adam learning rate.")
    train_per_kind: int = Field(default=1000, ge=1, description="Training pool per kind.")
    eval_per_kind: int = Field(default=200, ge=1, description="Evaluation examples per kind.")
    folds: int = Field(default=5, ge=2, description="k of the k-fold cross-validation.")
    ridge: float = Field(default=0.0, ge=0, description="Ridge penalty of the fits (0: none).")


class StudySettings(StudyOptions):
    """What a study is; a ``work_dir`` belongs to one."""

    seed: int = Field(default=0, description="Seed of mixtures, data and training.")


#: settings of the fit alone: a study may be refitted with others (w* is retrained if it moves)
FIT_ONLY = ("folds", "ridge")


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def open_study(work_dir: Path, settings: StudySettings) -> None:
    work_dir.mkdir(parents=True, exist_ok=True)
    (work_dir / "mixtures").mkdir(exist_ok=True)
    f = work_dir / "study.json"
    if f.exists():
        old = StudySettings.model_validate_json(f.read_text(encoding="utf-8"))
        diff = {
            k: (getattr(old, k), getattr(settings, k))
            for k in StudySettings.model_fields
            if k not in FIT_ONLY and getattr(old, k) != getattr(settings, k)
        }
        if diff:
            raise UserError(
                f"{work_dir} holds a study with other settings ({diff}, as (was, now)); "
                "resume it with the same settings or use another work dir"
            )
    _write_atomic(f, settings.model_dump_json(indent=2))


class Study:
    """Data pools, training and evaluation of one study (built once, reused for every mixture)."""

    def __init__(self, s: StudySettings, accuracy: Any, reward: Any, threads: int = 1) -> None:
        import torch

        from harness_modomodo.policy import make_pool, metric_scorer

        torch.set_num_threads(threads)
        self.s = s
        unknown = sorted(set(s.sources + s.ood) - set(ID_KINDS + OOD_KINDS))
        if unknown:
            raise UserError(f"unknown synthetic kind(s) {', '.join(unknown)}")
        self.train = {k: make_pool(k, s.seed, s.train_per_kind) for k in s.sources}
        # evaluation examples come from another seed: never seen in training
        self.eval = {k: make_pool(k, s.seed + 10_007, s.eval_per_kind) for k in s.sources + s.ood}
        self.accuracy = metric_scorer(accuracy)
        self.reward = metric_scorer(reward)

    def run(
        self, weights: list[float], seed: int, log: Callable[..., None], steps: int | None = None
    ) -> dict[str, Any]:
        """Train a fresh policy on ``weights`` (``steps``, default the study's; 0: the untrained
        base policy) and evaluate it on every kind."""
        import torch

        from harness_modomodo.mixture import MixtureStream
        from harness_modomodo.policy import Policy, concat, evaluate, grpo_step

        torch.manual_seed(seed)
        policy = Policy()
        opt = torch.optim.Adam(policy.parameters(), lr=self.s.learning_rate)
        stream = MixtureStream(
            {k: range(len(self.train[k])) for k in self.s.sources}, weights, seed=seed
        )
        t0 = time.time()
        rewards = []
        for step in range(self.s.steps if steps is None else steps):
            picks = stream.take(self.s.prompts_per_step)
            batch = concat([self.train[k].index([i]) for k, i in picks])
            stats = grpo_step(policy, opt, batch, self.reward, self.s.group)
            rewards.append(stats["reward"])
            if (step + 1) % max(1, self.s.steps // 5) == 0:
                log("step", step=step + 1, reward=round(sum(rewards[-20:]) / len(rewards[-20:]), 4))
        per_kind = {k: evaluate(policy, pool, self.accuracy) for k, pool in self.eval.items()}
        out = sum(per_kind[k] for k in self.s.ood) / len(self.s.ood)
        return {"per_kind": per_kind, "out_score": out, "seconds": round(time.time() - t0, 1)}


def run_study(
    work_dir: Path,
    settings: StudySettings,
    accuracy: Any,
    reward: Any,
    log: Callable[..., None] = lambda *a, **k: None,
    threads: int = 1,
) -> dict[str, Any]:
    """The whole loop (resumable); returns the summary (also in ``work_dir/summary.json``)."""
    from harness_modomodo.mixture import design
    from harness_modomodo.surrogate import read_pairs, report

    open_study(work_dir, settings)
    s = settings
    study: Study | None = None
    done: dict[str, MixtureOutcome] = {}

    def outcome(label: str, w: list[float], steps: int | None = None) -> MixtureOutcome:
        nonlocal study
        f = work_dir / "mixtures" / f"{label}.json"
        if f.exists():
            got = MixtureOutcome.model_validate_json(f.read_text(encoding="utf-8"))
            if max(abs(a - b) for a, b in zip(got.weights, w, strict=True)) < 1e-6:
                log("mixture_resumed", label=label, out_score=got.out_score)
                return got
        if study is None:
            study = Study(s, accuracy, reward, threads)
        log("mixture_start", label=label, weights=[round(x, 4) for x in w])
        res = study.run(w, s.seed, log, steps)
        got = MixtureOutcome(
            weights=w,
            sources=s.sources,
            out_score=res["out_score"],
            per_kind=res["per_kind"],
            label=label,
            seed=s.seed,
        )
        _write_atomic(f, got.model_dump_json(indent=2))
        log("mixture_done", label=label, out_score=got.out_score, seconds=res["seconds"])
        return got

    k = len(s.sources)
    base = outcome("base", [1.0 / k] * k, steps=0)
    for label, w in design(k, s.random_mixtures, s.seed, s.alpha):
        done[label] = outcome(label, w)
    pairs = work_dir / "pairs.csv"
    with pairs.open("w", newline="", encoding="utf-8") as fh:
        wr = csv.writer(fh)
        wr.writerow([*s.sources, "out_score", "label"])
        for label, o in done.items():
            wr.writerow([*o.weights, o.out_score, label])
    sources, W, y = read_pairs(pairs)
    fit = report(W, y, sources, s.folds, s.ridge, s.seed, plot=work_dir / "fit.png")
    _write_atomic(work_dir / "fit.json", json.dumps(fit, indent=2))
    best_w = [float(x) for x in fit["best"]]
    best_w = [x / sum(best_w) for x in best_w]
    best = outcome("best", best_w)
    uniform = done["uniform"]
    top = max(done.values(), key=lambda o: o.out_score)
    summary = {
        "work_dir": str(work_dir),
        "sources": s.sources,
        "ood": s.ood,
        "mixtures": len(done),
        "fit": {key: fit[key] for key in ("cv", "best", "predicted_best", "plot")},
        "w_star": best.weights,
        "out_score": {
            "w_star": best.out_score,
            "uniform": uniform.out_score,
            "base": base.out_score,
            "best_sampled": top.out_score,
            "best_sampled_label": top.label,
            "worst_sampled": min(o.out_score for o in done.values()),
        },
        "w_star_minus_uniform": best.out_score - uniform.out_score,
        "w_star_minus_base": best.out_score - base.out_score,
        "per_mixture": {label: round(o.out_score, 4) for label, o in done.items()},
    }
    _write_atomic(work_dir / "summary.json", json.dumps(summary, indent=2))
    return summary
