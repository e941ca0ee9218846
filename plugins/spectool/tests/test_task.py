"""The tasks end to end with scripted models: conformance, records, re-scoring, reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from harness_spectool.task import SpecToolOptions, SpecToolTask

from harness.backends.scripted.model import ScriptedModel
from harness.cli.main import main
from harness.run.runner import Runner
from harness.schemas import RunConfig, SampleRecord

# patent-001 is the first sample: its assignee is looked up by get_patent_details
GOOD = [
    "Thought: look it up\nAction: get_patent_details with Action Input: {'patent_id': 10616299}",
    'Action: get_patent_details with Action Input: {"patent_id": "10616299"}',
    "I am not sure what to do.",
    'Action: get_patent_details with Action Input: {"patent_id": "10616299"}',
    'Action: finish with Action Input: {"answer": "Marrow Medical Devices"}',
]


def _run(
    tmp_path: Path,
    task: str,
    responses: list,
    params: dict | None = None,
    limit: int = 1,
    model_name: str = "t",
) -> tuple[Path, list[SampleRecord]]:
    spec = f"scripted/{model_name}"
    model = ScriptedModel.create(model_name, {"responses": responses})
    cfg = RunConfig(
        task=task,
        # these scripts answer the short set's first queries (patent-001, ...)
        task_params={**({"subset": "short"} if task == "spectool" else {}), **(params or {})},
        model=spec,
        model_args={"responses": responses},
        limit=limit,
    )
    run_dir, _ = Runner(cfg, tmp_path, model_overrides={spec: model}).run()
    lines = (run_dir / "samples.jsonl").read_text().splitlines()
    return run_dir, [SampleRecord.model_validate_json(x) for x in lines]


def test_conformance(harness_conformance, tmp_path: Path) -> None:
    reg = harness_conformance.check_plugin("spectool")
    assert {"spectool", "spectool-bfcl"} <= set(reg["tasks"])
    assert len(reg["environments"]) == 12
    smoke = harness_conformance.smoke_run("spectool", tmp_path / "a")
    assert {m.name for m in smoke.result.metrics} >= {"SR", "IAC", "IFE"}
    smoke = harness_conformance.smoke_run("spectool-bfcl", tmp_path / "b")
    assert "AST" in {m.name for m in smoke.result.metrics}


def test_scripted_run_scores_every_pattern_with_steps(tmp_path: Path, capsys) -> None:
    run_dir, (rec,) = _run(tmp_path, "spectool", GOOD)
    s = {k: v.value for k, v in rec.scores.items()}
    assert s == {
        "SR": 1.0,
        "IAC": 1.0,
        "RAC": 0.9,
        "IAV": 1.0,
        "IFE": 0.9,
        "IAT": 0.9,
        "IAN": 1.0,
        "IFN": 1.0,
    }
    steps = rec.output.metadata["steps"]
    assert [st["kind"] for st in steps] == ["call", "call", "format_error", "call", "finish"]
    assert steps[0]["executed"] is False and "Incorrect argument type" in steps[0]["observation"]
    results = json.loads((run_dir / "results.json").read_text())
    assert results["extra"]["raw pattern counts"]["RAC"]["total"] == 1
    # the per-sample report names each pattern with its step
    assert main(["show", str(run_dir), "--samples"]) == 0
    out = capsys.readouterr().out
    for line in ("IAT at step 1", "IFE at step 3", "RAC at step 4"):
        assert line in out
    # re-scoring from the saved transcript alone, under the code's convention
    assert main(["score", str(run_dir), "--json", "-T", "missing_arg_as=IAN"]) == 0
    rescored = json.loads(capsys.readouterr().out)
    assert {m["name"]: m["mean"] for m in rescored["metrics"]}["IFE"] == pytest.approx(0.9)


def test_missing_argument_option_changes_the_bucket(tmp_path: Path) -> None:
    resp = [
        "Action: get_patent_details with Action Input: {}",
        'Action: finish with Action Input: {"answer": "x"}',
    ]
    _, (rec,) = _run(tmp_path, "spectool", resp)
    task = SpecToolTask(SpecToolOptions(missing_arg_as="IAN"))
    from harness.schemas import Sample

    sample = Sample(id=rec.sample_id, input=rec.input, target=rec.target, metadata=rec.metadata)
    code = task.score(sample, rec.output)
    assert rec.scores["IAN"].value == 1.0 and rec.scores["IAV"].value == pytest.approx(0.8)
    assert code["IAN"].value == pytest.approx(0.9) and code["IAV"].value == pytest.approx(0.9)


def test_garbage_output_is_ife_never_a_crash(tmp_path: Path) -> None:
    resp = [
        "Action: with Action Input: {{{",
        "\x00\x01 Action: x with Action Input: {'a': ",
        'Action: finish with Action Input: {"answer": "no idea"}',
    ]
    _, (rec,) = _run(tmp_path, "spectool", resp)
    assert rec.status == "ok" and rec.scores["IFE"].value == pytest.approx(0.8)
    assert rec.scores["SR"].value == 0.0
    _, (rec,) = _run(tmp_path / "b", "spectool", resp[:1], params={"max_steps": 4})
    assert rec.scores["IFE"].value == 0.0  # N = max_steps = 4 unparsable steps


def test_native_protocol(tmp_path: Path) -> None:
    resp = [
        {"tool_calls": [{"name": "get_patent_details", "arguments": {"patent_id": "10616299"}}]},
        {"tool_calls": [{"name": "finish", "arguments": {"answer": "Marrow Medical Devices"}}]},
    ]
    _, (rec,) = _run(tmp_path, "spectool", resp, params={"protocol": "native"})
    assert rec.scores["SR"].value == 1.0 and rec.scores["IAC"].value == 1.0


def test_bfcl_task_text_protocol(tmp_path: Path) -> None:
    resp = ['Action: calculate_triangle_area with Action Input: {"base": 10, "height": 5}']
    _, (rec,) = _run(tmp_path, "spectool-bfcl", resp, params={"categories": ["simple"]})
    assert rec.sample_id == "simple_python_0"
    assert rec.scores["AST"].value == 1.0 and rec.scores["IAC"].value == 1.0


def test_categories_option_and_unknown_category() -> None:
    from harness.errors import UserError

    task = SpecToolTask(SpecToolOptions(categories=["Sports"]))
    assert {s.metadata["category"] for s in task.samples()} == {"Sports"}
    with pytest.raises(UserError, match="unknown spectool category"):
        list(SpecToolTask(SpecToolOptions(categories=["Cooking"])).samples())
