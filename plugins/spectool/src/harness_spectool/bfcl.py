"""BFCL data (simple, multiple, parallel, parallel_multiple) and our own AST checker.

The checker follows BFCL's published rules, written here from scratch: the function name must
match; every required parameter is present and no unknown one; each value has the documented type
(an int is accepted for a float); each value is one of the possible answers, strings compared
after lower-casing and dropping spaces and the punctuation ``,./-_*^'"``, lists element-wise,
dicts key by key; a string where the documented type is not a string is accepted as a variable
reference when the possible answers hold strings for it; a possible answer "" means the
parameter may be omitted; parallel calls are matched to the possible answers in any order (a
one-to-one assignment).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from harness.errors import UserError
from harness_spectool.checks import TYPE_NAMES
from harness_spectool.patterns import ArgSpec, GtCall

BUNDLED = Path(__file__).parent / "data" / "bfcl"
CATEGORY_FILES = {
    "simple": "BFCL_v4_simple_python.json",
    "multiple": "BFCL_v4_multiple.json",
    "parallel": "BFCL_v4_parallel.json",
    "parallel_multiple": "BFCL_v4_parallel_multiple.json",
}
_PUNCT = str.maketrans("", "", " ,./-_*^'\"\t\n")


def _jsonl(path: Path) -> list[dict[str, Any]]:
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                out.append(json.loads(line))
            except ValueError as exc:
                raise UserError(f"{path}:{n}: not valid JSON ({exc})") from None
    return out


def read_category(data_dir: Path, category: str) -> list[dict[str, Any]]:
    """Questions of one category from a BFCL data directory, joined with their answers."""
    name = CATEGORY_FILES[category]
    qfile, afile = data_dir / name, data_dir / "possible_answer" / name
    for f in (qfile, afile):
        if not f.exists():
            raise UserError(f"BFCL file not found: {f}")
    answers = {a["id"]: a["ground_truth"] for a in _jsonl(afile)}
    out = []
    for q in _jsonl(qfile):
        if q.get("id") not in answers:
            raise UserError(f"BFCL record {q.get('id')}: field ground_truth: no possible answer")
        out.append(
            {
                "id": q["id"],
                "category": category,
                "question": q["question"],
                "function": q["function"],
                "ground_truth": answers[q["id"]],
            }
        )
    return out


def validate_bfcl(rec: Any) -> dict[str, Any]:
    rid = rec.get("id", "?") if isinstance(rec, dict) else "?"
    for key, kind in (
        ("id", str),
        ("question", list),
        ("function", list),
        ("ground_truth", list),
        ("category", str),
    ):
        if not isinstance(rec, dict) or not isinstance(rec.get(key), kind):
            raise UserError(f"BFCL record {rid}: field {key}: missing or not a {kind.__name__}")
    for f in rec["function"]:
        if not isinstance(f, dict) or "name" not in f or "parameters" not in f:
            raise UserError(f"BFCL record {rid}: field function: each needs name and parameters")
    return rec  # type: ignore[no-any-return]


def load_bfcl(categories: list[str], path: str | None = None) -> list[dict[str, Any]]:
    out = []
    for c in categories:
        if c not in CATEGORY_FILES:
            raise UserError(f"unknown BFCL category '{c}' (known: {', '.join(CATEGORY_FILES)})")
        rows = read_category(Path(path), c) if path else _jsonl(BUNDLED / f"{c}.jsonl")
        out.extend(validate_bfcl(r) for r in rows)
    return out


def user_text(question: list[Any]) -> str:
    turns = question[0] if question and isinstance(question[0], list) else question
    return "\n".join(str(m.get("content", "")) for m in turns if m.get("role") == "user")


def json_schema(params: dict[str, Any]) -> dict[str, Any]:
    """BFCL's parameter dialect (dict, float, tuple, any) as standard JSON Schema."""
    out: dict[str, Any] = {}
    for k, v in params.items():
        if k == "type":
            mapped = {"dict": "object", "float": "number", "tuple": "array"}.get(v, v)
            if mapped != "any":
                out["type"] = mapped
        elif k == "properties" and isinstance(v, dict):
            out[k] = {name: json_schema(p) for name, p in v.items()}
        elif k == "items" and isinstance(v, dict):
            out[k] = json_schema(v)
        else:
            out[k] = v
    return out


