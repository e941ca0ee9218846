"""PNG plots (matplotlib, Agg backend, imported only when a plot is drawn)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

PANELS = (
    ("reward", "reward (mean)"),
    ("kl", "KL to reference"),
    ("response_length", "response length (tokens)"),
    ("mixed_share", "share of mixed groups"),
)


def plot_steps(history: list[dict[str, Any]], path: Path) -> Path:
    """Four panels over optimizer steps: reward, KL, response length, share of mixed groups."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(8, 5.5), dpi=100)
    for ax, (key, label) in zip(axes.flat, PANELS, strict=True):
        pts = [(h["step"], h[key]) for h in history if h.get(key) is not None]
        if pts:
            xs, ys = zip(*pts, strict=True)
            ax.plot(xs, ys, marker="." if len(xs) < 60 else None, linewidth=1.2)
        else:
            ax.text(0.5, 0.5, "not logged", ha="center", va="center", transform=ax.transAxes)
        ax.set_title(label, fontsize=10)
        ax.set_xlabel("step")
        ax.grid(alpha=0.3)
    fig.suptitle("GRPO")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def plot_alpha(counts: list[int], rollouts: int, path: Path) -> Path:
    """Bar chart: how many queries had k of N rollouts correct (alpha = k / N)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.5), dpi=100)
    xs = [k / rollouts for k in range(rollouts + 1)]
    ax.bar(xs, counts, width=0.8 / rollouts)
    ax.set_xlabel("alpha (share of correct rollouts)")
    ax.set_ylabel("queries")
    ax.set_title(f"alpha per query ({rollouts} rollouts each)")
    ax.grid(alpha=0.3, axis="y")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
