from pathlib import Path
from typing import Any


def test_registrations_conform(harness_conformance: Any) -> None:
    registered = harness_conformance.check_plugin("myplugin")
    assert registered == {
        "tasks": ["myplugin-capitals", "myplugin-capitals-agent"],
        "metrics": ["starts_with_target"],
    }


def test_smoke_run(harness_conformance: Any, tmp_path: Path) -> None:
    result = harness_conformance.smoke_run("myplugin-capitals", tmp_path, responses=["Paris"])
    # scripted model answers "Paris" to both samples: right for France, wrong for Japan
    assert result.result.metrics[0].mean == 0.5


def test_agent_task_runs_on_the_core_loop(harness_conformance: Any, tmp_path: Path) -> None:
    call = {"tool_calls": [{"name": "lookup_capital", "arguments": {"country": "France"}}]}
    result = harness_conformance.smoke_run(
        "myplugin-capitals-agent", tmp_path, responses=[call, "Paris"]
    )
    # one lookup, then the answer "Paris": right for France, wrong for Japan
    assert result.result.metrics[0].mean == 0.5
    for record in result.records:
        md = record.output.metadata
        assert md["stop_reason"] == "answer" and md["turns"] == 2
        assert md["budget"] == "full"  # the scripted model is not a serial engine
        assert md["calls"] == [{"name": "lookup_capital", "country": "France"}]
