"""A real run on the embedded model (SmolLM2-135M): two items (one logic, one arithmetic), four
forms each, every metric present with a CI."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.run.runner import Runner
from harness.schemas import RunConfig, SampleRecord


def test_registrations(harness_conformance) -> None:
    harness_conformance.check_plugin("mend")


@pytest.mark.slow
def test_two_items_on_the_embedded_model(tmp_path: Path) -> None:
    pytest.importorskip("llama_cpp")
    cfg = RunConfig(
        task="mend",
        task_params={"max_tokens": 8},
        model="llamacpp/smollm2",
        limit=2,
        max_concurrency=1,
    )
    run_dir, result = Runner(cfg, tmp_path).run()
    records = [
        SampleRecord.model_validate_json(x)
        for x in (run_dir / "samples.jsonl").read_text().splitlines()
    ]
    assert [r.metadata["kind"] for r in records] == ["logic", "arithmetic"]
    assert all(r.status == "ok" and r.model_calls == 4 for r in records)
    by_name = {m.name: m for m in result.metrics}
    for name in ("acc_original", "acc_permuted", "consistent_correct", "consistent_answer"):
        assert by_name[name].samples == 2 and by_name[name].ci_low is not None
    replies = records[0].output.metadata["forms"]
    assert set(replies) == {"original", "permuted", "redundant", "combined"}
