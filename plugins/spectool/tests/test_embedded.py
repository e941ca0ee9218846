"""A real run on the embedded model (SmolLM2-135M): records and every metric exist."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.run.runner import Runner
from harness.schemas import RunConfig, SampleRecord


@pytest.mark.slow
def test_real_run_on_the_embedded_model(tmp_path: Path) -> None:
    pytest.importorskip("llama_cpp")
    cfg = RunConfig(
        task="spectool",
        task_params={"max_steps": 3, "max_tokens": 80},
        model="llamacpp/smollm2",
        limit=2,
        max_concurrency=1,
    )
    run_dir, result = Runner(cfg, tmp_path).run()
    records = [
        SampleRecord.model_validate_json(x)
        for x in (run_dir / "samples.jsonl").read_text().splitlines()
    ]
    assert len(records) == 2 and all(r.status == "ok" for r in records)
    for r in records:
        assert r.model_calls >= 1 and len(r.output.metadata["steps"]) >= 1
        assert set(r.scores) == {"SR", "IAC", "RAC", "IAV", "IFE", "IAT", "IAN", "IFN"}
        assert all(0.0 <= s.value <= 1.0 for s in r.scores.values())
    names = {m.name for m in result.metrics}
    assert names == {"SR", "IAC", "RAC", "IAV", "IFE", "IAT", "IAN", "IFN"}
    assert all(m.ci_low is not None for m in result.metrics)
    saved = json.loads((run_dir / "results.json").read_text())
    assert "raw pattern counts" in saved["extra"]
