"""The mixture loop: a tiny study end to end through the registered trainer, its resume (no
mixture trained twice; other settings refused), the generators, and a short training run that
shows the policy learns from the reward (grounding-trained beats choice-trained on grounding)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from harness_modomodo.loop import StudySettings, run_study
from harness_modomodo.metrics import Accuracy, Reward

from harness.errors import UserError
from harness.jobs import JobContext
from harness.plugins.manager import get_manager

TINY = {
    "sources": ["coco-box", "sat-choice"],
    "ood": ["ood-side-box", "ood-color-choice"],
    "random_mixtures": 2,
    "steps": 3,
    "prompts_per_step": 4,
    "group": 2,
    "train_per_kind": 8,
    "eval_per_kind": 4,
    "folds": 2,
}


def _job(name: str, kind: str, tmp_path: Path, **options: Any) -> tuple[dict[str, Any], Path]:
    reg = get_manager().registry(kind)
    cls = reg.get(name)
    out = tmp_path / name
    out.mkdir(parents=True)
    ctx = JobContext(out, 0, None, get_manager())
    try:
        plugin = cls(cls.Options(**options))
        if kind == "trainers":
            return plugin.train(ctx), out
        return asyncio.run(plugin.generate(ctx)), out
    finally:
        ctx.close()


def test_tiny_study_through_the_trainer_and_resume(tmp_path: Path) -> None:
    summary, out = _job("modomodo-mixtures", "trainers", tmp_path, **TINY)
    study = out / "study"
    labels = {p.stem for p in (study / "mixtures").glob("*.json")}
    assert labels == {
        "base",
        "uniform",
        "single-0",
        "single-1",
        "dirichlet-0",
        "dirichlet-1",
        "best",
    }
    assert summary["mixtures"] == 5 and len(summary["w_star"]) == 2
    assert abs(sum(summary["w_star"]) - 1) < 1e-9 and (study / "fit.png").is_file()
    rows = (study / "pairs.csv").read_text().splitlines()
    assert rows[0] == "coco-box,sat-choice,out_score,label" and len(rows) == 6
    events = [json.loads(line)["event"] for line in (out / "log.jsonl").read_text().splitlines()]
    assert events.count("mixture_done") == 7

    seen: list[str] = []
    settings = StudySettings(**TINY)
    again = run_study(study, settings, Accuracy(), Reward(), lambda e, **f: seen.append(e))
    assert seen == ["mixture_resumed"] * 7  # nothing trained again
    assert again["per_mixture"] == summary["per_mixture"]
    with pytest.raises(UserError, match="other settings"):
        run_study(study, settings.model_copy(update={"steps": 4}), Accuracy(), Reward())
    seen.clear()  # a refit with a ridge: nothing but w* may be trained again
    run_study(
        study,
        settings.model_copy(update={"ridge": 0.5}),
        Accuracy(),
        Reward(),
        lambda e, **f: seen.append(f"{e}:{f.get('label')}"),
    )
    assert {e for e in seen if not e.startswith("mixture_resumed")} <= {
        "mixture_start:best",
        "mixture_done:best",
        "step:None",
    }


def test_generators(tmp_path: Path) -> None:
    got, out = _job("modomodo-synthetic", "generators", tmp_path, kinds=["geo-number"], per_kind=3)
    assert got["examples"] == 3 and len((out / "records.jsonl").read_text().splitlines()) == 3
    csv = tmp_path / "pairs.csv"
    csv.write_text(
        "a,b,c,out_score\n1,0,0,0.1\n0,1,0,0.2\n0,0,1,0.1\n0.5,0.5,0,0.3\n"
        "0,0.5,0.5,0.25\n0.5,0,0.5,0.15\n0.34,0.33,0.33,0.3\n"
    )
    fit, out = _job("modomodo-fit", "generators", tmp_path, pairs=str(csv), folds=3)
    assert fit["n"] == 7 and (out / "fit.png").is_file()
    assert fit["best"][2] < 0.2 and fit["best"][1] > 0.3  # b helps, c does not
    with pytest.raises(UserError, match="needs --pairs"):
        _job("modomodo-fit", "generators", tmp_path / "y")
    with pytest.raises(UserError, match="unknown kind"):
        _job("modomodo-synthetic", "generators", tmp_path / "x", kinds=["mmmu"])


@pytest.mark.slow
def test_the_policy_learns_from_the_reward() -> None:
    from harness_modomodo.loop import Study

    s = StudySettings(
        sources=["coco-box", "sat-choice"],
        ood=["ood-side-box"],
        steps=40,
        train_per_kind=200,
        eval_per_kind=50,
    )
    study = Study(s, Reward(), Reward())  # mean IoU / accuracy: partial credit shows learning
    grounding = study.run([1.0, 0.0], 0, lambda *a, **k: None)["per_kind"]
    choice = study.run([0.0, 1.0], 0, lambda *a, **k: None)["per_kind"]
    assert grounding["coco-box"] > choice["coco-box"] + 0.03, (grounding, choice)
