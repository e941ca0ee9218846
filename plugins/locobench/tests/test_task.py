"""The task end to end with scripted models: answers in JSON, retries, refusals, truncation,
names-only mode, reports and the PNG saved with the run."""

from __future__ import annotations

import json
from pathlib import Path

from harness_locobench.prompts import context_block, parse_answer, unsafe_path
from harness_locobench.report import PLOT_NAME
from harness_locobench.task import LoCoBenchOptions, LoCoBenchTask

from harness.backends.scripted.model import ScriptedModel
from harness.run.runner import Runner
from harness.schemas import RunConfig, SampleRecord

PARAMS = {"languages": "python", "categories": "bug_investigation", "size": 1500}


def _run(
    tmp_path: Path, responses: list, params: dict | None = None
) -> tuple[Path, list[SampleRecord]]:
    args = {"responses": responses}
    cfg = RunConfig(
        task="locobench",
        task_params=params or PARAMS,
        model="scripted/agent",
        model_args=args,
        limit=1,
    )
    model = ScriptedModel.create("agent", args)
    run_dir, _ = Runner(cfg, tmp_path, model_overrides={"scripted/agent": model}).run()
    lines = (run_dir / "samples.jsonl").read_text().splitlines()
    return run_dir, [SampleRecord.model_validate_json(x) for x in lines]


def _reference_reply() -> str:
    task = LoCoBenchTask(LoCoBenchOptions(**PARAMS))
    it = next(iter(task.items().values()))
    return json.dumps({"approach": "fix clamp", "files": it.reference[0], "explanation": "ok"})


def test_reference_answer_scores_and_saves_reports(tmp_path: Path, toolchain) -> None:
    toolchain("python")
    run_dir, [rec] = _run(tmp_path, [_reference_reply()])
    assert rec.status == "ok" and rec.model_calls == 1
    assert rec.scores["lcbs"].value > 3.5 and rec.scores["unit_tests"].value == 1.0
    assert rec.output.metadata["context_tokens"] > 0 and rec.output.metadata["context_cut"] is None
    assert (run_dir / PLOT_NAME).stat().st_size > 1000
    results = json.loads((run_dir / "results.json").read_text())
    assert set(results["extra"]) == {
        "by_task_category",
        "by_difficulty",
        "by_language",
        "by_context_bucket",
    }
    lcbs = next(m for m in results["metrics"] if m["name"] == "lcbs")
    assert any(g.startswith("context_bucket=") for g in lcbs["groups"])


def test_malformed_answers_are_retried_then_fail(tmp_path: Path) -> None:
    _, [rec] = _run(tmp_path, ["not json", "{broken", "still no"])
    assert rec.status == "ok" and rec.model_calls == 3
    assert rec.output.metadata["failure"].startswith("session 1: no readable answer")
    assert rec.scores["lcbs"].value == 0.0


def test_a_retry_that_succeeds_is_scored(tmp_path: Path, toolchain) -> None:
    toolchain("python")
    _, [rec] = _run(tmp_path, ["sorry", _reference_reply()])
    assert rec.model_calls == 2 and rec.scores["lcbs"].value > 3.5


def test_writing_outside_the_project_is_refused(tmp_path: Path) -> None:
    reply = json.dumps({"approach": "", "files": {"../evil.py": "x = 1\n"}, "explanation": ""})
    _, [rec] = _run(tmp_path, [reply])
    assert "refused" in rec.output.metadata["failure"]
    assert rec.scores["lcbs"].value == 0.0 and rec.output.metadata["compile"] is None
    for p in ("/etc/passwd", "a/../../b", "C:/x", "~/x", ""):
        assert unsafe_path(p)
    assert not unsafe_path("src/app/x.py")


def test_truncation_rule() -> None:
    files = {"a.py": "a = 1\n" * 300, "b.py": "b = 2\n" * 300, "c.py": "c = 3\n"}
    whole = context_block(files, ["a.py", "b.py", "c.py"], 10_000)
    assert whole.shown == ["a.py", "b.py", "c.py"] and whole.cut is None
    cut = context_block(files, ["a.py", "b.py", "c.py"], 900)
    assert cut.shown == ["a.py"] and cut.cut == "b.py" and cut.omitted == ["c.py"]
    assert "more lines cut]" in cut.text and "c.py [not shown" in cut.text
    assert cut.tokens <= 900
    names = context_block(files, ["a.py", "b.py"], 10, mode="names")
    assert "a = 1" not in names.text and "- b.py" in names.text


def test_answers_are_read_from_fences_and_lists() -> None:
    a, err = parse_answer('Here:\n```json\n{"approach": "x", "files": {"a.py": "y"}}\n```')
    assert err is None and a.files == {"a.py": "y"}
    a, _ = parse_answer('{"files": [{"path": "b.py", "content": "z"}]}')
    assert a.files == {"b.py": "z"}
    assert parse_answer('{"files": "nope"}')[0] is None


def test_names_only_mode_sends_no_file_contents(tmp_path: Path) -> None:
    _, [rec] = _run(tmp_path, ["no"], {**PARAMS, "context_mode": "names"})
    prompt = rec.output.messages[1].content
    assert "Context files:" in prompt and "def clamp_" not in prompt


def test_a_language_without_build_rules_is_not_scored_for_builds() -> None:
    import asyncio

    from harness_locobench.data import Item

    from harness.schemas import Sample, SolveOutput

    task = LoCoBenchTask(LoCoBenchOptions(**PARAMS))
    base = next(iter(task.items().values()))
    go = Item(base.scenario, {"main.go": "package main\n"}, "go")
    task.items()[base.scenario.id] = go
    meta = asyncio.run(
        task.grade(go, [{"files": {"util.go": "package main\n\nfunc f() int {\n\treturn 1\n}\n"}}])
    )
    scores = task.score(Sample(id=base.scenario.id, input=""), SolveOutput(metadata=meta))
    assert scores["compile"].value is None and "no build rules" in scores["compile"].explanation
    assert scores["lcbs"].value is None and scores["software_engineering"].value is not None
