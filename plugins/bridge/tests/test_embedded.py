"""One real run of the ``bridge`` task on the embedded model (llamacpp/smollm2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from harness_bridge.metrics import first_boxed


@pytest.mark.slow
def test_bridge_on_embedded_model(tmp_path: Path) -> None:
    from harness.cli import main

    code = main(
        ["run", "bridge", "--model", "llamacpp/smollm2", "-T", "n=1", "-T", "split=id",
         "-T", "max_tokens=12", "--out", str(tmp_path)]
    )  # fmt: skip
    assert code in (0, None)
    run = next(tmp_path.iterdir())
    records = [json.loads(line) for line in (run / "samples.jsonl").read_text().splitlines()]
    assert len(records) == 1
    rec = records[0]
    completion = rec["output"]["completion"]
    assert completion.strip()  # the model wrote something
    scores = rec["scores"]
    boxed = first_boxed(completion) is not None
    assert scores["bridge_format_failure"]["value"] == (0.0 if boxed else 1.0)
    assert scores["bridge_boxed_answer"]["metadata"]["format_failure"] is (not boxed)
