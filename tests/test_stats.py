from __future__ import annotations

from math import comb

from harness.schemas import SampleRecord, Score
from harness.stats import aggregate, bootstrap_ci, latest_records, pass_hat_k


def rec(
    sid: str, epoch: int, value: float | None, status: str = "ok", **meta: object
) -> SampleRecord:
    return SampleRecord(
        sample_id=sid,
        epoch=epoch,
        status=status,
        input="q",
        metadata=meta,
        scores={"m": Score(value=value)} if status == "ok" else {},
    )


def test_pass_hat_k_matches_hand_computation() -> None:
    # task A: 4 trials, 3 successes; task B: 4 trials, 1 success
    table = [(4, 3), (4, 1)]
    assert pass_hat_k(table, 1) == (3 / 4 + 1 / 4) / 2
    assert pass_hat_k(table, 2) == (comb(3, 2) / comb(4, 2) + 0) / 2
    assert pass_hat_k(table, 3) == (1 / 4 + 0) / 2
    assert pass_hat_k(table, 4) == 0.0


def test_aggregate_reports_pass_k_groups_and_skips_errors() -> None:
    records = [rec("a", e, v, cat="x") for e, v in enumerate([1, 1, 1, 0])]
    records += [rec("b", e, v, cat="y") for e, v in enumerate([1, 0, 0, 0])]
    records.append(rec("c", 0, None, status="error"))
    [m] = aggregate(records, epochs=4, group_by=["cat"])
    assert m.n == 8 and m.mean == 0.5
    assert m.pass_at["1"] == 0.5
    assert m.pass_at["2"] == (3 / 6) / 2
    assert m.groups == {"cat=x": {"mean": 0.75, "n": 4}, "cat=y": {"mean": 0.25, "n": 4}}
    assert m.ci_low is not None and m.ci_high is not None
    assert 0.0 <= m.ci_low <= 0.5 <= m.ci_high <= 1.0


def test_bootstrap_ci_is_deterministic_and_brackets_the_mean() -> None:
    values = [0.0, 1.0] * 20 + [1.0] * 10
    assert bootstrap_ci(values, seed=3) == bootstrap_ci(values, seed=3)
    lo, hi = bootstrap_ci(values)
    assert lo is not None and hi is not None
    assert lo < sum(values) / len(values) < hi
    assert bootstrap_ci([]) == (None, None)
    assert bootstrap_ci([0.7]) == (0.7, 0.7)


def test_latest_record_wins() -> None:
    out = latest_records([rec("a", 0, None, status="error"), rec("a", 0, 1.0)])
    assert len(out) == 1 and out[0].status == "ok"
