from pathlib import Path
from typing import Any


def test_registrations_conform(harness_conformance: Any) -> None:
    registered = harness_conformance.check_plugin("myplugin")
    assert registered == {"tasks": ["myplugin-capitals"], "metrics": ["starts_with_target"]}


def test_smoke_run(harness_conformance: Any, tmp_path: Path) -> None:
    result = harness_conformance.smoke_run("myplugin-capitals", tmp_path, responses=["Paris"])
    # scripted model answers "Paris" to both samples: right for France, wrong for Japan
    assert result.result.metrics[0].mean == 0.5
