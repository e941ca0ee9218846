from __future__ import annotations

import random
from math import comb

from harness.schemas import SampleRecord, Score
from harness.stats import (
    aggregate,
    bootstrap_ci,
    cluster_bootstrap_ci,
    latest_records,
    pass_hat_k,
)


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
    assert m.n == 8 and m.samples == 2 and m.mean == 0.5
    assert m.errors == 1 and m.error_share == 1 / 9
    assert m.pass_at["1"] == 0.5
    assert m.pass_at["2"] == (3 / 6) / 2
    assert set(m.pass_at_ci) == {"1", "2", "3", "4"}
    x, y = m.groups["cat=x"], m.groups["cat=y"]
    assert (x["mean"], x["n"], x["samples"], x["errors"]) == (0.75, 4, 1, 0)
    assert (y["mean"], y["n"], y["samples"], y["errors"]) == (0.25, 4, 1, 0)
    # one sample in a group: no spread between samples to resample, the interval is the point
    assert x["ci_low"] == x["ci_high"] == 0.75
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


def _independent_cluster_bootstrap(
    by_sample: dict[str, list[float]], resamples: int = 4000, seed: int = 99
) -> tuple[float, float]:
    """A plain-Python cluster bootstrap, written apart from harness.stats: draw samples with
    replacement, keep each drawn sample's epochs together, take the mean of all drawn values."""
    rng = random.Random(seed)
    ids = list(by_sample)
    means = []
    for _ in range(resamples):
        drawn = [by_sample[rng.choice(ids)] for _ in ids]
        values = [v for vs in drawn for v in vs]
        means.append(sum(values) / len(values))
    means.sort()
    return means[int(0.025 * resamples)], means[int(0.975 * resamples)]


def test_ci_over_epochs_resamples_whole_samples() -> None:
    # 40 samples x 4 epochs whose epochs agree: 20 always right, 20 always wrong. There are 40
    # independent observations, not 160: the interval must be as wide as a bootstrap over samples.
    records = [rec(f"s{i:02d}", e, float(i % 2)) for i in range(40) for e in range(4)]
    [m] = aggregate(records, epochs=4)
    assert m.mean == 0.5 and m.n == 160 and m.samples == 40
    by_sample: dict[str, list[float]] = {}
    for r in records:
        by_sample.setdefault(r.sample_id, []).append(r.scores["m"].value or 0.0)
    lo, hi = _independent_cluster_bootstrap(by_sample)
    assert m.ci_low is not None and m.ci_high is not None
    assert abs(m.ci_low - lo) <= 0.03 and abs(m.ci_high - hi) <= 0.03
    assert m.ci_high - m.ci_low > 0.25  # treating epochs as independent gives about 0.15
    naive_lo, naive_hi = bootstrap_ci([r.scores["m"].value or 0.0 for r in records])
    assert naive_lo is not None and naive_hi is not None
    assert naive_hi - naive_lo < 0.2  # what the old code reported


def test_cluster_ci_matches_the_independent_bootstrap_on_uneven_clusters() -> None:
    # continuous scores and clusters of different sizes (a resumed run may miss some epochs):
    # the index-drawing path, checked against the plain-Python bootstrap
    rng = random.Random(5)
    by_sample = {f"s{i}": [rng.random() ** 2 for _ in range(1 + i % 3)] for i in range(300)}
    lo, hi = cluster_bootstrap_ci(list(by_sample.values()), resamples=4000)
    want_lo, want_hi = _independent_cluster_bootstrap(by_sample)
    assert lo is not None and hi is not None
    assert abs(lo - want_lo) <= 0.01 and abs(hi - want_hi) <= 0.01


def test_cluster_ci_on_a_large_binary_run_is_centred() -> None:
    # 100k samples of 0/1 scores: the multinomial path (few distinct clusters)
    clusters = [[float((i * 7 + e) % 3 == 0) for e in range(4)] for i in range(100_000)]
    lo, hi = cluster_bootstrap_ci(clusters)
    mean = sum(map(sum, clusters)) / 400_000
    assert lo is not None and hi is not None and lo < mean < hi and hi - lo < 0.01
