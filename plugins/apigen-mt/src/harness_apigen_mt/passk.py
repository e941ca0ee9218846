"""pass^k with a 95% confidence interval, for the tau tasks' summary.

The core reports pass^k = mean over tasks of C(c,k)/C(n,k) over ``--epochs`` trials, and a
bootstrap CI of the per-record mean. Trials of one task are not independent, so the interval here
resamples *tasks* (with replacement, all of a task's trials together) and recomputes pass^k.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from harness.schemas import SampleRecord
from harness.stats import latest_records, pass_hat_k


def trial_table(records: Sequence[SampleRecord], metric: str) -> list[tuple[int, int]]:
    """(trials, successes) per task for a 0/1 metric, from the finished records."""
    per: dict[str, list[float]] = {}
    for r in latest_records(records):
        s = r.scores.get(metric) if r.status == "ok" else None
        if s is not None and s.value is not None:
            per.setdefault(r.sample_id, []).append(float(s.value))
    return [(len(v), sum(1 for x in v if x == 1.0)) for v in per.values()]


def pass_k_ci(
    table: Sequence[tuple[int, int]], level: float = 0.95, resamples: int = 2000, seed: int = 0
) -> dict[str, list[float]]:
    """``{"pass^k": [value, low, high]}`` for k = 1..max trials (tasks with >= k trials)."""
    if not table:
        return {}
    rng = random.Random(seed)
    out: dict[str, list[float]] = {}
    for k in range(1, max(n for n, _ in table) + 1):
        value = pass_hat_k(table, k)
        if value is None:
            continue
        boots = []
        for _ in range(resamples):
            b = pass_hat_k([table[rng.randrange(len(table))] for _ in table], k)
            if b is not None:
                boots.append(b)
        boots.sort()
        lo = boots[int((1 - level) / 2 * len(boots))]
        hi = boots[min(len(boots) - 1, int((1 + level) / 2 * len(boots)))]
        out[f"pass^{k}"] = [round(value, 4), round(lo, 4), round(hi, 4)]
    return out
