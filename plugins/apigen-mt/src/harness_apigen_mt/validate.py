"""Stage 1 of blueprint validation, deterministic: format, execution (with a diff patch) and
policy. Each check returns the reasons it rejects; empty means pass. Nothing here raises for a bad
blueprint."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from harness_apigen_mt.domain import Domain, diff
from harness_apigen_mt.policy import check_policy
from harness_apigen_mt.reward import replay
from harness_apigen_mt.schema import Blueprint
from harness_apigen_mt.toolkit import check_arguments


@dataclass
class Stage1:
    stage: str  # the first failing stage, or "passed"
    reasons: list[str] = field(default_factory=list)
    patch: list[dict[str, Any]] = field(default_factory=list)
    trace: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.stage == "passed"


def parse_blueprint(text: str, bp_id: str, domain: str, **extra: Any) -> Blueprint | str:
    """A model reply -> Blueprint, or the reason it is not one."""
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end <= start:
        return "reply holds no JSON object"
    try:
        raw = json.loads(text[start : end + 1])
    except ValueError as exc:
        return f"invalid JSON: {exc}"
    if not isinstance(raw, dict):
        return "reply is not a JSON object"
    try:
        return Blueprint(
            id=bp_id,
            domain=domain,
            intent=raw.get("intent", ""),
            actions=raw.get("actions", []),
            outputs=raw.get("outputs", []),
            **extra,
        )
    except ValidationError as exc:
        err = exc.errors()[0]
        return f"field {'.'.join(str(x) for x in err['loc'])}: {err['msg']}"


def check_format(domain: Domain, bp: Blueprint) -> list[str]:
    reasons = []
    if not bp.intent.strip():
        reasons.append("intent is empty")
    if not bp.actions and bp.origin != "tau2-tasks":
        reasons.append("no actions")
    for i, a in enumerate(bp.actions):
        tool = domain.by_name.get(a.name)
        if tool is None:
            reasons.append(f"action {i}: unknown tool '{a.name}'")
            continue
        problem = check_arguments(tool, a.arguments)
        if problem:
            reasons.append(f"action {i} ({a.name}): {problem}")
    return reasons


def check_execution(
    domain: Domain, bp: Blueprint
) -> tuple[list[str], list[dict[str, Any]], list[dict[str, Any]]]:
    """Run the actions on a fresh database: every call must succeed, the task must change the
    database or ask for outputs, and every output must be backed by some tool output."""
    acts = [a.model_dump() for a in bp.actions]
    db, trace = replay(domain, acts)
    reasons = [
        f"action {i} ({t['name']}) raised: {t['output']}" for i, t in enumerate(trace) if t["error"]
    ]
    patch = diff(domain.db, db)
    if bp.origin == "tau2-tasks":  # ground truth: calls that fail by design and computed
        return [], patch, trace  # outputs are part of the benchmark
    if not reasons and not patch and not bp.outputs:
        reasons.append("the actions change nothing and no outputs are expected: nothing to verify")
    seen = " ".join(t["output"].lower().replace(",", "") for t in trace)
    for o in bp.outputs:
        if o.lower().replace(",", "") not in seen:
            reasons.append(f"output {o!r} is not supported by any tool output")
    return reasons, patch, trace


def stage1(domain: Domain, bp: Blueprint) -> Stage1:
    reasons = check_format(domain, bp)
    if reasons:
        return Stage1("format", reasons)
    reasons, patch, trace = check_execution(domain, bp)
    if reasons:
        return Stage1("execution", reasons, patch, trace)
    reasons = check_policy(domain, [a.model_dump() for a in bp.actions], bp.intent)
    if reasons:
        return Stage1("policy", reasons, patch, trace)
    return Stage1("passed", [], patch, trace)
