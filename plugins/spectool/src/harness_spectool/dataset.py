"""Load and validate SpecTool query records (JSON Schema in schemas/query.schema.json)."""

from __future__ import annotations

import json
from functools import lru_cache
from itertools import zip_longest
from pathlib import Path
from typing import Any, Literal

from harness.errors import UserError

SCHEMA_FILE = Path(__file__).parent / "schemas" / "query.schema.json"
QUERIES_FILE = Path(__file__).parent / "data" / "queries.json"
HARD_FILE = Path(__file__).parent / "data" / "queries_hard.json"
#: the bundled query sets: ``hard`` (default; composed multi-step queries, about six calls each,
#: with paraphrase, irrelevance and constraint variants) and ``short`` (the first set: one or two
#: calls per question)
SUBSETS = {"hard": HARD_FILE, "short": QUERIES_FILE}
Subset = Literal["hard", "short"]


@lru_cache(maxsize=1)
def query_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return schema


def validate_record(record: Any, index: int) -> dict[str, Any]:
    """The record if it is a valid query, else a UserError naming its id and the reason."""
    import jsonschema

    rid = record.get("id", f"#{index}") if isinstance(record, dict) else f"#{index}"
    errors = sorted(
        jsonschema.Draft202012Validator(query_schema()).iter_errors(record),
        key=lambda e: list(e.absolute_path),
    )
    if errors:
        e = errors[0]
        where = "/".join(str(p) for p in e.absolute_path) or "(record)"
        raise UserError(f"spectool query {rid}: field {where}: {e.message}")
    return record  # type: ignore[no-any-return]


def load_queries(path: str | Path | None = None, subset: Subset = "hard") -> list[dict[str, Any]]:
    """All query records of a JSON array file (or JSON Lines), validated; ids must be unique.

    Without ``path``, the bundled ``subset``."""
    file = Path(path) if path else SUBSETS[subset]
    if not file.exists():
        raise UserError(f"{file}: no such query file")
    text = file.read_text(encoding="utf-8")
    try:
        if text.lstrip().startswith("["):
            raw = json.loads(text)
        else:
            raw = [json.loads(line) for line in text.splitlines() if line.strip()]
    except ValueError as exc:
        raise UserError(f"{file}: not valid JSON ({exc})") from None
    out, seen = [], set()
    for i, rec in enumerate(raw):
        q = validate_record(rec, i)
        if q["id"] in seen:
            raise UserError(f"spectool query {q['id']}: field id: duplicate id")
        seen.add(q["id"])
        out.append(q)
    return out


def interleave(queries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Round-robin over categories (stable), so a --limit run spans the categories."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for q in queries:
        groups.setdefault(q["additional_info"]["category"], []).append(q)
    return [q for row in zip_longest(*groups.values()) for q in row if q is not None]
