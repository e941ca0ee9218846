"""The CPU-reachable parts of bench/bench_mend_training.py: both training sets, one step of
training on each through the actionstudio trainer with a tiny random model, and the evaluation
of the checkpoint through hf/ on the mend task."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[3] / "bench" / "bench_mend_training.py"


def bench() -> ModuleType:
    if not BENCH.exists():
        pytest.skip(f"{BENCH} is not in this checkout")
    spec = importlib.util.spec_from_file_location("bench_mend_training", BENCH)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_training_sets_differ_only_in_augmentation(tmp_path: Path) -> None:
    b = bench()
    plain, s_plain = b.make_data(tmp_path / "none", "none", 5)
    aug, s_aug = b.make_data(tmp_path / "mend", "mend", 5)
    assert s_plain["trajectories"] == 5 and s_aug["trajectories"] == 20
    rows = [json.loads(x) for x in aug.read_text().splitlines()]
    assert {r["metadata"]["form"] for r in rows} == {
        "original",
        "permuted",
        "redundant",
        "combined",
    }
    originals = [json.loads(x) for x in plain.read_text().splitlines()]
    assert [r["messages"] for r in originals] == [
        r["messages"] for r in rows if r["metadata"]["form"] == "original"
    ]
    assert all("logic-c2-h1" in r["id"] for r in rows)  # training seed, logic only


def test_base_names_other_than_smollm2_pass_through(tmp_path: Path) -> None:
    """``tiny`` and a checkpoint directory are used as given; ``smollm2`` goes to the core's
    loader (converting the GGUF costs a minute of CPU, so it is not exercised here)."""
    b = bench()
    assert b.resolve_base("tiny") == "tiny"
    assert b.resolve_base(str(tmp_path)) == str(tmp_path)


@pytest.mark.slow
def test_one_step_each_and_the_hf_evaluation(tmp_path: Path) -> None:
    pytest.importorskip("harness_actionstudio")
    b = bench()
    report = b.run_bench(
        tmp_path,
        "tiny",
        steps=1,
        train_problems=3,
        eval_items=1,
        batch=2,
        lr=1e-3,
        lora=False,
        max_tokens=2,
    )
    assert report["trajectories"] == {"none": 3, "mend": 12}
    for aug in ("none", "mend"):
        assert (tmp_path / f"train-{aug}" / "final" / "config.json").exists()
        row = report["results"][f"augment={aug}"]["consistent_answer"]
        assert row["all"][3] == 2 and row["distribution=ood"][3] == 1  # items, id and ood
    text = b.table(report["results"])
    assert "| consistent_correct | ood |" in text and "augment=mend" in text
