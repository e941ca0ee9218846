"""A real run on the embedded model (SmolLM2-135M): retrieval and answer metrics per category."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.run.runner import Runner
from harness.schemas import RunConfig, SampleRecord


@pytest.mark.slow
def test_real_run_on_the_embedded_model(tmp_path: Path) -> None:
    pytest.importorskip("llama_cpp")
    cfg = RunConfig(
        task="personabench",
        task_params={"retriever": "bm25", "noise": "0.5", "max_tokens": 16},
        model="llamacpp/smollm2",
        limit=3,
        max_concurrency=1,
    )
    run_dir, result = Runner(cfg, tmp_path).run()
    records = [
        SampleRecord.model_validate_json(x)
        for x in (run_dir / "samples.jsonl").read_text().splitlines()
    ]
    assert len(records) == 3 and all(r.status == "ok" for r in records)
    assert all(r.model_calls == 1 for r in records)
    names = {m.name for m in result.metrics}
    assert {"recall_at_k", "ndcg_at_k", "answer_f1", "answer_recall"} <= names
    f1 = next(m for m in result.metrics if m.name == "answer_f1")
    assert "category=Basic_information_easy" in f1.groups
    assert all(0.0 <= r.scores["answer_f1"].value <= 1.0 for r in records)
