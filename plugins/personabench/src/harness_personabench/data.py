"""Load a community (ours or the released one) at one noise level and chunk its sessions.

Layout (the release's, inferred): ``graph_json/social_graph.json``,
``private_data/noise_<x>/`` with ``<kind>_all.json`` (``[{Name, Data}]``) or ``<Name>/<kind>.json``,
``eval_info/eval_info_all.json`` and ``qa_gt_context_all_noise_<x>.json`` anywhere below.
Each session is one chunk, as in the original: its fields as plain text, without ``session`` and
``segment_id``."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from harness.errors import UserError
from harness_personabench.schemas import (
    GroundTruth,
    PersonDocuments,
    PersonQuestions,
    Question,
    SocialGraph,
)

BUNDLED = Path(__file__).parent / "data"
NOISE_LEVELS = (0.0, 0.3, 0.5, 0.7)
KINDS = ("conversation_data", "user_ai_interaction_data", "purchase_history_data")


@dataclass
class Chunk:
    segment_id: str
    kind: str
    time: str
    text: str


@dataclass
class Item:
    person: str
    question: Question
    gt: dict[str, list[str]] | None


@dataclass
class Community:
    name: str
    noise: float
    graph: SocialGraph
    chunks: dict[str, list[Chunk]] = field(default_factory=dict)
    items: list[Item] = field(default_factory=list)


def _read(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise UserError(f"personabench: cannot read {path}: {e}") from None


def _check(model: Any, data: Any, where: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as e:
        err = e.errors()[0]
        loc = ".".join(str(p) for p in err["loc"])
        raise UserError(f"personabench: {where}: field {loc}: {err['msg']}") from None


def community_dirs(root: Path) -> list[Path]:
    """``root`` itself if it is a community, else its ``community_*`` subfolders."""
    if (root / "graph_json").is_dir() or (root / "private_data").is_dir():
        return [root]
    found = sorted(p for p in root.glob("community_*") if p.is_dir())
    if not found:
        raise UserError(f"personabench: no community (graph_json/ or community_*/) under {root}")
    return found


def _noise_dir(root: Path, noise: float) -> Path:
    d = root / "private_data" / f"noise_{noise}"
    if not d.is_dir():
        raise UserError(f"personabench: no documents for noise {noise}: {d} is missing")
    return d


def load_documents(root: Path, noise: float) -> dict[str, PersonDocuments]:
    """Name -> that person's documents, from ``<kind>_all.json`` or ``<Name>/<kind>.json``."""
    d = _noise_dir(root, noise)
    raw: dict[str, dict[str, Any]] = {}
    for kind in KINDS:
        merged = d / f"{kind}_all.json"
        if merged.exists():
            for entry in _read(merged):
                raw.setdefault(entry["Name"], {})[kind] = entry["Data"]
            continue
        for f in sorted(d.glob(f"*/{kind}.json")):
            raw.setdefault(f.parent.name, {})[kind] = _read(f)
    if not raw:
        raise UserError(f"personabench: no documents in {d}")
    return {n: _check(PersonDocuments, v, f"{d} documents of {n}") for n, v in raw.items()}


def _plain(session: dict[str, Any]) -> str:
    """A session as plain text, leaving out ``session`` and ``segment_id`` (as the original)."""
    lines: list[str] = []

    def walk(value: Any, key: str | None) -> None:
        if isinstance(value, dict):
            if "role" in value and "content" in value:
                lines.append(f"{value['role']}: {value['content']}")
                return
            for k, v in value.items():
                if k not in ("session", "segment_id"):
                    walk(v, k)
        elif isinstance(value, list):
            for v in value:
                walk(v, key)
        else:
            lines.append(f"{key}: {value}" if key else str(value))

    walk(session, None)
    return "\n".join(lines)


def chunk_documents(docs: PersonDocuments) -> list[Chunk]:
    """One chunk per session, every kind, in time order."""
    out: list[Chunk] = []
    for conv in docs.conversation_data:
        for s in conv.Conversations:
            d = s.model_dump(mode="json")
            out.append(Chunk(str(s.segment_id), "conversation", s.time, _plain(d)))
    for s2 in docs.user_ai_interaction_data:
        d = s2.model_dump(mode="json")
        out.append(Chunk(str(s2.segment_id), "user_ai_interaction", s2.time, _plain(d)))
    for s3 in docs.purchase_history_data:
        d = s3.model_dump(mode="json")
        out.append(Chunk(str(s3.segment_id), "purchase_history", s3.time, _plain(d)))
    out.sort(key=lambda c: c.time)
    return out


def _find(root: Path, name: str) -> Path:
    hits = sorted(root.rglob(name))
    if not hits:
        raise UserError(f"personabench: {name} not found under {root}")
    return hits[0]


def load_ground_truth(root: Path, noise: float) -> dict[tuple[str | None, str], GroundTruth]:
    """(Name or None, q_id) -> ground truth; accepts flat lists or ``[{Name, Data}]``."""
    path = _find(root, f"qa_gt_context_all_noise_{noise}.json")
    out: dict[tuple[str | None, str], GroundTruth] = {}
    for i, entry in enumerate(_read(path)):
        group = entry.get("Data", [entry])
        for j, g in enumerate(group):
            gt = _check(GroundTruth, g, f"{path} entry {i}.{j}")
            name = entry.get("Name") or gt.Name
            out[(name, str(gt.q_id))] = gt
    return out


def load_community(root: Path, noise: float) -> Community:
    """Load and cross-check one community; the first segment id no document has is an error."""
    graph = _check(SocialGraph, _read(_find(root, "social_graph.json")), f"{root} social graph")
    docs = load_documents(root, noise)
    com = Community(root.name, noise, graph)
    com.chunks = {n: chunk_documents(d) for n, d in docs.items()}
    gts = load_ground_truth(root, noise)
    qpath = _find(root, "eval_info_all.json")
    for i, raw in enumerate(_read(qpath)):
        person = _check(PersonQuestions, raw, f"{qpath} entry {i}")
        ids = {c.segment_id for c in com.chunks.get(person.Name, [])}
        for q in person.Eval_Info.qa:
            gt = gts.get((person.Name, str(q.q_id))) or gts.get((None, str(q.q_id)))
            if gt is None and q.type != "Subjective":
                raise UserError(
                    f"personabench: {root.name} noise {noise}: question {q.q_id} of "
                    f"{person.Name} has no ground-truth segment ids"
                )
            mapping = None
            if gt is not None:
                mapping = {k: [str(s) for s in v] for k, v in gt.segment_id.items()}
            _check_ids(root.name, noise, person.Name, q, mapping, ids)
            com.items.append(Item(person.Name, q, mapping))
    return com


def _check_ids(
    com: str, noise: float, name: str, q: Question, gt: dict[str, list[str]] | None, ids: set[str]
) -> None:
    for item, segs in (gt or {}).items():
        for s in segs:
            if s not in ids:
                raise UserError(
                    f"personabench: {com} noise {noise}: question {q.q_id} of {name}, answer "
                    f"item {item!r}: segment_id {s!r} is in no document of {name}"
                )
