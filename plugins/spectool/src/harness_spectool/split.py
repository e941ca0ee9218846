"""Held-out splits that cannot leak: train and test never share a query template.

A query's template is ``additional_info.template`` (the builder function that wrote it; see
``scripts/build_data.py``), or, for a query file without it, its tool combination (the sorted
tool names of its first ground-truth trajectory). ``by="tools"`` is stricter: templates that share a
tool combination go to the same side, so the test side also holds only unseen tool combinations.
A composed query of the hard set has the template ``a+b+...`` of its parts; templates sharing a
part go to the same side, so no single-question template is on both sides.
The held-out templates are drawn with a seeded RNG (no cherry-picking), and both sides are hashed so
a run can record exactly what it trained and tested on.
"""

from __future__ import annotations

import hashlib
import json
import random
from typing import Any, Literal

from harness.errors import UserError

SplitName = Literal["all", "train", "test"]
SplitBy = Literal["template", "tools"]


def tool_combination(q: dict[str, Any]) -> str:
    gts = q.get("ground_truth") or [[]]
    return "+".join(sorted({c["name"] for c in gts[0]}))


def template_of(q: dict[str, Any]) -> str:
    info = q.get("additional_info", {})
    return str(info.get("template") or f"tools:{tool_combination(q)}")


def parts_of(template: str) -> set[str]:
    """The single-question templates a template is made of (``a+b`` for a composed query)."""
    return set(template.split("+"))


def _groups(queries: list[dict[str, Any]], by: SplitBy) -> dict[str, set[str]]:
    """Group name -> templates in it (one template per group, or templates joined by tools)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    for q in queries:
        t = template_of(q)
        find(t)
        for part in parts_of(t):  # a composed query (the hard set) joins its parts' templates
            a, b = find(t), find(part)
            if a != b:
                parent[b] = a
        if by == "tools":
            a, b = find(t), find("tools:" + tool_combination(q))
            if a != b:
                parent[b] = a
    groups: dict[str, set[str]] = {}
    for q in queries:
        t = template_of(q)
        groups.setdefault(find(t), set()).add(t)
    return groups


def held_out_templates(
    queries: list[dict[str, Any]], fraction: float, seed: int, by: SplitBy = "template"
) -> set[str]:
    """The templates of the test side: a seeded draw of groups until ``fraction`` of the queries."""
    if not 0 < fraction < 1:
        raise UserError(f"held_out must be between 0 and 1 (got {fraction})")
    groups = _groups(queries, by)
    names = sorted(groups)
    random.Random(seed).shuffle(names)
    size = {t: 0 for g in groups.values() for t in g}
    for q in queries:
        size[template_of(q)] += 1
    want, got, out = fraction * len(queries), 0, set()
    for name in names:
        if got >= want:
            break
        out |= groups[name]
        got += sum(size[t] for t in groups[name])
    if len(out) == len(size):
        raise UserError("held_out leaves no template for training; lower it")
    return out


def split_queries(
    queries: list[dict[str, Any]],
    side: SplitName,
    fraction: float = 0.25,
    seed: int = 0,
    by: SplitBy = "template",
) -> list[dict[str, Any]]:
    """The queries of one side (``all``: every query)."""
    if side == "all":
        return list(queries)
    test = held_out_templates(queries, fraction, seed, by)
    return [q for q in queries if (template_of(q) in test) == (side == "test")]


def check_disjoint(train: list[dict[str, Any]], test: list[dict[str, Any]]) -> None:
    """Refuse a split whose sides share a query template or a query id."""
    seen = {p for q in train for p in parts_of(template_of(q))}
    shared = sorted({p for q in test for p in parts_of(template_of(q))} & seen)
    if shared:
        raise UserError(
            f"train and test share {len(shared)} query template(s): {', '.join(shared[:5])}; "
            "split by template (a held-out score on seen templates is not held out)"
        )
    ids = sorted({q["id"] for q in train} & {q["id"] for q in test})
    if ids:
        raise UserError(f"train and test share query ids: {', '.join(ids[:5])}")


def split_hash(queries: list[dict[str, Any]]) -> str:
    """SHA-256 over the sorted (id, template, goal) of a side: what a run trained or tested on."""
    rows = sorted((q["id"], template_of(q), q["goal"]) for q in queries)
    return hashlib.sha256(json.dumps(rows).encode()).hexdigest()


def describe(queries: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "queries": len(queries),
        "templates": sorted({template_of(q) for q in queries}),
        "tool_combinations": sorted({tool_combination(q) for q in queries}),
        "sha256": split_hash(queries),
    }
