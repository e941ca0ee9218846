"""A real run on the embedded model (SmolLM2-135M): one sample with a token cap, every record
field the task promises, LCBS and the four dimensions aggregated with CIs."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.run.runner import Runner
from harness.schemas import RunConfig, SampleRecord


@pytest.mark.slow
def test_real_run_on_the_embedded_model(tmp_path: Path, toolchain) -> None:
    pytest.importorskip("llama_cpp")
    toolchain("python")
    cfg = RunConfig(
        task="locobench",
        task_params={
            "languages": "python",
            "categories": "feature_implementation",
            "size": 1500,
            "max_tokens": 48,
            "attempts": 1,
        },
        model="llamacpp/smollm2",
        limit=1,
        max_concurrency=1,
    )
    run_dir, result = Runner(cfg, tmp_path).run()
    [line] = (run_dir / "samples.jsonl").read_text().splitlines()
    rec = SampleRecord.model_validate_json(line)
    assert rec.status == "ok" and rec.model_calls == 1 and rec.usage.input_tokens > 300
    meta = rec.output.metadata
    assert meta["context_tokens"] > 0 and meta["budget"] == "small"
    names = {m.name: m for m in result.metrics}
    for key in ("lcbs", "software_engineering", "functional_correctness", "code_quality"):
        assert names[key].mean is not None and 0.0 <= names[key].mean <= 5.0
    assert (
        "long_context" in names and "task_category=feature_implementation" in names["lcbs"].groups
    )
