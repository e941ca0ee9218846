"""The three stages and the evaluation on the hand-written case (tests/tlg_handwritten.py), whose
outputs are known: with correct tools the library beats the flat per-question set on Recall@5
and on a scripted solver's accuracy; with broken tools it does not, and the records say which
tool was rejected and why."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from harness_toollibgen.aggregate import (
    AggregateSettings,
    aggregate_cluster,
    flat_library,
    unique_names,
)
from harness_toollibgen.cluster import embedding_clusters, merge
from harness_toollibgen.curve import curve, plot, point
from harness_toollibgen.evaluate import EvalSettings
from harness_toollibgen.extract import ExtractSettings, extract_trace
from harness_toollibgen.schema import Library
from tlg_handwritten import FAMILIES, ScriptedGenerator, ScriptedSolver, handle, traces

TIMEOUT = 1.0  # CPU seconds; wall time gets slack (execute.limits)


async def _gather(coros: list[Any], n: int = 4) -> list[Any]:
    sem = asyncio.Semaphore(n)

    async def one(c: Any) -> Any:
        async with sem:
            return await c

    return await asyncio.gather(*(one(c) for c in coros))


@pytest.fixture(scope="module")
def stage1() -> Any:
    gen = handle(ScriptedGenerator(), "generator")
    solver = handle(ScriptedSolver(), "verifier")
    s = ExtractSettings(refine_rounds=0, timeout=TIMEOUT)
    out = asyncio.run(_gather([extract_trace(t, gen, solver, gen, s) for t in traces()]))
    tools = [t for r in out for t in r.tools]
    flat = flat_library(tools, traces())
    return tools, flat, [x for r in out for x in r.rejections]


def test_stage1_known_tools(stage1: Any) -> None:
    tools, _, rejections = stage1
    assert rejections == []
    assert len(tools) == 12
    lamp = next(t for t in tools if t.trace_id == "lamp")
    assert lamp.tool_info.function.name == "sale_price_after_discount"
    assert lamp.tool_info.function.parameters == {
        "type": "object",
        "properties": {"price": {"type": "number", "description": "the amount."}},
        "required": ["price"],
    }
    assert lamp.example == {"price": 50}


@pytest.fixture(scope="module")
def clusters(stage1: Any) -> Any:
    tools = stage1[0]
    c = embedding_clusters(tools, None, seed=0)
    merge(c, len(tools), None, None)
    return c


def test_stage2_known_clusters(clusters: Any) -> None:
    groups = sorted(sorted(ids) for ids in clusters.leaves.values())
    expected = sorted(
        sorted(f"{q[0]}/{t[0]}" for q, t in zip(f["questions"], f["tools"], strict=True))
        for f in FAMILIES.values()
    )
    assert groups == expected
    assert clusters.thresholds == {"min_size": 1, "max_size": 8}


def _aggregate(stage1: Any, clusters: Any, broken: bool) -> tuple[Library, list[Any]]:
    tools = stage1[0]
    by_id = {t.id: t for t in tools}
    gen = handle(ScriptedGenerator(broken=broken), "generator")
    rev = handle(ScriptedSolver(), "reviewer")
    s = AggregateSettings(timeout=TIMEOUT, review_questions=2)
    tr = {t.id: t for t in traces()}
    outs = asyncio.run(
        _gather(
            [
                aggregate_cluster(n, [by_id[i] for i in ids], tr, gen, rev, gen, s)
                for n, ids in clusters.leaves.items()
            ]
        )
    )
    lib_tools = unique_names([t for o in outs for t in o.tools])
    mapping = {t: lt.tool_info.function.name for lt in lib_tools for t in lt.covers}
    lib = Library(
        format_version=1,
        kind="library",
        tools=lib_tools,
        mapping=mapping,
        question_tools=stage1[1].question_tools,
    )
    return lib, [x for o in outs for x in o.rejections]


def _scores(lib: Library) -> dict[str, Any]:
    s = EvalSettings(retriever="bm25", max_steps=4, timeout=TIMEOUT)
    return asyncio.run(point(lib.kind, lib, traces(), handle(ScriptedSolver()), s))


@pytest.fixture(scope="module")
def library_ok(stage1: Any, clusters: Any) -> tuple[Library, list[Any]]:
    return _aggregate(stage1, clusters, broken=False)


@pytest.fixture(scope="module")
def flat_scores(stage1: Any) -> dict[str, Any]:
    return _scores(stage1[1])


def test_correct_tools_library_beats_flat(library_ok: Any, flat_scores: Any) -> None:
    lib, rejections = library_ok
    assert rejections == []
    assert sorted(t.tool_info.function.name for t in lib.tools) == sorted(
        f["general"] for f in FAMILIES.values()
    )
    assert all(t.review == "pass" for t in lib.tools)
    assert lib.mapping["lamp/sale_price_after_discount"] == "apply_percent_discount"
    ours, flat = _scores(lib), flat_scores
    assert ours["recall@5"] == 1.0 and ours["accuracy"] == 1.0
    assert ours["recall@5"] > flat["recall@5"]
    assert ours["accuracy"] > flat["accuracy"]


def test_broken_tools_do_not_beat_flat(stage1: Any, clusters: Any, flat_scores: Any) -> None:
    lib, rejections = _aggregate(stage1, clusters, broken=True)
    why = {r.tool: r.reason for r in rejections}
    assert "not allowed" in why["apply_percent_discount"]
    assert "timed out" in why["distance_from_speed_and_time"]
    assert "NEED_PATCHING" in why["total_cost_of_items"]
    # nothing general survived: the library carries the per-question tools
    assert {t.review for t in lib.tools} == {"carried"}
    ours, flat = _scores(lib), flat_scores
    assert ours["recall@5"] <= flat["recall@5"]
    assert ours["accuracy"] <= flat["accuracy"]


def test_curve_json_and_png(stage1: Any, library_ok: Any, tmp_path: Path) -> None:
    s = EvalSettings(retriever="bm25")
    points = asyncio.run(curve(traces(), stage1[1], library_ok[0], [3, 12], None, s))
    by = {(p["kind"], p["questions"]): p for p in points}
    assert by[("library", 3)]["tools"] == 1 and by[("flat", 3)]["tools"] == 3
    assert by[("library", 12)]["tools"] == 3 and by[("flat", 12)]["tools"] == 12
    assert by[("library", 12)]["recall@5"] >= by[("flat", 12)]["recall@5"]
    plot(points, tmp_path / "curve.png", "test")
    assert (tmp_path / "curve.png").read_bytes()[:4] == b"\x89PNG"
