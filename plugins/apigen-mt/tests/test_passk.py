"""pass^k as the core computes it over epochs, on hand-computed trial tables."""

from __future__ import annotations

from math import isclose

from harness.schemas import SampleRecord, Score
from harness.stats import aggregate, pass_hat_k


def test_pass_hat_k_hand_table() -> None:
    # task A: 4 trials, 3 successes; task B: 4 trials, 1 success; task C: 4/4
    table = [(4, 3), (4, 1), (4, 4)]
    # k=1: (3/4 + 1/4 + 1)/3 = 2/3
    assert isclose(pass_hat_k(table, 1), 2 / 3)
    # k=2: (C(3,2)/C(4,2) + 0 + 1)/3 = (3/6 + 1)/3 = 0.5
    assert isclose(pass_hat_k(table, 2), 0.5)
    # k=3: (1/4 + 0 + 1)/3
    assert isclose(pass_hat_k(table, 3), (0.25 + 1) / 3)
    # k=4: (0 + 0 + 1)/3
    assert isclose(pass_hat_k(table, 4), 1 / 3)


def test_aggregate_over_epochs_reports_pass_hat_k() -> None:
    trials = {"a": [1, 1, 0, 1], "b": [0, 0, 1, 0]}
    records = [
        SampleRecord(
            sample_id=s, epoch=e, status="ok", input="x", scores={"reward": Score(value=float(v))}
        )
        for s, vs in trials.items()
        for e, v in enumerate(vs)
    ]
    (m,) = aggregate(records, epochs=4)
    assert isclose(m.mean, 0.5)
    assert isclose(m.pass_at["1"], 0.5)
    assert isclose(m.pass_at["2"], (3 / 6 + 0) / 2)
    assert isclose(m.pass_at["3"], (1 / 4) / 2)
    assert isclose(m.pass_at["4"], 0.0)


def test_pass_k_ci_resamples_tasks() -> None:
    from harness_apigen_mt.passk import pass_k_ci, trial_table

    trials = {"a": [1, 1, 0, 1], "b": [0, 0, 1, 0], "c": [1, 1, 1, 1]}
    records = [
        SampleRecord(
            sample_id=s, epoch=e, status="ok", input="x", scores={"reward": Score(value=float(v))}
        )
        for s, vs in trials.items()
        for e, v in enumerate(vs)
    ]
    table = trial_table(records, "reward")
    assert sorted(table) == [(4, 1), (4, 3), (4, 4)]
    ci = pass_k_ci(table)
    assert list(ci) == ["pass^1", "pass^2", "pass^3", "pass^4"]
    value, lo, hi = ci["pass^2"]
    assert isclose(value, round((3 / 6 + 0 + 1) / 3, 4))
    assert lo < value < hi and lo >= 0 and hi <= 1
    # the bounds are pass^2 of the worst and best task resamples that occur
    assert lo >= 0.0 and hi <= 1.0
    # identical tasks: nothing to resample, the interval collapses onto the value
    same = pass_k_ci([(4, 2)] * 5)
    assert same["pass^1"] == [0.5, 0.5, 0.5]
    assert same["pass^2"] == [round(1 / 6, 4)] * 3
    assert pass_k_ci([]) == {}
