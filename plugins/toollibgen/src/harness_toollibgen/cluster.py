"""Stage 2: tools grouped by purpose.

``embedding`` (the offline default): MiniLM embeddings of "tags. name: description", k-means with a
seeded k-means++ start (cosine on normalised vectors), k = ceil(sqrt(n / 2)) unless given; each
cluster is named by its most frequent tag. ``llm``: the paper's procedure, a hierarchy proposed
for a seed batch (``seed_batch`` tools), updated batch by batch with ADD_NODE / MODIFY_NODE
operations applied here in code, then each tool assigned to a leaf in batches of
``assign_batch``; a tool the model leaves unassigned, or assigns to an unknown leaf, goes to the
"unassigned" leaf (recorded).

Then the released ``merge_tools`` thresholds: leaves under ``min_size`` tools are dropped (their
tools recorded as rejections), leaves over ``max_size`` are split. The paper's 50 and 300 are
for corpora of tens of thousands of tools; at 50 every bundled cluster would be dropped, so by
default both scale with the number of tools n: min = max(1, round(50 n / 10000)),
max = max(8, round(300 n / 10000))."""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from harness.model import ModelHandle
from harness_toollibgen import prompts
from harness_toollibgen.replies import ask_json
from harness_toollibgen.retrieval import embed, tool_text
from harness_toollibgen.schema import ExtractedTool, Rejection

PAPER_MIN, PAPER_MAX, PAPER_SCALE = 50, 300, 10000


@dataclass
class Clustering:
    """Leaves (name -> tool ids), the hierarchy as nodes, and what was dropped."""

    leaves: dict[str, list[str]]
    nodes: list[dict[str, Any]] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    thresholds: dict[str, int] = field(default_factory=dict)
    log: list[dict[str, Any]] = field(default_factory=list)


def thresholds(n: int, min_size: int | None, max_size: int | None) -> tuple[int, int]:
    """The drop and split sizes: given, or the paper's scaled to ``n`` tools."""
    lo = min_size if min_size is not None else max(1, round(PAPER_MIN * n / PAPER_SCALE))
    hi = max_size if max_size is not None else max(8, round(PAPER_MAX * n / PAPER_SCALE))
    return lo, max(hi, lo)


def kmeans(vectors: Any, k: int, seed: int, iters: int = 50) -> list[int]:
    """Spherical k-means (cosine), k-means++ start from ``seed``; labels per row."""
    import numpy as np

    n = len(vectors)
    k = max(1, min(k, n))
    rng = random.Random(seed)
    centers = [rng.randrange(n)]
    for _ in range(1, k):
        sims = np.max(vectors @ vectors[centers].T, axis=1)
        weights = np.clip(1.0 - sims, 0, None) ** 2
        if weights.sum() <= 0:
            break
        centers.append(rng.choices(range(n), weights=weights.tolist())[0])
    c = vectors[centers].copy()
    labels = np.zeros(n, dtype=int)
    for _ in range(iters):
        new = np.argmax(vectors @ c.T, axis=1)
        if _ and (new == labels).all():
            break
        labels = new
        for j in range(len(c)):
            members = vectors[labels == j]
            if len(members):
                v = members.mean(axis=0)
                c[j] = v / (np.linalg.norm(v) or 1.0)
    return [int(x) for x in labels]


def _label(tools: list[ExtractedTool], used: set[str]) -> str:
    tags = Counter(t.lower() for tool in tools for t in tool.tags)
    words = Counter(
        w for tool in tools for w in tool.tool_info.function.name.split("_") if len(w) > 3
    )
    for name, _ in [*tags.most_common(), *words.most_common()]:
        slug = "_".join(name.split())[:40]
        if slug and slug not in used:
            return slug
    return f"cluster_{len(used)}"


def cluster_text(t: ExtractedTool) -> str:
    """What a tool is clustered by: its topic tags, name and description."""
    text = tool_text(t.tool_info.function.name, t.tool_info.function.description)
    return f"{', '.join(t.tags)}. {text}" if t.tags else text


def embedding_clusters(
    tools: list[ExtractedTool], k: int | None, seed: int, model: str = "minilm"
) -> Clustering:
    if not tools:
        return Clustering(leaves={}, nodes=[{"id": "root", "name": "root", "parent": None}])
    k = k or math.ceil(math.sqrt(len(tools) / 2))
    vecs = embed([cluster_text(t) for t in tools], model)
    labels = kmeans(vecs, k, seed)
    groups: dict[int, list[ExtractedTool]] = {}
    for t, lab in zip(tools, labels, strict=True):
        groups.setdefault(lab, []).append(t)
    leaves: dict[str, list[str]] = {}
    nodes: list[dict[str, Any]] = [{"id": "root", "name": "root", "parent": None}]
    for _, members in sorted(groups.items()):
        name = _label(members, set(leaves))
        leaves[name] = [t.id for t in members]
        nodes.append({"id": name, "name": name, "parent": "root"})
    return Clustering(leaves=leaves, nodes=nodes)