def ground_truth(entries: list[dict[str, Any]]) -> list[GtCall]:
    """BFCL possible answers as pattern-scorer ground truth ("" = may be omitted)."""
    out = []
    for entry in entries:
        for name, params in entry.items():
            out.append(
                (name, {k: ArgSpec([x for x in v if x != ""], "" in v) for k, v in params.items()})
            )
    return out


# ----------------------------------------------------------------------------- AST checker


def norm_str(s: str) -> str:
    return s.lower().translate(_PUNCT)


def values_equal(value: Any, allowed: Any) -> bool:
    """BFCL-style equality: strings normalised, lists element-wise, dicts key by key."""
    if isinstance(allowed, str):
        return isinstance(value, str) and norm_str(value) == norm_str(allowed)
    if isinstance(allowed, bool) or isinstance(value, bool):
        return value is allowed
    if isinstance(allowed, int | float):
        return isinstance(value, int | float) and abs(float(value) - float(allowed)) < 1e-9
    if isinstance(allowed, list | tuple):
        return (
            isinstance(value, list | tuple)
            and len(value) == len(allowed)
            and all(values_equal(v, a) for v, a in zip(value, allowed, strict=True))
        )
    if isinstance(allowed, dict):
        if not isinstance(value, dict):
            return False
        for k, a in allowed.items():
            options = a if isinstance(a, list) else [a]
            if k not in value:
                if "" not in options:
                    return False
            elif not any(values_equal(value[k], o) for o in options if o != ""):
                return False
        return all(k in allowed for k in value)
    return bool(value == allowed)


def type_matches(value: Any, schema: dict[str, Any]) -> bool:
    kind = TYPE_NAMES.get(str(schema.get("type", "any")), "any")
    if kind == "any":
        return True
    if kind == "string":
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":  # BFCL's float: an int is accepted
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "array":
        items = schema.get("items")
        return isinstance(value, list | tuple) and (
            not isinstance(items, dict) or all(type_matches(v, items) for v in value)
        )
    return isinstance(value, dict)


def check_one(
    call: tuple[str, dict[str, Any]], expected: dict[str, Any], functions: dict[str, dict[str, Any]]
) -> str | None:
    """None if ``call`` matches the possible answer ``{name: {param: [allowed]}}``, else why."""
    name, args = call
    ((gt_name, gt_params),) = expected.items()
    if name != gt_name:
        return f"wrong function: {name} instead of {gt_name}"
    doc = functions.get(gt_name, {}).get("parameters", {})
    props = doc.get("properties", {})
    for r in doc.get("required", []):
        if r not in args:
            return f"{name}: missing required parameter {r}"
    for k, v in args.items():
        if k not in props or k not in gt_params:
            return f"{name}: unexpected parameter {k}"
        options = [o for o in gt_params[k] if o != ""]
        as_variable = isinstance(v, str) and any(isinstance(o, str) for o in options)
        if not type_matches(v, props[k]) and not as_variable:
            return (
                f"{name}: parameter {k} has type {type(v).__name__}, expected "
                f"{props[k].get('type')}"
            )
        if options and not any(values_equal(v, o) for o in options):
            return f"{name}: value {v!r} of {k} not among {options}"
    for k, options in gt_params.items():
        if k not in args and "" not in options:
            return f"{name}: missing parameter {k}"
    return None


def ast_check(
    calls: list[tuple[str, dict[str, Any]]],
    expected: list[dict[str, Any]],
    functions: list[dict[str, Any]],
) -> tuple[bool, str]:
    """(correct, reason) for one BFCL sample: count, then an order-free one-to-one match."""
    docs = {f["name"]: f for f in functions}
    if len(calls) != len(expected):
        return False, f"expected {len(expected)} call(s), got {len(calls)}"
    if len(expected) == 1:
        why = check_one(calls[0], expected[0], docs)
        return (why is None), why or "correct"
    reasons: list[str] = []

    def assign(i: int, used: frozenset[int]) -> bool:
        if i == len(calls):
            return True
        for j in range(len(expected)):
            if j in used:
                continue
            why = check_one(calls[i], expected[j], docs)
            if why is None and assign(i + 1, used | {j}):
                return True
            if why:
                reasons.append(why)
        return False

    if assign(0, frozenset()):
        return True, "correct"
    return False, "no one-to-one match of calls to answers" + (
        f" (e.g. {reasons[0]})" if reasons else ""
    )
