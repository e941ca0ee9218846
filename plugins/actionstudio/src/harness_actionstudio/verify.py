"""Checks on unified records before training: structure, every tool call against its record's tool
schemas (jsonschema), tool results answering real calls, and duplicates."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from harness_actionstudio.unified import UnifiedRecord


@dataclass
class Problem:
    record_id: str
    check: str
    detail: str

    def as_dict(self) -> dict[str, str]:
        return {"id": self.record_id, "check": self.check, "detail": self.detail}


@dataclass
class VerifyReport:
    checked: int = 0
    passed: list[UnifiedRecord] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        by_check: dict[str, int] = {}
        for p in self.problems:
            by_check[p.check] = by_check.get(p.check, 0) + 1
        return {
            "checked": self.checked,
            "passed": len(self.passed),
            "failed": len({p.record_id for p in self.problems}),
            "problems": by_check,
        }


def check_record(rec: UnifiedRecord) -> list[Problem]:
    """Problems of one record (empty when it is fit to train on)."""
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    rid = rec.unique_trajectory_id
    out: list[Problem] = []
    validators: dict[str, Any] = {}
    names = [t.function.name for t in rec.tools]
    if len(set(names)) != len(names):
        out.append(Problem(rid, "schema", "two tools share a name"))
    for t in rec.tools:
        try:
            Draft202012Validator.check_schema(t.function.parameters)
            validators[t.function.name] = Draft202012Validator(t.function.parameters)
        except SchemaError as exc:
            out.append(
                Problem(
                    rid,
                    "tool_schema",
                    f"tool {t.function.name}: parameters are not a JSON Schema ({exc.message})",
                )
            )
    if rec.reward is not None and rec.reward < 1.0:
        out.append(Problem(rid, "outcome", f"reward {rec.reward} < 1: not a verified success"))
    if not any(t.role == "assistant" for t in rec.conversation):
        out.append(Problem(rid, "schema", "conversation has no assistant turn"))
    call_ids: set[str] = set()
    answered: set[str] = set()
    for i, turn in enumerate(rec.conversation):
        where = f"conversation[{i}]"
        if turn.role != "assistant" and turn.tool_calls:
            out.append(Problem(rid, "schema", f"{where}: tool_calls on a {turn.role} turn"))
        if turn.role == "assistant" and not turn.content.strip() and not turn.tool_calls:
            out.append(Problem(rid, "schema", f"{where}: empty assistant turn"))
        for c in turn.tool_calls or []:
            if c.id in call_ids:
                out.append(Problem(rid, "schema", f"{where}: call id {c.id} used twice"))
            call_ids.add(c.id)
            name = c.function.name
            if name not in names:
                out.append(Problem(rid, "tool_call", f"{where}: call to unknown tool '{name}'"))
                continue
            validator = validators.get(name)
            if validator is None:
                continue
            errors = sorted(validator.iter_errors(c.function.arguments), key=lambda e: e.path)
            if errors:
                e = errors[0]
                loc = ".".join(str(x) for x in e.path) or "(arguments)"
                out.append(
                    Problem(rid, "tool_call", f"{where}: call {c.id} to {name}: {loc}: {e.message}")
                )
        if turn.role == "tool":
            if turn.tool_call_id not in call_ids:
                out.append(
                    Problem(
                        rid,
                        "tool_result",
                        f"{where}: answers unknown call id {turn.tool_call_id!r}",
                    )
                )
            elif turn.tool_call_id in answered:
                out.append(
                    Problem(rid, "tool_result", f"{where}: call {turn.tool_call_id} answered twice")
                )
            answered.add(turn.tool_call_id or "")
    return out


def content_hash(rec: UnifiedRecord) -> str:
    body = {
        "tools": rec.openai_tools(),
        "conversation": rec.openai_messages(),
        "system": rec.system,
        "task": rec.task_instruction,
    }
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def verify(records: list[UnifiedRecord]) -> VerifyReport:
    """Check every record; a record with any problem, or a duplicate (same id, or the same content
    as an earlier record), is left out of ``passed``."""
    report = VerifyReport(checked=len(records))
    seen_ids: dict[str, int] = {}
    seen_content: dict[str, str] = {}
    for rec in records:
        rid = rec.unique_trajectory_id
        if rid in seen_ids:
            report.problems.append(Problem(rid, "duplicate", "id seen before"))
            continue
        seen_ids[rid] = 1
        h = content_hash(rec)
        if h in seen_content:
            report.problems.append(Problem(rid, "duplicate", f"same content as {seen_content[h]}"))
            continue
        seen_content[h] = rid
        problems = check_record(rec)
        if problems:
            report.problems.extend(problems)
        else:
            report.passed.append(rec)
    return report
