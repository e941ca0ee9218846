"""``harness run modomodo`` with scripted models whose answers are known: the pictures travel
as image parts (stored by hash beside the run), the rewards score the replies."""

from __future__ import annotations

import json
from pathlib import Path

from harness_modomodo.synthetic import draw
from harness_modomodo.task import EVAL_SEED

from harness.plugins.manager import get_manager
from harness.run.runner import Runner
from harness.schemas import RunConfig


def _run(tmp_path: Path, responses: list[str], **params: object) -> list[dict]:
    config = RunConfig(
        task="modomodo",
        model="scripted/t",
        model_args={"responses": responses},
        task_params={"kinds": ["ood-side-box"], "per_kind": 2, **params},
    )
    run_dir, _ = Runner(config, tmp_path, get_manager()).run()
    return [json.loads(line) for line in (run_dir / "samples.jsonl").read_text().splitlines()]


def test_perfect_and_wrong_boxes(tmp_path: Path) -> None:
    gold = draw("ood-side-box", EVAL_SEED, 0).answer
    reply = f"<think>leftmost</think><answer>{gold}</answer>"
    records = _run(tmp_path, [reply])
    by_id = {r["sample_id"]: r for r in records}
    first = by_id[f"ood-side-box-{EVAL_SEED}-0"]["scores"]
    assert first["modomodo_accuracy"]["value"] == 1.0
    assert first["modomodo_format"]["value"] == 1.0
    content = by_id[f"ood-side-box-{EVAL_SEED}-0"]["output"]["messages"][0]["content"]
    assert content[0]["type"] == "image" and content[0].get("blob", "").startswith("sha256:")
    records = _run(tmp_path / "b", ["no idea"])
    assert all(r["scores"]["modomodo_format_failure"]["value"] == 1.0 for r in records)


def test_smoke(harness_conformance, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    harness_conformance.smoke_run("modomodo", tmp_path)
