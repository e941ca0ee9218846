"""The closed loop in miniature (bench/bench_closed_loop.py, profile ci): split by template,
evaluate a base, generate oracle trajectories on the train side, re-verify them, train LoRA a few
steps, evaluate the trained run through ``hf/<run>`` on three held-out queries, report."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

pytest.importorskip("harness_spectool", reason="the closed loop needs the spectool plugin")

BENCH = Path(__file__).resolve().parents[3] / "bench" / "bench_closed_loop.py"


def _bench():  # -> module
    spec = importlib.util.spec_from_file_location("bench_closed_loop", BENCH)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def tiny_spectool_base(tmp_path_factory: pytest.TempPathFactory, one_torch_thread: None) -> Path:
    """A tiny random model whose tokenizer is trained on SpecTool's prompts (so the native
    prompts fit in 512 tokens)."""
    from harness_actionstudio.tiny import build_tiny_model
    from harness_spectool.dataset import load_queries
    from harness_spectool.environment import tools_for
    from harness_spectool.names import CLASSES
    from jinja2.utils import htmlsafe_json_dumps  # the chat template's tojson

    texts = [
        str(
            htmlsafe_json_dumps(
                {"name": t.name, "description": t.description, "parameters": t.parameters}
            )
        )
        for d in CLASSES
        for t in tools_for(d)
    ]
    texts += [q["goal"] for q in load_queries(subset="short")]  # the bench's default set
    out = tmp_path_factory.mktemp("closed-loop") / "base"
    return build_tiny_model(
        out, texts, seed=0, hidden=32, layers=2, vocab_size=2048, whole_text=True
    )


@pytest.mark.slow
def test_closed_loop_ci_profile(tmp_path: Path, tiny_spectool_base: Path) -> None:
    bench = _bench()
    out = tmp_path / "bench"
    argv = ["--profile", "ci", "--out", str(out), "--base", str(tiny_spectool_base), "--in-process"]
    assert bench.main(argv) == 0
    split = json.loads((out / "split.json").read_text())
    train, test = split["train"], split["test"]
    assert not set(train["templates"]) & set(test["templates"])  # disjoint by template
    assert train["sha256"] != test["sha256"] and len(split["eval_ids"]) == 3
    assert json.loads((out / "verify.json").read_text())["replayed_ok"] >= 1
    trained = json.loads((out / "train_lora.json").read_text())
    # every kept example fits in 512 tokens; longer ones were dropped and counted, not truncated
    assert trained["global_step"] == 2 and trained["examples"] >= 1
    report = json.loads((out / "report.json").read_text())
    lora = report["methods"]["lora"]["metrics"]
    assert lora["IFE"]["n"] == 3 and set(lora) >= {"SR", "IFE", "IAV"}
    assert report["split"]["test"] == test["sha256"]
    assert (out / "learning_curve.png").stat().st_size > 0
    # the evaluation ran the trained checkpoint through hf/<train run> on the test side only
    run = json.loads(
        (Path(json.loads((out / "eval_lora.json").read_text())["run"]) / "run.json").read_text()
    )
    assert (
        run["config"]["model"].startswith("hf/") and run["config"]["task_params"]["split"] == "test"
    )
    # resumable: a second call finds every stage done and only rewrites the report
    assert bench.main(argv) == 0


@pytest.mark.slow
def test_two_lanes_evaluate_the_base_beside_training(
    tmp_path: Path, tiny_spectool_base: Path
) -> None:
    """``--lanes 2``: the base's evaluation and the data -> LoRA -> evaluation chain run as two
    lanes of subprocesses, each with its own commands log, and the report has the path's wall."""
    bench = _bench()
    out = tmp_path / "bench"
    argv = ["--profile", "ci", "--out", str(out), "--base", str(tiny_spectool_base), "--lanes", "2"]
    assert bench.main(argv) == 0
    base_log = (out / "commands_base.log").read_text()
    train_log = (out / "commands_train.log").read_text()
    assert "$ harness run spectool" in base_log and "train actionstudio" not in base_log
    assert "$ harness train actionstudio" in train_log
    assert "$ harness generate spectool-oracle" in train_log
    report = json.loads((out / "report.json").read_text())
    split, base, lora = (
        json.loads((out / f"{s}.json").read_text()) for s in ("split", "eval_base", "eval_lora")
    )
    end = max(base["ended_at"], lora["final_ended_at"])  # the lanes end in either order
    assert report["path_seconds"]["lora"] == pytest.approx(end - split["started_at"], abs=0.2)
    assert set(report["methods"]) == {"lora"}