def _listing(tools: list[ExtractedTool]) -> str:
    return "\n".join(
        f"- {t.tool_info.function.name}: {t.tool_info.function.description}" for t in tools
    )


def apply_operations(nodes: list[dict[str, Any]], ops: list[Any]) -> list[str]:
    """Apply ADD_NODE / MODIFY_NODE operations in place; returns what was refused and why."""
    ids = {n["id"] for n in nodes}
    refused = []
    for op in ops:
        if not isinstance(op, dict):
            refused.append(f"not an operation: {op!r}")
            continue
        kind, nid = str(op.get("op", "")).upper(), str(op.get("id", ""))
        if kind == "ADD_NODE" and nid and nid not in ids:
            parent = op.get("parent")
            nodes.append(
                {
                    "id": nid,
                    "name": str(op.get("name") or nid),
                    "parent": parent if parent in ids else None,
                }
            )
            ids.add(nid)
        elif kind == "MODIFY_NODE" and nid in ids:
            for n in nodes:
                if n["id"] == nid:
                    n["name"] = str(op.get("name") or n["name"])
        else:
            refused.append(f"{kind or '?'} {nid or '?'}: unknown operation or id")
    return refused


def _leaf_ids(nodes: list[dict[str, Any]]) -> list[str]:
    parents = {n.get("parent") for n in nodes}
    return [n["id"] for n in nodes if n["id"] not in parents]


async def llm_clusters(
    tools: list[ExtractedTool],
    model: ModelHandle,
    seed_batch: int,
    update_batch: int,
    assign_batch: int,
    max_tokens: int | None,
) -> Clustering:
    result = Clustering(leaves={})
    if not tools:
        return result
    by_name = {t.tool_info.function.name: t for t in tools}
    value, _, err = await ask_json(
        model,
        prompts.CLUSTER_SEED.format(tools=_listing(tools[:seed_batch])),
        "clusters",
        max_tokens,
    )
    nodes: list[dict[str, Any]] = [{"id": "root", "name": "root", "parent": None}]
    if value is None or not isinstance(value.get("clusters"), list):
        result.log.append({"step": "seed", "error": err})
    else:
        ops = [{"op": "ADD_NODE", **c} for c in value["clusters"] if isinstance(c, dict)]
        result.log.append({"step": "seed", "refused": apply_operations(nodes, ops)})
    for start in range(seed_batch, len(tools), update_batch):
        batch = tools[start : start + update_batch]
        hier = "\n".join(f"{n['id']} ({n['name']}) parent={n.get('parent')}" for n in nodes)
        value, _, err = await ask_json(
            model,
            prompts.CLUSTER_UPDATE.format(hierarchy=hier, tools=_listing(batch)),
            "operations",
            max_tokens,
        )
        ops = value.get("operations", []) if value else []
        result.log.append(
            {
                "step": f"update@{start}",
                "error": err,
                "refused": apply_operations(nodes, ops if isinstance(ops, list) else []),
            }
        )
    leaves = [i for i in _leaf_ids(nodes) if i != "root"]
    names = {n["id"]: n["name"] for n in nodes}
    assigned: dict[str, list[str]] = {}
    for start in range(0, len(tools), assign_batch):
        batch = tools[start : start + assign_batch]
        got: dict[str, Any] = {}
        if leaves:
            listing = "\n".join(f"{i}: {names[i]}" for i in leaves)
            value, _, err = await ask_json(
                model,
                prompts.CLUSTER_ASSIGN.format(leaves=listing, tools=_listing(batch)),
                "assign",
                max_tokens,
            )
            got = value.get("assign", {}) if value and isinstance(value.get("assign"), dict) else {}
            if err:
                result.log.append({"step": f"assign@{start}", "error": err})
        for t in batch:
            leaf = got.get(t.tool_info.function.name)
            leaf = leaf if leaf in leaves else "unassigned"
            assigned.setdefault(leaf, []).append(by_name[t.tool_info.function.name].id)
    if "unassigned" in assigned:
        nodes.append({"id": "unassigned", "name": "unassigned", "parent": None})
    result.leaves = dict(assigned)
    result.nodes = nodes
    return result


def merge(c: Clustering, n_tools: int, min_size: int | None, max_size: int | None) -> Clustering:
    """Drop leaves under the minimum (their tools are rejected) and split those over the maximum."""
    lo, hi = thresholds(n_tools, min_size, max_size)
    c.thresholds = {"min_size": lo, "max_size": hi}
    leaves: dict[str, list[str]] = {}
    for name, ids in c.leaves.items():
        if len(ids) < lo:
            c.rejections.extend(
                Rejection(
                    stage="cluster",
                    where=name,
                    tool=i,
                    reason=f"cluster has {len(ids)} < {lo} tools",
                )
                for i in ids
            )
            continue
        if len(ids) <= hi:
            leaves[name] = ids
            continue
        parts = math.ceil(len(ids) / hi)
        size = math.ceil(len(ids) / parts)
        for p in range(parts):
            leaves[f"{name}_{p + 1}"] = ids[p * size : (p + 1) * size]
    c.leaves = leaves
    return c
