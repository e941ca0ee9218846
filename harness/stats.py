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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
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
    epochs) with replacement; deterministic for a given seed. See :func:`cluster_sums_ci`."""
    clusters = [c for c in clusters if len(c)]
    if not clusters:
        return None, None
    return cluster_sums_ci(
        [float(sum(c)) for c in clusters],
        [len(c) for c in clusters],
        min(min(c) for c in clusters),
        max(max(c) for c in clusters),
        resamples,
        seed,
        level,
    )


def cluster_sums_ci(
    sums: Sequence[float],
    sizes: Sequence[int],
    lo_all: float,
    hi_all: float,
    resamples: int = RESAMPLES,
    seed: int = 0,
    level: float = LEVEL,
) -> tuple[float | None, float | None]:
    """The cluster bootstrap from each cluster's sum and size alone (and the smallest and largest
    value over all clusters), so a caller can stream values without keeping them.

    A replicate's mean is (sum of the drawn clusters' sums) / (sum of their sizes). Clusters are
    grouped by their (sum, size) pair: when there are few distinct pairs (0/1 scores over a few
    epochs give at most epochs + 1 per size) a replicate is one multinomial draw of how often
    each pair is picked, which keeps 100,000 samples at milliseconds; otherwise cluster indices
    are drawn in chunks.
    """
    import numpy as np

    m = len(sums)
    if m == 0:
        return None, None
    sums_a = np.fromiter(sums, dtype=float, count=m)
    sizes_a = np.fromiter(sizes, dtype=float, count=m)
    point = float(sums_a.sum() / sizes_a.sum())
    if m == 1 or lo_all == hi_all:
        return point, point
    rng = np.random.default_rng(seed)
    pairs, counts = np.unique(np.stack([sums_a, sizes_a], axis=1), axis=0, return_counts=True)
    if len(pairs) <= 256 or 4 * len(pairs) <= m:
        draws = rng.multinomial(m, counts / m, size=resamples).astype(float)
        means = (draws @ pairs[:, 0]) / (draws @ pairs[:, 1])
    else:
        chunk = max(1, 2_000_000 // m)
        parts = []
        for start in range(0, resamples, chunk):
            k = min(chunk, resamples - start)
            idx = rng.integers(0, m, size=(k, m))
            parts.append(sums_a[idx].sum(axis=1) / sizes_a[idx].sum(axis=1))
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


@dataclass(slots=True)
class SlimRecord:
    """The part of a record aggregation reads: what :func:`aggregate` and the run index's
    streaming aggregation see (never the transcript)."""

    sample_id: str
    status: str
    scores: dict[str, float | None]  # metric -> value (None: does not apply)
    groups: dict[str, str]  # group label "key=value" for each group_by key the sample has


def slim(record: SampleRecord, group_by: Sequence[str] = ()) -> SlimRecord:
    """The slim projection of a full record."""
    return SlimRecord(
        sample_id=record.sample_id,
        status=record.status,
        scores={k: (None if s.value is None else float(s.value)) for k, s in record.scores.items()},
        groups={k: f"{k}={record.metadata[k]}" for k in group_by if k in record.metadata},
    )


class _Clusters:
    """Per sample, the sum and count of one metric's values (all the bootstrap needs)."""

    __slots__ = ("binary", "by_sample", "hi", "lo")

    def __init__(self) -> None:
        self.by_sample: dict[str, list[float]] = {}  # sample -> [sum, count]
        self.lo = float("inf")
        self.hi = float("-inf")
        self.binary = True

    def add(self, sample_id: str, v: float) -> None:
        cell = self.by_sample.get(sample_id)
        if cell is None:
            self.by_sample[sample_id] = [v, 1.0]
        else:
            cell[0] += v
            cell[1] += 1.0
        self.lo = min(self.lo, v)
        self.hi = max(self.hi, v)
        self.binary = self.binary and v in (0.0, 1.0)

    def summary(self, errors: int, records: int, seed: int) -> dict[str, Any]:
        cells = list(self.by_sample.values())
        n = int(sum(c[1] for c in cells))
        lo, hi = cluster_sums_ci(
            [c[0] for c in cells], [int(c[1]) for c in cells], self.lo, self.hi, seed=seed
        )
        return {
            "mean": sum(c[0] for c in cells) / n if n else None,
            "n": n,
            "samples": len(cells),
            "ci_low": lo,
            "ci_high": hi,
            "errors": errors,
            "error_share": errors / records if records else None,
        }


class Aggregator:
    """Streaming aggregation: feed :class:`SlimRecord`s one at a time (one per sample and
    epoch, latest wins), then :meth:`results`. Memory grows with the number of distinct samples
    (a sum and a count per sample and metric), never with transcripts."""

    def __init__(self, epochs: int, seed: int = 0) -> None:
        self.epochs = epochs
        self.seed = seed
        self.records = 0
        self.errors = 0
        self.group_records: dict[str, int] = defaultdict(int)
        self.group_errors: dict[str, int] = defaultdict(int)
        self.metrics: dict[str, _Clusters] = {}  # in order of first appearance
        self.groups: dict[str, dict[str, _Clusters]] = {}

    def add(self, r: SlimRecord) -> None:
        self.records += 1
        ok = r.status == "ok"
        self.errors += not ok
        for g in r.groups.values():
            self.group_records[g] += 1
            self.group_errors[g] += not ok
        if not ok:
            return
        for name, v in r.scores.items():
            clusters = self.metrics.get(name)
            if clusters is None:
                clusters = self.metrics[name] = _Clusters()
                self.groups[name] = {}
            if v is None:
                continue
            clusters.add(r.sample_id, v)
            by_group = self.groups[name]
            for g in r.groups.values():
                cg = by_group.get(g)
                if cg is None:
                    cg = by_group[g] = _Clusters()
                cg.add(r.sample_id, v)

    def results(self) -> list[MetricResult]:
        out = []
        seed = self.seed
        for name, clusters in self.metrics.items():
            result = MetricResult(name=name, **clusters.summary(self.errors, self.records, seed))
            cells = list(clusters.by_sample.values())
            if self.epochs > 1 and cells and clusters.binary:
                table = [(int(c[1]), int(c[0])) for c in cells]
                for k in range(1, self.epochs + 1):
                    terms = pass_hat_k_terms(table, k)
                    if terms:
                        result.pass_at[str(k)] = sum(terms) / len(terms)
                        lo, hi = cluster_sums_ci(
                            terms, [1] * len(terms), min(terms), max(terms), seed=seed
                        )
                        result.pass_at_ci[str(k)] = [lo, hi]
            by_group = self.groups[name]
            result.groups = {
                g: by_group[g].summary(self.group_errors[g], self.group_records[g], seed)
                for g in sorted(by_group)
            }
            out.append(result)
        return out


def aggregate(
    records: Iterable[SampleRecord], epochs: int, group_by: Sequence[str] = (), seed: int = 0
) -> list[MetricResult]:
    """One :class:`MetricResult` per metric over ``records`` (one per sample and epoch: pass
    :func:`latest_records`); error records count in ``errors``, never in a mean. Streams: the
    records may be an iterator."""
    agg = Aggregator(epochs, seed)
    for r in records:
        agg.add(slim(r, group_by))
    return agg.results()
