"""Evaluation: the metrics by hand, and scripted agents whose order- or distractor-sensitivity is
known give exactly the expected accuracies, consistencies and gaps, with item-clustered CIs."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from harness_mend.metrics import extract, score_forms, subject_of
from harness_mend.task import MendTask

from harness.run.runner import Runner
from harness.schemas import RunConfig, RunResult, SampleRecord

FORMS = ["original", "permuted", "redundant", "combined"]


def values(scores: dict) -> dict[str, float | None]:
    return {k: s.value for k, s in scores.items()}


def test_scores_by_hand() -> None:
    ok = {"original": "kitchen", "permuted": "attic", "redundant": "kitchen", "combined": ""}
    v = values(score_forms(ok, "kitchen", "logic", FORMS))
    assert v == {
        "acc_original": 1.0,
        "acc_permuted": 0.0,
        "acc_redundant": 1.0,
        "acc_combined": 0.0,
        "consistent_correct": 0.0,
        "consistent_answer": 0.0,
        "gap_permuted": 1.0,
        "gap_redundant": 0.0,
        "gap_combined": 1.0,
    }
    wrong = dict.fromkeys(FORMS, "12")
    v = values(score_forms(wrong, "10", "arithmetic", FORMS))
    assert v["consistent_answer"] == 1.0 and v["consistent_correct"] == 0.0  # consistently wrong
    better = {"original": "9", "permuted": "10", "redundant": "10", "combined": "10"}
    assert values(score_forms(better, "10", "arithmetic", FORMS))["gap_permuted"] == -1.0
    none = dict.fromkeys(FORMS, "")
    assert values(score_forms(none, "10", "arithmetic", FORMS))["consistent_answer"] == 0.0
    only = values(score_forms({"original": "10"}, "10", "arithmetic", ["original"]))
    assert only["acc_original"] == 1.0
    assert all(only[k] is None for k in only if k != "acc_original")


@pytest.mark.parametrize(
    ("reply", "kind", "expected"),
    [
        ("The answer is 18.", "arithmetic", "18"),
        ("$10.00", "arithmetic", "10"),
        ("4 * 3 = 12, so 12 + 6 = 18", "arithmetic", "18"),
        ("I don't know", "arithmetic", ""),
        ("Kitchen.", "logic", "kitchen"),
        ("It is in the attic, not the kitchen", "logic", "attic"),
        ("the cellars", "logic", ""),
    ],
)
def test_answer_extraction(reply: str, kind: str, expected: str) -> None:
    assert extract(reply, kind, ["attic", "kitchen"]) == expected


def test_logic_answer_is_read_for_the_asked_object() -> None:
    assert subject_of("The key is in the attic. In which room is the red key?") == "red key"
    rooms = ["attic", "kitchen"]
    both = "The coin is in the attic. The key is in the kitchen."
    assert extract(both, "logic", rooms, "key") == "kitchen"
    assert extract(both, "logic", rooms, None) == "attic"
    assert extract("The pen is in the kitchen.", "logic", rooms, "key") == "kitchen"  # fallback
    assert extract("The key. It is in the attic.", "logic", rooms, "key") == "attic"


# ------------------------------------------------------------------ scripted agents

PARAMS = {"n_logic": 6}


def samples() -> list:
    return list(MendTask(MendTask.Options(**PARAMS)).samples())


def wrong(sample) -> str:
    md = sample.metadata
    if md["kind"] == "logic":
        return next(c for c in md["candidates"] if c != sample.target)
    return str(int(sample.target) + 1)


def script(right_on: Callable[[object, str], bool]) -> dict[str, str]:
    """Prompt -> reply: the right answer on the forms ``right_on`` picks, else a wrong one."""
    out = {}
    for s in samples():
        for form, text in s.metadata["forms"].items():
            out[text] = f"Answer: {s.target}" if right_on(s, form) else f"Answer: {wrong(s)}"
    return out


def run(tmp_path: Path, answers: dict[str, str]) -> tuple[RunResult, list[SampleRecord]]:
    cfg = RunConfig(
        task="mend",
        task_params=PARAMS,
        model="scripted/agent",
        model_args={"answers": answers},
        max_concurrency=4,
    )
    run_dir, result = Runner(cfg, tmp_path).run()
    records = [
        SampleRecord.model_validate_json(x)
        for x in (run_dir / "samples.jsonl").read_text().splitlines()
    ]
    return result, records


def means(result: RunResult) -> dict[str, float | None]:
    return {m.name: m.mean for m in result.metrics}


ITEMS = len(samples())
SPLIT = ITEMS - 3  # arith-25..27 keep their original form only


@pytest.mark.parametrize(
    ("agent", "right_on", "expected"),
    [
        (
            "perfect",
            lambda s, f: True,
            dict(
                acc_permuted=1,
                acc_combined=1,
                consistent_correct=1,
                consistent_answer=1,
                gap_permuted=0,
            ),
        ),
        (
            "order-sensitive",  # right only while the premises keep their original order
            lambda s, f: f in ("original", "redundant"),
            dict(
                acc_permuted=0,
                acc_redundant=1,
                acc_combined=0,
                consistent_correct=0,
                consistent_answer=0,
                gap_permuted=1,
                gap_redundant=0,
                gap_combined=1,
            ),
        ),
        (
            "distractor-sensitive",  # right only without distractors
            lambda s, f: f in ("original", "permuted"),
            dict(
                acc_permuted=1,
                acc_redundant=0,
                acc_combined=0,
                gap_permuted=0,
                gap_redundant=1,
                gap_combined=1,
                consistent_correct=0,
            ),
        ),
        (
            "order-sensitive on logic only",
            lambda s, f: s.metadata["kind"] == "arithmetic" or f in ("original", "redundant"),
            dict(acc_permuted=(SPLIT - 6) / SPLIT, gap_permuted=6 / SPLIT, acc_redundant=1),
        ),
        (
            "always wrong",
            lambda s, f: False,
            dict(acc_original=0, acc_permuted=0, consistent_correct=0, consistent_answer=1),
        ),
    ],
)
def test_scripted_agents_get_their_known_metrics(
    tmp_path: Path, agent: str, right_on: Callable, expected: dict[str, float]
) -> None:
    result, records = run(tmp_path, script(right_on))
    got = means(result)
    for name, value in expected.items():
        assert got[name] == pytest.approx(value), f"{agent}: {name}"
    by_name = {m.name: m for m in result.metrics}
    assert by_name["acc_original"].samples == ITEMS
    assert by_name["acc_permuted"].samples == SPLIT  # unsplit items are not applicable
    assert result.extra["original_form_only"] == 3
    assert all(r.model_calls == (1 if r.metadata["unsplit_reason"] else 4) for r in records)


def test_cis_resample_items(tmp_path: Path) -> None:
    """Half the logic items order-sensitive: a gap with a CI that excludes neither 0 nor the
    point, clustered by item (one record per item, four calls inside)."""
    half = {s.id for s in samples() if s.metadata["kind"] == "logic"}
    half = set(sorted(half)[:3])
    result, _ = run(tmp_path, script(lambda s, f: s.id not in half or f == "original"))
    gap = next(m for m in result.metrics if m.name == "gap_permuted")
    assert gap.mean == pytest.approx(3 / SPLIT)
    assert gap.ci_low is not None and gap.ci_high is not None
    assert 0 <= gap.ci_low < gap.mean < gap.ci_high
    logic = gap.groups["kind=logic"]
    assert logic["mean"] == pytest.approx(0.5) and logic["samples"] == 6


def test_ood_items_are_harder_by_construction(tmp_path: Path) -> None:
    task = MendTask(MendTask.Options(n_logic=2, distribution="both", source="logic"))
    items = list(task.samples())
    ids = {s.metadata["distribution"]: s for s in items}
    assert len(items) == 4 and set(ids) == {"id", "ood"}
    id_red, ood_red = (ids[d].metadata["forms"]["redundant"] for d in ("id", "ood"))
    assert ood_red.count(".") > id_red.count(".")  # more premises and distractors
    assert ids["ood"].metadata["distractors"] == 3 and ids["id"].metadata["distractors"] == 1
    assert json.dumps(ids["ood"].metadata)  # JSON-able
