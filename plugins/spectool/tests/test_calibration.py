"""Calibrated agents (``calibrate.py``) through ``harness run spectool``: each of the seven
patterns injected at a known rate, alone and all together (with same-step combinations), must be
measured exactly, per query and in total, under the documented masking rules, and the scores must
follow the paper's formulas."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from harness_spectool.calibrate import COMBINED, SINGLE, expected_scores, scripts
from harness_spectool.dataset import interleave, load_queries

from harness.cli.main import main

N = 40  # max_steps, also N of the (N - count)/N scores; long enough for every injected reply


def _queries() -> list[dict]:
    """16 hard queries with one accepted trajectory (so the trajectory the scorer picks is known),
    spread over the categories."""
    single = [q for q in load_queries() if len(q["ground_truth"]) == 1]
    return interleave(single)[:16]


def _run(tmp_path: Path, rates: dict[str, float], values: str = "lenient") -> tuple[dict, dict]:
    queries = _queries()
    tmp_path.mkdir(parents=True, exist_ok=True)
    data = tmp_path / "queries.json"
    data.write_text(json.dumps(queries))
    answers, plans = scripts(queries, rates, seed=1)
    argv = [
        "run",
        "spectool",
        "--model",
        "scripted/calibrated",
        "-M",
        "answers=" + json.dumps(answers),
        "-T",
        f"data_path={data}",
        "-T",
        f"max_steps={N}",
        "-T",
        f"values={values}",
        "--out",
        str(tmp_path / "runs"),
        "--no-progress",
    ]
    assert main(argv) == 0
    (run,) = (tmp_path / "runs").iterdir()
    records = [json.loads(x) for x in (run / "samples.jsonl").read_text().splitlines()]
    results = json.loads((run / "results.json").read_text())
    by_id = {r["sample_id"]: r for r in records}
    goal_types = {q["id"]: q["additional_info"]["goal_type"] for q in queries}
    for qid, plan in plans.items():
        rec = by_id[qid]
        got = {p: rec["scores"][p]["metadata"]["count"] for p in SINGLE}
        assert got == plan.expected, (qid, plan.made, got, plan.expected)
        want = expected_scores(plan, N, goal_types[qid])
        for p, v in want.items():
            assert rec["scores"][p]["value"] == pytest.approx(v), (qid, p)
    total = Counter()
    for plan in plans.values():
        total.update(plan.expected)
    assert {p: results["extra"]["raw pattern counts"][p]["total"] for p in SINGLE} == {
        p: total[p] for p in SINGLE
    }
    return dict(total), plans


@pytest.mark.parametrize("pattern", SINGLE)
def test_each_pattern_alone_is_measured_exactly(tmp_path: Path, pattern: str) -> None:
    total, plans = _run(tmp_path, {pattern: 0.3})
    made = sum(pattern in m for p in plans.values() for m in p.made)
    assert made >= 5  # the rate produced errors to find
    assert total[pattern] == made  # alone, every injected error is counted once
    others = {p: n for p, n in total.items() if p != pattern and n}
    # alone, only the documented coupling: an omitted call is also an unmatched one (rule 4)
    assert others == ({"IAV": made} if pattern == "IAC" else {})


def test_all_patterns_together_follow_the_masking_rules(tmp_path: Path) -> None:
    rates = dict.fromkeys([*SINGLE, *COMBINED], 0.15)
    total, plans = _run(tmp_path, rates)
    made = Counter(p for plan in plans.values() for m in plan.made for p in m)
    assert all(made[p] >= 2 for p in [*SINGLE, *COMBINED]), made
    # rules 1 and 2: the combined replies count once, as IFE or IFN, never as IAN or IAT
    assert total["IFE"] == made["IFE"] + made["IFE+IAN"]
    assert total["IFN"] == made["IFN"] + made["IFN+IAT"]
    assert total["IAN"] == made["IAN"] and total["IAT"] == made["IAT"]
    assert total["RAC"] == made["RAC"]
    assert total["IAV"] == made["IAV"] + made["IAC"]  # rule 4
    assert total["IAC"] <= made["IAC"]  # rule 3: extra calls to the same API can hide one


def test_strict_values_change_only_what_they_should(tmp_path: Path) -> None:
    """The calibrated agent writes exact values, so strict and lenient agree on every count."""
    rates = dict.fromkeys(SINGLE, 0.2)
    lenient, _ = _run(tmp_path / "a", rates)
    strict, _ = _run(tmp_path / "b", rates, values="strict")
    assert lenient == strict
