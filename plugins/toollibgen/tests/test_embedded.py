"""The three stages and the evaluation end to end through the CLI on the embedded model, on one
bundled trace (CI budget): the pipeline runs and reports its counts whatever the tools' quality;
bad input is one clear error."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


def harness(*args: str, timeout: int = 1800) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness", *args], capture_output=True, text=True, timeout=timeout
    )


def test_registrations(harness_conformance: object) -> None:
    harness_conformance.check_plugin("toollibgen")  # type: ignore[attr-defined]


def test_smoke_runs(harness_conformance: object, tmp_path: Path) -> None:
    smoke = harness_conformance.smoke_run  # type: ignore[attr-defined]
    cot = smoke(
        "toollibgen", tmp_path / "cot", responses=["Final Answer: 324"], task_params={"mode": "cot"}
    )
    acc = {r.sample_id: r.scores["accuracy"].value for r in cot.records}
    assert acc == {"muffins": 1.0, "jacket": 0.0}  # muffins: 324, jacket: 68
    tool = {
        "tool_info": {
            "type": "function",
            "function": {
                "name": "times",
                "description": "Multiply two numbers.",
                "parameters": {
                    "type": "object",
                    "properties": {"a": {"type": "number"}, "b": {"type": "number"}},
                    "required": ["a", "b"],
                },
            },
        },
        "tool_code": "def times(a: float, b: float) -> float:\n    return a * b\n",
        "cluster": "arith",
        "covers": ["muffins/t"],
    }
    lib = {
        "format_version": 1,
        "kind": "library",
        "tools": [tool],
        "mapping": {"muffins/t": "times"},
        "question_tools": {"muffins": ["muffins/t"]},
    }
    (tmp_path / "library.json").write_text(json.dumps(lib))
    replies = [
        {
            "tool_calls": [
                {"name": "retrieve_relevant_tools", "arguments": {"query": "multiply", "k": 2}}
            ]
        },
        {"tool_calls": [{"name": "times", "arguments": {"a": 108, "b": 3}}]},
        "Final Answer: 324",
    ]
    run = smoke(
        "toollibgen",
        tmp_path / "tools",
        responses=replies,
        task_params={"library": str(tmp_path), "retriever": "bm25"},
    )
    by_id = {r.sample_id: r for r in run.records}
    first = by_id["muffins"]
    assert first.scores["accuracy"].value == 1.0 and first.scores["recall@1"].value == 1.0
    assert first.output.metadata["tool_calls"][0]["value"] == 324
    assert by_id["jacket"].scores["recall@1"].value is None  # no covering tool for it


def test_bad_input_is_one_clear_error(tmp_path: Path) -> None:
    done = harness(
        "generate",
        "toollibgen",
        "--stage",
        "cluster",
        "--out",
        str(tmp_path),
        "--model",
        "scripted/echo",
    )
    assert done.returncode == 2 and "needs --input RUN_DIR" in done.stderr
    assert "Traceback" not in done.stderr
    bad = tmp_path / "library.json"
    bad.write_text(json.dumps({"format_version": 1, "kind": "library", "tools": [{}]}))
    done = harness(
        "run",
        "toollibgen",
        "-T",
        f"library={bad}",
        "--model",
        "scripted/echo",
        "--out",
        str(tmp_path),
    )
    assert done.returncode == 2 and "not a valid library" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.slow
def test_pipeline_and_evaluation_on_embedded_model(tmp_path: Path) -> None:
    done = harness(
        "generate",
        "toollibgen",
        "--limit",
        "1",
        "--max-tools",
        "1",
        "--gen-tokens",
        "128",
        "--judge-tokens",
        "48",
        "--solver-steps",
        "2",
        "--solver-tokens",
        "48",
        "--review-questions",
        "1",
        "--impl-retries",
        "0",
        "--no-generalize",
        "--out",
        str(tmp_path / "gen"),
    )
    assert done.returncode == 0, done.stderr[-2000:]
    (run,) = list((tmp_path / "gen").iterdir())
    summary = json.loads((run / "run.json").read_text())["summary"]
    ex = summary["extract"]
    assert ex["traces"] == 1 and ex["refine_rounds"] == 1
    # every candidate is either kept or rejected with a stage and a reason
    assert ex["tools_kept"] + ex["rejected"] >= 1
    rejections = [json.loads(x) for x in (run / "rejections.jsonl").read_text().splitlines()]
    assert len(rejections) >= ex["rejected"]
    assert all(r["stage"] and r["reason"] for r in rejections)
    assert summary["cluster"]["tools"] == ex["tools_kept"]
    lib = json.loads((run / "library.json").read_text())
    assert summary["aggregate"]["library_tools"] == len(lib["tools"])
    done = harness(
        "run",
        "toollibgen",
        "-T",
        f"library={run}",
        "-T",
        "retriever=bm25",
        "-T",
        "cot_fallback=false",
        "--limit",
        "1",
        "--max-steps",
        "2",
        "--max-tokens",
        "48",
        "--out",
        str(tmp_path / "eval"),
    )
    assert done.returncode == 0, done.stderr[-2000:]
    (ev,) = list((tmp_path / "eval").iterdir())
    results = json.loads((ev / "results.json").read_text())
    assert "accuracy" in json.dumps(results)
    record = json.loads((ev / "samples.jsonl").read_text().splitlines()[0])
    assert record["output"]["metadata"]["library_size"] == len(lib["tools"])
