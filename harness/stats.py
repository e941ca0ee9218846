"""Aggregation: means, bootstrap 95% confidence intervals and pass^k."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from math import comb

from harness.schemas import MetricResult, SampleRecord


def mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def bootstrap_ci(
    values: Sequence[float], resamples: int = 1000, seed: int = 0, level: float = 0.95
) -> tuple[float | None, float | None]:
    """Percentile bootstrap CI of the mean (deterministic for a given seed).

    For 0/1 scores a resample's success count is Binomial(n, mean), drawn directly; otherwise
    indices are drawn in chunks. numpy keeps this at milliseconds for tens of thousands of records.
    """
    import numpy as np

    n = len(values)
    if n == 0:
        return None, None
    if n == 1 or min(values) == max(values):
        return float(values[0]), float(values[0])
    rng = np.random.default_rng(seed)
    data = np.asarray(values, dtype=float)
    if np.all((data == 0.0) | (data == 1.0)):
        means = rng.binomial(n, data.mean(), size=resamples) / n
    else:
        chunk = max(1, 2_000_000 // n)
        parts = []
        for start in range(0, resamples, chunk):
            k = min(chunk, resamples - start)
            parts.append(data[rng.integers(0, n, size=(k, n))].mean(axis=1))
        means = np.concatenate(parts)
    means.sort()
    lo = float(means[int((1 - level) / 2 * resamples)])
    hi = float(means[min(resamples - 1, int((1 + level) / 2 * resamples))])
    return lo, hi


def pass_hat_k(successes_per_task: Sequence[tuple[int, int]], k: int) -> float | None:
    """pass^k = mean over tasks of C(c, k) / C(n, k) (tau-bench), for tasks with n >= k trials."""
    terms = [comb(c, k) / comb(n, k) for n, c in successes_per_task if n >= k]
    return sum(terms) / len(terms) if terms else None


def latest_records(records: Sequence[SampleRecord]) -> list[SampleRecord]:
    """The last record per (sample, epoch): a retried sample's error record is superseded."""
    latest: dict[tuple[str, int], SampleRecord] = {}
    for r in records:
        latest[(r.sample_id, r.epoch)] = r
    return list(latest.values())


def aggregate(
    records: Sequence[SampleRecord], epochs: int, group_by: Sequence[str] = (), seed: int = 0
) -> list[MetricResult]:
    ok = [r for r in records if r.status == "ok"]
    names: list[str] = []
    for r in ok:
        for name in r.scores:
            if name not in names:
                names.append(name)
    results = []
    for name in names:
        values: list[float] = []
        by_sample: dict[str, list[float]] = defaultdict(list)
        groups: dict[str, list[float]] = defaultdict(list)
        for r in ok:
            s = r.scores.get(name)
            if s is None or s.value is None:
                continue
            v = float(s.value)
            values.append(v)
            by_sample[r.sample_id].append(v)
            for key in group_by:
                if key in r.metadata:
                    groups[f"{key}={r.metadata[key]}"].append(v)
        lo, hi = bootstrap_ci(values, seed=seed)
        result = MetricResult(name=name, mean=mean(values), n=len(values), ci_low=lo, ci_high=hi)
        if epochs > 1 and values and all(v in (0.0, 1.0) for v in values):
            table = [(len(v), int(sum(v))) for v in by_sample.values()]
            for k in range(1, epochs + 1):
                p = pass_hat_k(table, k)
                if p is not None:
                    result.pass_at[str(k)] = p
        result.groups = {g: {"mean": mean(v), "n": len(v)} for g, v in sorted(groups.items())}
        results.append(result)
    return results
