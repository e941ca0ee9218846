"""End to end through the CLI: train with LoRA on the bundled synthetic retail trajectories,
then evaluate the checkpoint through the core's hf/ backend with `harness run`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from harness.plugins import PluginManager

DATA = Path(__file__).parents[1] / "src" / "harness_actionstudio" / "data"


def _has_provider(name: str) -> bool:
    m = PluginManager()
    m.load_entry_points()
    m.collect()
    try:
        m.registry("models").get(name)
    except Exception:
        return False
    return True


@pytest.mark.slow
def test_train_lora_then_evaluate_with_hf_backend(tmp_path: Path) -> None:
    harness = [sys.executable, "-m", "harness"]
    train = subprocess.run(
        [
            *harness,
            "train",
            "actionstudio",
            "--data",
            str(DATA / "retail_trajectories.jsonl"),
            "--lora",
            "--max-steps",
            "4",
            "--batch-size",
            "2",
            "--learning-rate",
            "3e-3",
            "--max-seq-length",
            "1024",
            "--save-steps",
            "2",
            "--out",
            str(tmp_path / "runs"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert train.returncode == 0, train.stderr[-2000:]
    (run,) = (tmp_path / "runs").iterdir()
    summary = json.loads((run / "run.json").read_text())["summary"]
    assert summary["global_step"] == 4 and summary["lora"]
    assert summary["records_used"] == 24
    assert (run / "checkpoints" / "checkpoint-4").is_dir()
    if not _has_provider("hf"):
        _evaluate_in_process(run / "final", tmp_path / "evals")
        return
    ev = subprocess.run(
        [
            *harness,
            "run",
            "sanity",
            "--model",
            f"hf/{run / 'final'}",
            "--limit",
            "2",
            "-G",
            "max_tokens=8",
            "--out",
            str(tmp_path / "evals"),
            "--no-progress",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert ev.returncode == 0, ev.stderr[-2000:]
    (erun,) = (tmp_path / "evals").iterdir()
    results = json.loads((erun / "results.json").read_text())
    assert results["records"] == 2 and results["errors"] == 0


def _evaluate_in_process(final: Path, out: Path) -> None:
    """The core's HFModel exists but no plugin registers the `hf` provider yet: run the same
    evaluation through the core Runner with that backend instance."""
    hf = pytest.importorskip("harness.backends.hf")
    from harness.runner import Runner
    from harness.schemas import GenerateConfig, RunConfig

    spec = f"hf/{final}"
    model = hf.HFModel.create(str(final), {})
    model.check()
    manager = PluginManager()
    manager.load_entry_points()
    manager.collect()
    cfg = RunConfig(task="sanity", model=spec, limit=2, generate=GenerateConfig(max_tokens=8))
    _, result = Runner(cfg, out, manager, progress=False, model_overrides={spec: model}).run()
    assert result.records == 2 and result.errors == 0
    assert result.metrics and result.metrics[0].n == 2
