"""BFCL data (simple, multiple, parallel, parallel_multiple and their live_ versions) and our
own AST checker.

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
import re
from pathlib import Path
from typing import Any, Literal

from harness.errors import UserError
from harness_spectool.checks import TYPE_NAMES
from harness_spectool.patterns import ArgSpec, GtCall

BUNDLED = Path(__file__).parent / "data" / "bfcl"
CATEGORY_FILES = {
    "simple": "BFCL_v4_simple_python.json",
    "multiple": "BFCL_v4_multiple.json",
    "parallel": "BFCL_v4_parallel.json",
    "parallel_multiple": "BFCL_v4_parallel_multiple.json",
    "live_simple": "BFCL_v4_live_simple.json",
    "live_multiple": "BFCL_v4_live_multiple.json",
    "live_parallel": "BFCL_v4_live_parallel.json",
    "live_parallel_multiple": "BFCL_v4_live_parallel_multiple.json",
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


# BFCL's Python type names -> the Python type its checker requires (``type(v) is T``; "any" is a
# string there, see ``rules``).
_PY_TYPES: dict[str, type] = {
    "string": str,
    "integer": int,
    "float": float,
    "boolean": bool,
    "array": list,
    "tuple": list,
    "dict": dict,
    "any": str,
}
_STD_OFFICIAL = re.compile(r"[ ,./\-_*^]")
_STD_DOCUMENTED = re.compile(r"[\s,./\-_*^]")
Rules = Literal["official", "documented"]


def standardize(s: str, rules: Rules = "official") -> str:
    """BFCL's string standardisation: drop spaces and ``,./-_*^``, lower-case, ``'`` -> ``"``.

    ``official`` drops only the space character (the released checker's pattern); ``documented``
    drops all whitespace, as its docstring says ("removing all the spaces").
    """
    pattern = _STD_OFFICIAL if rules == "official" else _STD_DOCUMENTED
    return pattern.sub("", s).lower().replace("'", '"')


def type_matches(value: Any, schema: dict[str, Any]) -> bool:
    """A plain type test for the documented type (used by the ``documented`` rules)."""
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


def _first_type(options: Any) -> type | None:
    """The Python type of the first possible answer that is not "" (omission)."""
    for o in options:
        if o != "":
            return type(o)
    return None


def _std_all(values: Any, rules: Rules) -> list[Any]:
    """Each element standardised if it is a string (iterating a string gives its characters,
    as in the released checker, where a "" option becomes an empty list)."""
    return [standardize(v, rules) if type(v) is str else v for v in values]


def _type_check(
    value: Any, options: list[Any], py_type: type, item_type: type | None
) -> tuple[bool, bool]:
    """(type ok, value is a variable): BFCL's type rule.

    A value of the documented type passes (for arrays, when every element has the element type,
    or the type of that possible answer's first element, for some possible answer that is a
    list; a possible answer that is not a list, such as "", passes the elements unchecked; else
    it fails). Otherwise, a value of the possible answers' type passes as a *variable*, compared
    later without standardisation; so does a value of the documented type when the possible
    answers have another type.
    """
    answer_type = _first_type(options)
    variable = answer_type is not None and answer_type is not py_type
    if type(value) is py_type:
        if item_type is None:
            return True, variable
        for option in options:
            if not isinstance(option, list):
                return True, variable
            inner = _first_type(option)
            if all(type(v) is item_type or (inner is not None and type(v) is inner) for v in value):
                return True, variable
        return False, False
    if answer_type is not None and type(value) is answer_type:
        return True, True
    return False, False


def _dict_ok(value: dict[str, Any], options: list[Any], rules: Rules) -> bool:
    """One possible dict matches: no unknown key, each value among that key's options
    (strings standardised, other values by ==), each key that cannot be omitted present."""
    if not isinstance(value, dict):
        return False
    for option in options:
        if option == "" or not isinstance(option, dict):
            continue
        ok = all(
            k in option
            and (standardize(v, rules) if type(v) is str else v) in _std_all(option[k], rules)
            for k, v in value.items()
        )
        if ok and all(k in value or "" in opts for k, opts in option.items()):
            return True
    return False


def _list_of_dicts_ok(value: list[Any], options: list[Any], rules: Rules) -> bool:
    return any(
        len(value) == len(option)
        and all(_dict_ok(v, [o], rules) for v, o in zip(value, option, strict=False))
        for option in options
    )


def check_one(
    call: tuple[str, dict[str, Any]],
    expected: dict[str, Any],
    doc: dict[str, Any] | None,
    rules: Rules = "official",
) -> str | None:
    """None if ``call`` matches the possible answer ``{name: {param: [allowed]}}``, else why.

    ``doc`` is the function description the official checker uses for this answer.
    """
    name, args = call
    ((gt_name, gt_params),) = expected.items()
    if doc is not None and "name" in doc:
        gt_name = doc["name"]  # the released checker takes the name from the description
    if name != gt_name:
        return f"wrong function: {name} instead of {gt_name}"
    params = (doc or {}).get("parameters", {})
    props = params.get("properties", {})
    for r in params.get("required", []):
        if r not in args:
            return f"{name}: missing required parameter {r}"
    for k, v in args.items():
        if k not in props or k not in gt_params:
            return f"{name}: unexpected parameter {k}"
        options = gt_params[k]
        why = _check_value(name, k, v, options, props[k], rules)
        if why:
            return why
    for k, options in gt_params.items():
        if k not in args and "" not in options:
            return f"{name}: missing parameter {k}"
    return None


def _check_value(
    name: str, k: str, v: Any, options: list[Any], schema: dict[str, Any], rules: Rules
) -> str | None:
    declared = str(schema.get("type", "any"))
    if rules == "documented" and declared == "any":
        variable = False
        py_type: type | None = None
        item_type: type | None = None
    else:
        py_type = _PY_TYPES.get(declared, str)
        item_type = None
        if declared in ("array", "tuple"):
            item_type = _PY_TYPES.get(str(schema.get("items", {}).get("type", "any")), str)
        if declared == "tuple" and type(v) is tuple:
            v = list(v)
        if declared == "float" and type(v) is int:
            v = float(v)
        ok, variable = _type_check(v, options, py_type, item_type)
        if ok and rules == "documented" and item_type is not None and not variable:
            ok = type(v) is py_type and type_matches(v, schema)
        if not ok:
            return f"{name}: parameter {k} has type {type(v).__name__}, expected {declared}"
    if not variable and py_type is not None:
        if py_type is dict:
            good = _dict_ok(v, options, rules)
        elif py_type is list and item_type is dict:
            good = _list_of_dicts_ok(v, options, rules)
        elif py_type is str:
            good = standardize(v, rules) in [
                standardize(o, rules) for o in options if type(o) is str
            ]
        elif py_type is list:
            good = _std_all(v, rules) in [_std_all(o, rules) for o in options]
        else:
            good = v in options
    elif py_type is None and type(v) is str:  # documented "any": a string is still standardised
        good = standardize(v, rules) in [standardize(o, rules) for o in options if type(o) is str]
    else:
        good = v in options
    if not good:
        return f"{name}: value {v!r} of {k} not among {[o for o in options if o != '']}"
    return None


def _assign_optimal(
    calls: list[tuple[str, dict[str, Any]]],
    expected: list[dict[str, Any]],
    docs: dict[str, dict[str, Any]],
    rules: Rules,
) -> str | None:
    reasons: list[str] = []

    def assign(i: int, used: frozenset[int]) -> bool:
        if i == len(expected):
            return True
        doc = docs.get(next(iter(expected[i])))
        for j, call in enumerate(calls):
            if j in used:
                continue
            why = check_one(call, expected[i], doc, rules)
            if why is None and assign(i + 1, used | {j}):
                return True
            if why:
                reasons.append(why)
        return False

    if assign(0, frozenset()):
        return None
    return "no one-to-one match of calls to answers" + (f" (e.g. {reasons[0]})" if reasons else "")


def _assign_greedy(
    calls: list[tuple[str, dict[str, Any]]],
    expected: list[dict[str, Any]],
    docs: dict[str, dict[str, Any]],
    rules: Rules,
) -> str | None:
    used: set[int] = set()
    for i, answer in enumerate(expected):
        doc = docs.get(next(iter(answer)))
        whys = []
        for j, call in enumerate(calls):
            if j in used:
                continue
            why = check_one(call, answer, doc, rules)
            if why is None:
                used.add(j)
                break
            whys.append(why)
        else:
            return f"no call left matches possible answer {i}" + (
                f" (e.g. {whys[0]})" if whys else ""
            )
    return None


def ast_check(
    calls: list[tuple[str, dict[str, Any]]],
    expected: list[dict[str, Any]],
    functions: list[dict[str, Any]],
    category: str = "parallel",
    rules: Rules = "official",
) -> tuple[bool, str]:
    """(correct, reason) for one BFCL sample, by BFCL's rules for its ``category``.

    ``rules="official"`` reproduces the released checker (bfcl-eval), including where it departs
    from its documentation; ``rules="documented"`` applies the documented rule there instead:
    parallel calls matched by a full one-to-one assignment (the released checker matches each
    possible answer, in order, to the first call left that fits), arrays whose elements have the
    wrong type rejected (released: accepted as a "variable" and compared unstandardised),
    ``any`` accepting any type (released: a string), all whitespace dropped from strings.
    Categories: ``parallel*`` any order; ``multiple*`` one call, checked against the first
    answer; otherwise exactly one call, checked against the first function's description.
    """
    docs = {f["name"]: f for f in functions}
    if "parallel" in category:
        if len(calls) != len(expected):
            return False, f"expected {len(expected)} call(s), got {len(calls)}"
        match = _assign_greedy if rules == "official" else _assign_optimal
        why = match(calls, expected, docs, rules)
        return (why is None), why or "correct"
    if len(calls) != 1 or len(expected) != 1:
        return False, f"expected {len(expected)} call(s), got {len(calls)}"
    doc = docs.get(next(iter(expected[0]))) if "multiple" in category else functions[0]
    why = check_one(calls[0], expected[0], doc, rules)
    return (why is None), why or "correct"
