"""Aggregation: means, clustered bootstrap 95% confidence intervals and pass^k.

What the numbers are over: a metric's ``mean`` is over every scored record, one record per
(sample, epoch); ``n`` counts those records and ``samples`` the distinct samples among them.
The epochs of one sample are not independent draws (the same question, often the same answer),
so every interval resamples whole samples: a bootstrap replicate draws samples with replacement
and takes all epochs of each drawn sample (the cluster bootstrap). Treating epochs as independent
would shrink the interval by up to the square root of the number of epochs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from math import comb
from typing import Any

from harness.schemas import MetricResult, SampleRecord

RESAMPLES = 1000
LEVEL = 0.95


def mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def cluster_bootstrap_ci(
    clusters: Sequence[Sequence[float]],
    resamples: int = RESAMPLES,
    seed: int = 0,
    level: float = LEVEL,
) -> tuple[float | None, float | None]:
    """Percentile bootstrap CI of the mean of all values, resampling whole clusters (a sample's
    epochs) with replacement; deterministic for a given seed.

    A replicate's mean is (sum of the drawn clusters' sums) / (sum of their sizes). Clusters are
    grouped by their (sum, size) pair: when there are few distinct pairs (0/1 scores over a few
    epochs give at most epochs + 1 per size) a replicate is one multinomial draw of how often
    each pair is picked, which keeps 100,000 samples at milliseconds; otherwise cluster indices
    are drawn in chunks.
    """
    import numpy as np

    clusters = [c for c in clusters if len(c)]
    m = len(clusters)
    if m == 0:
        return None, None
    sums = np.fromiter((float(sum(c)) for c in clusters), dtype=float, count=m)
    sizes = np.fromiter((len(c) for c in clusters), dtype=float, count=m)
    point = float(sums.sum() / sizes.sum())
    lo_all = min(min(c) for c in clusters)
    hi_all = max(max(c) for c in clusters)
    if m == 1 or lo_all == hi_all:
        return point, point
    rng = np.random.default_rng(seed)
    pairs, counts = np.unique(np.stack([sums, sizes], axis=1), axis=0, return_counts=True)
    if len(pairs) <= 256 or 4 * len(pairs) <= m:
        draws = rng.multinomial(m, counts / m, size=resamples).astype(float)
        means = (draws @ pairs[:, 0]) / (draws @ pairs[:, 1])
    else:
        chunk = max(1, 2_000_000 // m)
        parts = []
        for start in range(0, resamples, chunk):
            k = min(chunk, resamples - start)
            idx = rng.integers(0, m, size=(k, m))
            parts.append(sums[idx].sum(axis=1) / sizes[idx].sum(axis=1))
        means = np.concatenate(parts)
    means.sort()
    lo = float(means[int((1 - level) / 2 * resamples)])
    hi = float(means[min(resamples - 1, int((1 + level) / 2 * resamples))])
    return lo, hi


def bootstrap_ci(
    values: Sequence[float], resamples: int = RESAMPLES, seed: int = 0, level: float = LEVEL
) -> tuple[float | None, float | None]:
    """Percentile bootstrap CI of the mean of independent values (clusters of one)."""
    return cluster_bootstrap_ci([[v] for v in values], resamples, seed, level)


def pass_hat_k_terms(successes_per_task: Sequence[tuple[int, int]], k: int) -> list[float]:
    """Per task, C(c, k) / C(n, k) (tau-bench's pass^k), for tasks with n >= k trials."""
    return [comb(c, k) / comb(n, k) for n, c in successes_per_task if n >= k]


def pass_hat_k(successes_per_task: Sequence[tuple[int, int]], k: int) -> float | None:
    """pass^k = mean over tasks of C(c, k) / C(n, k), for tasks with n >= k trials."""
    return mean(pass_hat_k_terms(successes_per_task, k))


def latest_records(records: Sequence[SampleRecord]) -> list[SampleRecord]:
    """The last record per (sample, epoch): a retried sample's error record is superseded."""
    latest: dict[tuple[str, int], SampleRecord] = {}
    for r in records:
        latest[(r.sample_id, r.epoch)] = r
    return list(latest.values())


def _summary(
    by_sample: dict[str, list[float]], errors: int, records: int, seed: int
) -> dict[str, Any]:
    values = [v for vs in by_sample.values() for v in vs]
    lo, hi = cluster_bootstrap_ci(list(by_sample.values()), seed=seed)
    return {
        "mean": mean(values),
        "n": len(values),
        "samples": len(by_sample),
        "ci_low": lo,
        "ci_high": hi,
        "errors": errors,
        "error_share": errors / records if records else None,
    }


def aggregate(
    records: Sequence[SampleRecord], epochs: int, group_by: Sequence[str] = (), seed: int = 0
) -> list[MetricResult]:
    """One :class:`MetricResult` per metric over ``records`` (one per sample and epoch: pass
    :func:`latest_records`); error records count in ``errors``, never in a mean."""
    ok = [r for r in records if r.status == "ok"]
    errors = len(records) - len(ok)
    group_records: dict[str, int] = defaultdict(int)
    group_errors: dict[str, int] = defaultdict(int)
    for r in records:
        for key in group_by:
            if key in r.metadata:
                g = f"{key}={r.metadata[key]}"
                group_records[g] += 1
                group_errors[g] += r.status != "ok"
    names: list[str] = []
    for r in ok:
        for name in r.scores:
            if name not in names:
                names.append(name)
    results = []
    for name in names:
        by_sample: dict[str, list[float]] = defaultdict(list)
        groups: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
        for r in ok:
            s = r.scores.get(name)
            if s is None or s.value is None:
                continue
            v = float(s.value)
            by_sample[r.sample_id].append(v)
            for key in group_by:
                if key in r.metadata:
                    groups[f"{key}={r.metadata[key]}"][r.sample_id].append(v)
        result = MetricResult(name=name, **_summary(by_sample, errors, len(records), seed))
        values = [v for vs in by_sample.values() for v in vs]
        if epochs > 1 and values and all(v in (0.0, 1.0) for v in values):
            table = [(len(v), int(sum(v))) for v in by_sample.values()]
            for k in range(1, epochs + 1):
                terms = pass_hat_k_terms(table, k)
                if terms:
                    result.pass_at[str(k)] = sum(terms) / len(terms)
                    lo, hi = bootstrap_ci(terms, seed=seed)
                    result.pass_at_ci[str(k)] = [lo, hi]
        result.groups = {
            g: _summary(groups[g], group_errors[g], group_records[g], seed) for g in sorted(groups)
        }
        results.append(result)
    return results
