"""Reports: LCBS and the four dimensions by category, difficulty, language and context bucket
(results.json ``extra``), and a PNG of LCBS against context length saved in the run directory."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from harness.schemas import SampleRecord
from harness_locobench.metrics import DIMENSIONS
from harness_locobench.tokens import BUCKETS

KEYS = ("task_category", "difficulty", "language", "context_bucket")
PLOT_NAME = "lcbs_vs_context.png"


def tables(records: list[SampleRecord]) -> dict[str, Any]:
    """{key: {value: {lcbs, dimensions..., n}}} over scored records; LCBS None is skipped."""
    out: dict[str, Any] = {}
    for key in KEYS:
        groups: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
        for r in records:
            if r.status != "ok":
                continue
            g = str(r.metadata.get(key))
            for name in ("lcbs", *DIMENSIONS):
                s = r.scores.get(name)
                if s is not None and s.value is not None:
                    groups[g][name].append(s.value)
        out[f"by_{key}"] = {
            g: {n: round(sum(v) / len(v), 3) for n, v in vals.items()} | {"n": len(vals["lcbs"])}
            for g, vals in sorted(groups.items())
        }
    return out


def plot(run_dir: Path, records: list[SampleRecord]) -> Path | None:
    """LCBS of every scored sample against its context tokens (log scale), bucket means on top."""
    pts = [
        (float(r.metadata.get("context_tokens") or 0), r.scores["lcbs"].value)
        for r in records
        if r.status == "ok" and r.scores.get("lcbs") and r.scores["lcbs"].value is not None
    ]
    if not pts:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    ax.scatter([max(p[0], 1) for p in pts], [p[1] for p in pts], s=14, alpha=0.6, label="sample")
    means = []
    for _name, low, high in BUCKETS:
        ys = [y for x, y in pts if low <= x < high]
        if ys:
            mid = [x for x, _ in pts if low <= x < high]
            means.append((sum(mid) / len(mid), sum(ys) / len(ys)))
    if means:
        ax.plot([m[0] for m in means], [m[1] for m in means], "o-", color="C3", label="bucket mean")
    ax.set_xscale("log")
    ax.set_ylim(0, 5)
    ax.set_xlabel("context tokens (estimated: characters / 3)")
    ax.set_ylabel("LCBS (0-5)")
    ax.set_title("LoCoBench score against context length")
    ax.legend(loc="upper right")
    fig.tight_layout()
    path = run_dir / PLOT_NAME
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
