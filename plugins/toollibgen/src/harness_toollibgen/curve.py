"""Accuracy and Recall@k against library size: for growing prefixes of the questions, the
library restricted to the tools that cover those questions, beside the flat per-question set
restricted the same way, and chain of thought without tools; written as JSON and a PNG."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness.model import ModelHandle
from harness_toollibgen.evaluate import EvalSettings, index_for, recalls, solve_one
from harness_toollibgen.grading import RECALL_KS
from harness_toollibgen.schema import Library, Trace


def restrict(lib: Library, qids: list[str]) -> Library:
    """The tools of ``lib`` covering the original tools of questions ``qids``."""
    own = [t for q in qids for t in lib.question_tools.get(q, [])]
    names = {lib.mapping[t] for t in own if lib.mapping.get(t)}
    return Library(
        format_version=1,
        kind=lib.kind,
        tools=[t for t in lib.tools if t.tool_info.function.name in names],
        mapping={t: lib.mapping.get(t) for t in own},
        question_tools={q: lib.question_tools.get(q, []) for q in qids},
    )


def _mean(xs: list[float]) -> float | None:
    return sum(xs) / len(xs) if xs else None


async def point(
    kind: str, lib: Library | None, traces: list[Trace], solver: ModelHandle | None, s: EvalSettings
) -> dict[str, Any]:
    """Recall@k (and accuracy, with a solver) of one restricted library on ``traces``."""
    out: dict[str, Any] = {
        "kind": kind,
        "questions": len(traces),
        "tools": len(lib.tools) if lib else 0,
    }
    if lib is not None:
        index = index_for(lib, s.retriever)
        rs = [recalls(index, lib, t) for t in traces]
        for k in RECALL_KS:
            out[f"recall@{k}"] = _mean(
                [r[f"recall@{k}"] for r in rs if r[f"recall@{k}"] is not None]
            )
    if solver is not None:
        mode = EvalSettings(**{**s.__dict__, "mode": "cot" if lib is None else "tools"})
        idx = index_for(lib, s.retriever) if lib is not None else None
        right = [float((await solve_one(solver, t, lib, idx, mode))[1]["correct"]) for t in traces]
        out["accuracy"] = _mean(right)
    return out


async def curve(
    traces: list[Trace],
    flat: Library,
    lib: Library,
    sizes: list[int],
    solver: ModelHandle | None,
    s: EvalSettings,
) -> list[dict[str, Any]]:
    points = []
    for n in sizes:
        part = traces[:n]
        qids = [t.id for t in part]
        points.append(await point("flat", restrict(flat, qids), part, solver, s))
        points.append(await point("library", restrict(lib, qids), part, solver, s))
        if solver is not None:
            points.append(await point("cot", None, part, solver, s))
    return points


def plot(points: list[dict[str, Any]], path: Path, title: str) -> None:
    """Accuracy and Recall@5 against the number of questions (tool counts as labels)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, metric in zip(axes, ("accuracy", "recall@5"), strict=True):
        for kind, style in (("library", "o-"), ("flat", "s--"), ("cot", "^:")):
            pts = [p for p in points if p["kind"] == kind and p.get(metric) is not None]
            if not pts:
                continue
            ax.plot([p["questions"] for p in pts], [p[metric] for p in pts], style, label=kind)
            for p in pts:
                if kind != "cot":
                    ax.annotate(str(p["tools"]), (p["questions"], p[metric]), fontsize=7)
        ax.set_xlabel("questions (label: tools in the set)")
        ax.set_ylabel(metric)
        ax.set_ylim(-0.05, 1.05)
        if ax.get_legend_handles_labels()[0]:
            ax.legend()
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
