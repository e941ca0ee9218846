"""Figures of the hand-written case (tests/tlg_handwritten.py): the three stages with the scripted
generator, correct and broken, then Recall@k and the scripted solver's accuracy of the library,
the flat per-question set and chain of thought, at growing numbers of questions; writes
curve-correct.png / curve-broken.png and prints the points as JSON.

    python plugins/toollibgen/scripts/handwritten_curve.py OUT_DIR [--retriever bm25|minilm]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from harness_toollibgen.aggregate import (
    AggregateSettings,
    aggregate_cluster,
    flat_library,
    unique_names,
)
from harness_toollibgen.cluster import embedding_clusters, merge
from harness_toollibgen.curve import curve, plot
from harness_toollibgen.evaluate import EvalSettings
from harness_toollibgen.extract import ExtractSettings, extract_trace
from harness_toollibgen.schema import Library
from tlg_handwritten import ScriptedGenerator, ScriptedSolver, handle, traces


async def build(broken: bool) -> tuple[Library, Library, int]:
    gen = handle(ScriptedGenerator(broken=broken), "generator")
    solver = handle(ScriptedSolver(), "solver")
    out = [await extract_trace(t, gen, solver, gen, ExtractSettings(timeout=1.0)) for t in traces()]
    tools = [t for r in out for t in r.tools]
    flat = flat_library(tools, traces())
    c = merge(embedding_clusters(tools, None, 0), len(tools), None, None)
    by_id, tr = {t.id: t for t in tools}, {t.id: t for t in traces()}
    s = AggregateSettings(timeout=1.0)
    outs = [
        await aggregate_cluster(n, [by_id[i] for i in ids], tr, gen, solver, gen, s)
        for n, ids in c.leaves.items()
    ]
    lib_tools = unique_names([t for o in outs for t in o.tools])
    lib = Library(
        format_version=1,
        kind="library",
        tools=lib_tools,
        mapping={t: lt.tool_info.function.name for lt in lib_tools for t in lt.covers},
        question_tools=flat.question_tools,
    )
    return flat, lib, sum(len(o.rejections) for o in outs)


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("out", type=Path)
    ap.add_argument("--retriever", default="bm25")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    # the families interleaved, so every prefix holds all three
    order = sorted(
        traces(),
        key=lambda t: [
            x.id for x in traces() if x.quantities["_family"] == t.quantities["_family"]
        ].index(t.id),
    )
    for broken in (False, True):
        started = time.perf_counter()
        flat, lib, rejected = await build(broken)
        s = EvalSettings(retriever=args.retriever, max_steps=4, timeout=1.0)
        points = await curve(order, flat, lib, [3, 6, 9, 12], handle(ScriptedSolver(), "solver"), s)
        name = "broken" if broken else "correct"
        plot(
            points,
            args.out / f"curve-{name}.png",
            f"hand-written case, {name} general tools ({args.retriever})",
        )
        print(
            json.dumps(
                {
                    "case": name,
                    "rejected_in_aggregation": rejected,
                    "seconds": round(time.perf_counter() - started, 1),
                    "points": points,
                }
            )
        )


if __name__ == "__main__":
    asyncio.run(main())
