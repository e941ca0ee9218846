"""The tasks through the runner with scripted models and the scripted retriever (fast)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from harness_personabench.metrics import best_recall_ndcg
from harness_personabench.task import PersonaBenchRetrievalTask, PersonaBenchTask, category

from harness.run.runner import Runner
from harness.schemas import RunConfig, SampleRecord


def run(tmp_path: Path, task: str, params: dict, responses: list[str] | None = None):
    cfg = RunConfig(
        task=task,
        task_params=params,
        model="scripted/x",
        model_args={"responses": responses or ["nothing"]},
        max_concurrency=2,
    )
    run_dir, result = Runner(cfg, tmp_path).run()
    records = [
        SampleRecord.model_validate_json(x)
        for x in (run_dir / "samples.jsonl").read_text().splitlines()
    ]
    return run_dir, result, records


def test_category_folds_like_the_original() -> None:
    assert category("Basic information", "easy") == "Basic_information_easy"
    assert category("Preference", "hard") == "Preference_hard"
    assert category("Social", "hard") == "Social_easy"


def test_samples_skip_subjective_and_cover_every_level() -> None:
    task = PersonaBenchTask(PersonaBenchTask.Options(noise="all"))
    samples = list(task.samples())
    assert {s.metadata["noise"] for s in samples} == {0.0, 0.3, 0.5, 0.7}
    assert all(s.metadata["type"] != "Subjective" for s in samples)
    with_subj = PersonaBenchTask(PersonaBenchTask.Options(include_subjective=True))
    assert any(s.metadata["type"] == "Subjective" for s in with_subj.samples())


@pytest.mark.parametrize("recall", [0.0, 0.5, 1.0])
def test_scripted_retriever_has_its_known_recall(tmp_path: Path, recall: float) -> None:
    _, result, records = run(
        tmp_path, "personabench-retrieval", {"retriever": "scripted", "scripted_recall": recall}
    )
    want = [round(recall * len(r.metadata["gt"])) / len(r.metadata["gt"]) for r in records]
    got = {m.name: m for m in result.metrics}
    assert got["recall_at_k"].mean == pytest.approx(sum(want) / len(want))
    assert set(got) == {"recall_at_k", "ndcg_at_k"}
    assert all(r.model_calls == 0 for r in records)
    assert "category=Preference_hard" in got["recall_at_k"].groups


def test_empty_retrieval_is_scored_zero() -> None:
    task = PersonaBenchRetrievalTask(PersonaBenchRetrievalTask.Options())
    sample = next(iter(task.samples()))

    class Nothing:
        def retrieve(self, *args: object, **kw: object) -> list[str]:
            return []

    task._retrievers[(sample.metadata["community"], sample.metadata["noise"])] = Nothing()
    out = asyncio.run(task.solve(sample, ctx=None))  # type: ignore[arg-type]
    scores = task.score(sample, out)
    assert out.metadata["retrieved"] == []
    assert scores["recall_at_k"].value == 0.0 and scores["ndcg_at_k"].value == 0.0


def test_end_to_end_with_a_scripted_model(tmp_path: Path) -> None:
    run_dir, result, records = run(
        tmp_path,
        "personabench",
        {"retriever": "scripted", "noise": "0.0,0.7"},
        responses=["Tampere"],
    )
    names = {m.name for m in result.metrics}
    assert names == {
        "recall_at_k",
        "ndcg_at_k",
        "answer_precision",
        "answer_recall",
        "answer_f1",
        "outdated_recall",
    }
    hit = next(r for r in records if r.target == "Tampere")
    assert hit.scores["answer_f1"].value == 1.0 and hit.scores["recall_at_k"].value == 1.0
    prompt = hit.output.messages[1].content
    assert "Tampere" in prompt and "Question: Where was" in prompt
    table = json.loads((run_dir / "results.json").read_text())["extra"]["by_noise_and_category"]
    assert set(table["answer_f1 Overall"]) == {"0.0", "0.7"}
    f1 = next(m for m in result.metrics if m.name == "answer_f1")
    assert f1.groups["category=Social_easy"]["ci_low"] is not None


def test_gt_context_feeds_ground_truth_and_skips_retrieval_metrics(tmp_path: Path) -> None:
    _, result, records = run(tmp_path, "personabench", {"retriever": "gt-context", "noise": "0.3"})
    assert "recall_at_k" not in {m.name for m in result.metrics}
    for r in records[:5]:
        ids = {s for v in r.metadata["gt"].values() for s in v}
        assert set(r.output.metadata["context_ids"]) == ids
        assert r.output.metadata["retrieved"] is None


def test_retrieval_scores_match_the_metric(tmp_path: Path) -> None:
    _, _, records = run(tmp_path, "personabench-retrieval", {"retriever": "bm25", "noise": "0.5"})
    for r in records:
        want = best_recall_ndcg(r.output.metadata["retrieved"], r.metadata["gt"])
        assert (r.scores["recall_at_k"].value, r.scores["ndcg_at_k"].value) == want
        assert len(r.output.metadata["retrieved"]) == 5
