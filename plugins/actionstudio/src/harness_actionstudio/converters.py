"""Converters from other trajectory formats to the unified format.

Formats (``--format``; ``auto`` picks one per record from its keys):

* ``trajectory``: the core ``harness.schemas.Trajectory`` JSONL (what the APIGen-MT plugin writes).
* ``unified``: ActionStudio unified records (already in our format; validated).
* ``tau-bench``: tau-bench result entries ``{task_id, trial, reward, info, traj}`` (``traj``:
  OpenAI messages); tool specs come from the record's ``tools`` or from ``tools_file``.
* ``bfcl``: BFCL single-turn entries ``{id, question: [[messages]], function: [specs]}`` with the
  answer in ``ground_truth`` (in the record, or joined by id from ``answers_file``).
* ``openai``: ``{id, messages: [OpenAI chat messages], tools: [OpenAI tool specs]}``.
* ``sharegpt``: ``{id, conversations: [{from, value}], tools, system}`` with the roles
  human/gpt/function_call/observation/system.

Every converter turns one record into a :class:`UnifiedRecord` or raises :class:`RecordError` with
the record's id and the reason; :func:`convert_records` collects the rejects and goes on.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from harness.errors import UserError
from harness.schemas import Trajectory
from harness_actionstudio.unified import (
    FunctionCall,
    FunctionSpec,
    RecordError,
    Tool,
    Turn,
    UnifiedRecord,
    UnifiedToolCall,
    from_trajectory,
)

FORMATS = ("auto", "trajectory", "unified", "tau-bench", "bfcl", "openai", "sharegpt")
ID_KEYS = ("unique_trajectory_id", "id", "task_id", "sample_id", "trajectory_id")


@dataclass
class ConvertOptions:
    tools: list[dict[str, Any]] | None = None  # tool specs for formats that do not carry them
    answers: dict[str, Any] = field(default_factory=dict)  # BFCL id -> ground truth
    source: str = ""


@dataclass
class Rejected:
    record_id: str
    reason: str
    where: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"id": self.record_id, "reason": self.reason, "where": self.where}


@dataclass
class ConvertResult:
    records: list[UnifiedRecord] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    formats: dict[str, int] = field(default_factory=dict)


# ----------------------------------------------------------------------------- reading


def read_raw(path: Path) -> Iterator[tuple[str, Any]]:
    """(where, record) for a .jsonl (one JSON a line) or .json (a list, or one object) file.
    An unparsable line is yielded as (where, ValueError)."""
    if not path.exists():
        raise UserError(f"data file not found: {path}")
    text = path.read_text(encoding="utf-8")
    stripped = text.lstrip()
    if path.suffix == ".json" or stripped.startswith("["):
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise UserError(f"{path}: not valid JSON ({exc})") from None
        items = data if isinstance(data, list) else [data]
        for i, item in enumerate(items):
            yield f"{path.name}[{i}]", item
        return
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            yield f"{path.name}:{n}", json.loads(line)
        except ValueError as exc:
            yield f"{path.name}:{n}", ValueError(f"line is not JSON: {exc}")


def record_id(raw: Any, where: str) -> str:
    if isinstance(raw, dict):
        for key in ID_KEYS:
            if raw.get(key) not in (None, ""):
                value = str(raw[key])
                if key == "task_id" and "trial" in raw:
                    value += f"-{raw['trial']}"
                return value
    return where


def detect(raw: dict[str, Any]) -> str:
    keys = set(raw)
    if "unique_trajectory_id" in keys or "conversation" in keys:
        return "unified"
    if "source" in keys and ("messages" in keys or "format_version" in keys):
        return "trajectory"
    if "traj" in keys:
        return "tau-bench"
    if "question" in keys and "function" in keys:
        return "bfcl"
    if "conversations" in keys:
        return "sharegpt"
    if "messages" in keys:
        return "openai"
    raise ValueError("unknown record shape (keys: " + ", ".join(sorted(keys)[:8]) + ")")


# ----------------------------------------------------------------------------- helpers


def _parse_args(value: Any, rid: str, where: str) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    if value in (None, ""):
        return {}
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError as exc:
            raise RecordError(rid, f"{where}: arguments are not JSON ({exc})") from None
        if isinstance(parsed, dict):
            return parsed
    raise RecordError(rid, f"{where}: arguments are not a JSON object")


def _tools(specs: Any, rid: str) -> list[Tool]:
    if specs is None:
        return []
    if isinstance(specs, str):
        try:
            specs = json.loads(specs)
        except ValueError as exc:
            raise RecordError(rid, f"tools: not JSON ({exc})") from None
    if not isinstance(specs, list):
        raise RecordError(rid, "tools: not a list")
    out = []
    for i, spec in enumerate(specs):
        if not isinstance(spec, dict):
            raise RecordError(rid, f"tools[{i}]: not an object")
        fn = spec.get("function", spec)
        if not isinstance(fn, dict) or not fn.get("name"):
            raise RecordError(rid, f"tools[{i}]: no function name")
        params = fn.get("parameters") or {"type": "object", "properties": {}}
        out.append(
            Tool(
                function=FunctionSpec(
                    name=str(fn["name"]),
                    description=str(fn.get("description") or ""),
                    parameters=_json_schema_types(params),
                )
            )
        )
    return out


_BFCL_TYPES = {
    "dict": "object",
    "float": "number",
    "tuple": "array",
    "list": "array",
    "int": "integer",
    "bool": "boolean",
    "str": "string",
}


def _json_schema_types(schema: Any) -> Any:
    """BFCL writes Python type names (dict, float, tuple, any); map them to JSON Schema's."""
    if isinstance(schema, list):
        return [_json_schema_types(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, value in schema.items():
        if key == "type" and isinstance(value, str):
            if value == "any":
                continue
            out[key] = _BFCL_TYPES.get(value, value)
        elif key in ("properties",) and isinstance(value, dict):
            out[key] = {k: _json_schema_types(v) for k, v in value.items()}
        else:
            out[key] = _json_schema_types(value)
    return out


def _openai_turns(messages: Any, rid: str) -> tuple[str | None, list[Turn]]:
    """OpenAI chat messages -> (system, turns)."""
    if not isinstance(messages, list) or not messages:
        raise RecordError(rid, "messages: missing or empty")
    system = None
    turns: list[Turn] = []
    call_names: dict[str, str] = {}
    for i, m in enumerate(messages):
        if not isinstance(m, dict) or "role" not in m:
            raise RecordError(rid, f"messages[{i}]: no role")
        role = m["role"]
        content = m.get("content") or ""
        if isinstance(content, list):  # content parts
            content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
        if role == "system":
            if turns:
                raise RecordError(rid, f"messages[{i}]: a system message after the start")
            system = content if system is None else system + "\n\n" + content
            continue
        if role == "function":
            role = "tool"
        if role not in ("user", "assistant", "tool"):
            raise RecordError(rid, f"messages[{i}].role: unknown role '{role}'")
        calls = None
        if role == "assistant" and m.get("tool_calls"):
            calls = []
            for j, c in enumerate(m["tool_calls"]):
                fn = c.get("function", c) if isinstance(c, dict) else None
                if not isinstance(fn, dict) or not fn.get("name"):
                    raise RecordError(rid, f"messages[{i}].tool_calls[{j}]: no function name")
                cid = str(c.get("id") or f"call_{i}_{j}")
                call_names[cid] = fn["name"]
                calls.append(
                    UnifiedToolCall(
                        id=cid,
                        function=FunctionCall(
                            name=fn["name"],
                            arguments=_parse_args(
                                fn.get("arguments"), rid, f"messages[{i}].tool_calls[{j}]"
                            ),
                        ),
                    )
                )
        tcid = None
        name = None
        if role == "tool":
            tcid = m.get("tool_call_id")
            name = m.get("name")
            if tcid is None and name:  # legacy 'function' role: answer the last call by name
                tcid = next((k for k, v in reversed(call_names.items()) if v == name), None)
            if tcid is None:
                raise RecordError(rid, f"messages[{i}].tool_call_id: missing")
            name = name or call_names.get(tcid)
        turns.append(
            Turn(role=role, content=str(content), tool_calls=calls, name=name, tool_call_id=tcid)
        )
    return system, turns


# ----------------------------------------------------------------------------- converters


def conv_trajectory(raw: dict[str, Any], rid: str, opts: ConvertOptions) -> UnifiedRecord:
    try:
        traj = Trajectory.model_validate(raw)
    except ValidationError as exc:
        raise RecordError(rid, _pyd_reason(exc)) from None
    return from_trajectory(traj)


def conv_unified(raw: dict[str, Any], rid: str, opts: ConvertOptions) -> UnifiedRecord:
    try:
        return UnifiedRecord.model_validate(raw)
    except ValidationError as exc:
        raise RecordError(rid, _pyd_reason(exc)) from None


def conv_openai(raw: dict[str, Any], rid: str, opts: ConvertOptions) -> UnifiedRecord:
    system, turns = _openai_turns(raw.get("messages"), rid)
    tools = raw.get("tools", opts.tools)
    return UnifiedRecord(
        unique_trajectory_id=rid,
        task_instruction=str(raw.get("instruction", "")),
        tools=_tools(tools, rid),
        conversation=turns,
        system=system,
        source=opts.source or "openai",
        metadata=raw.get("metadata") or {},
    )


def conv_tau_bench(raw: dict[str, Any], rid: str, opts: ConvertOptions) -> UnifiedRecord:
    system, turns = _openai_turns(raw.get("traj"), rid)
    tools = raw.get("tools", opts.tools)
    if tools is None:
        raise RecordError(
            rid,
            "tools: tau-bench results do not carry tool specs; "
            "pass tools_file (a JSON list of OpenAI tool specs)",
        )
    info = raw.get("info") if isinstance(raw.get("info"), dict) else {}
    task = info.get("task") if isinstance(info.get("task"), dict) else {}
    return UnifiedRecord(
        unique_trajectory_id=rid,
        task_instruction=str(task.get("instruction", "")),
        tools=_tools(tools, rid),
        conversation=turns,
        system=system,
        source=opts.source or "tau-bench",
        reward=float(raw["reward"]) if isinstance(raw.get("reward"), int | float) else None,
        metadata={k: raw[k] for k in ("task_id", "trial") if k in raw},
    )


def _ground_truth_calls(gt: Any, rid: str) -> list[UnifiedToolCall]:
    """BFCL ground truth ``[{func: {arg: [acceptable values...]}}]``: take the first acceptable
    value of every argument; an argument whose first acceptable value is "" (optional, may be
    omitted) is left out."""
    if not isinstance(gt, list) or not gt:
        raise RecordError(rid, "ground_truth: missing or empty")
    calls = []
    for i, entry in enumerate(gt):
        if not isinstance(entry, dict) or len(entry) != 1:
            raise RecordError(rid, f"ground_truth[{i}]: not {{function: {{arg: [values]}}}}")
        ((name, args),) = entry.items()
        if not isinstance(args, dict):
            raise RecordError(rid, f"ground_truth[{i}].{name}: arguments not an object")
        chosen = {}
        for arg, values in args.items():
            options = values if isinstance(values, list) else [values]
            if not options:
                raise RecordError(rid, f"ground_truth[{i}].{name}.{arg}: no acceptable value")
            if options[0] == "":
                continue
            chosen[arg] = options[0]
        calls.append(
            UnifiedToolCall(id=f"call_{i}", function=FunctionCall(name=name, arguments=chosen))
        )
    return calls


def conv_bfcl(raw: dict[str, Any], rid: str, opts: ConvertOptions) -> UnifiedRecord:
    question = raw.get("question")
    if isinstance(question, list) and question and isinstance(question[0], list):
        question = question[0]  # single turn: the first (only) turn's messages
    system, turns = _openai_turns(question, rid)
    if not turns or turns[-1].role != "user":
        raise RecordError(rid, "question: must end with a user message")
    gt = raw.get("ground_truth", opts.answers.get(rid))
    turns.append(Turn(role="assistant", content="", tool_calls=_ground_truth_calls(gt, rid)))
    return UnifiedRecord(
        unique_trajectory_id=rid,
        tools=_tools(raw.get("function"), rid),
        conversation=turns,
        system=system,
        source=opts.source or "bfcl",
        task_instruction="",
    )


_SHAREGPT_ROLES = {
    "human": "user",
    "user": "user",
    "gpt": "assistant",
    "assistant": "assistant",
    "function_call": "function_call",
    "observation": "tool",
    "tool": "tool",
    "system": "system",
}


def conv_sharegpt(raw: dict[str, Any], rid: str, opts: ConvertOptions) -> UnifiedRecord:
    convs = raw.get("conversations")
    if not isinstance(convs, list) or not convs:
        raise RecordError(rid, "conversations: missing or empty")
    system = raw.get("system") or None
    turns: list[Turn] = []
    pending: list[UnifiedToolCall] = []  # calls awaiting their observations, in order
    n_calls = 0
    for i, c in enumerate(convs):
        if not isinstance(c, dict) or c.get("from") not in _SHAREGPT_ROLES:
            raise RecordError(
                rid,
                f"conversations[{i}].from: unknown speaker "
                f"{c.get('from') if isinstance(c, dict) else c!r}",
            )
        role = _SHAREGPT_ROLES[c["from"]]
        value = str(c.get("value", ""))
        if role == "system":
            system = value
        elif role == "function_call":
            try:
                parsed = json.loads(value)
            except ValueError as exc:
                raise RecordError(
                    rid, f"conversations[{i}].value: call is not JSON ({exc})"
                ) from None
            items = parsed if isinstance(parsed, list) else [parsed]
            calls = []
            for item in items:
                if not isinstance(item, dict) or not item.get("name"):
                    raise RecordError(rid, f"conversations[{i}].value: call has no name")
                calls.append(
                    UnifiedToolCall(
                        id=f"call_{n_calls}",
                        function=FunctionCall(
                            name=item["name"],
                            arguments=_parse_args(
                                item.get("arguments"), rid, f"conversations[{i}]"
                            ),
                        ),
                    )
                )
                n_calls += 1
            turns.append(Turn(role="assistant", content="", tool_calls=calls))
            pending.extend(calls)
        elif role == "tool":
            if not pending:
                raise RecordError(rid, f"conversations[{i}]: observation without a call")
            call = pending.pop(0)
            turns.append(
                Turn(role="tool", content=value, tool_call_id=call.id, name=call.function.name)
            )
        else:
            turns.append(Turn(role=role, content=value))
    return UnifiedRecord(
        unique_trajectory_id=rid,
        tools=_tools(raw.get("tools", opts.tools), rid),
        conversation=turns,
        system=system,
        source=opts.source or "sharegpt",
    )


CONVERTERS: dict[str, Callable[[dict[str, Any], str, ConvertOptions], UnifiedRecord]] = {
    "trajectory": conv_trajectory,
    "unified": conv_unified,
    "tau-bench": conv_tau_bench,
    "bfcl": conv_bfcl,
    "openai": conv_openai,
    "sharegpt": conv_sharegpt,
}


def _pyd_reason(exc: ValidationError) -> str:
    errs = exc.errors()
    parts = [f"{'.'.join(str(x) for x in e['loc']) or '(record)'}: {e['msg']}" for e in errs[:3]]
    return "; ".join(parts) + (f" (+{len(errs) - 3} more)" if len(errs) > 3 else "")


def convert_one(raw: Any, where: str, fmt: str, opts: ConvertOptions) -> tuple[str, UnifiedRecord]:
    """(format used, record) or RecordError."""
    rid = record_id(raw, where)
    if isinstance(raw, Exception):
        raise RecordError(rid, str(raw))
    if not isinstance(raw, dict):
        raise RecordError(rid, "record is not a JSON object")
    try:
        used = detect(raw) if fmt == "auto" else fmt
    except ValueError as exc:
        raise RecordError(rid, str(exc)) from None
    try:
        return used, CONVERTERS[used](raw, rid, opts)
    except ValidationError as exc:
        raise RecordError(rid, _pyd_reason(exc)) from None
    except (KeyError, TypeError, AttributeError) as exc:
        raise RecordError(rid, f"malformed {used} record ({type(exc).__name__}: {exc})") from None


def convert_records(
    items: Iterable[tuple[str, Any]], fmt: str = "auto", opts: ConvertOptions | None = None
) -> ConvertResult:
    if fmt not in FORMATS:
        raise UserError(f"unknown format '{fmt}' (known: {', '.join(FORMATS)})")
    opts = opts or ConvertOptions()
    result = ConvertResult()
    for where, raw in items:
        try:
            used, rec = convert_one(raw, where, fmt, opts)
        except RecordError as exc:
            result.rejected.append(Rejected(exc.record_id, exc.reason, where))
            continue
        result.records.append(rec)
        result.formats[used] = result.formats.get(used, 0) + 1
    return result


def convert_files(
    paths: Iterable[Path], fmt: str = "auto", opts: ConvertOptions | None = None
) -> ConvertResult:
    def items() -> Iterator[tuple[str, Any]]:
        for p in paths:
            yield from read_raw(Path(p))

    return convert_records(items(), fmt, opts)


def load_options(
    tools_file: str | None, answers_file: str | None, source: str = ""
) -> ConvertOptions:
    """Read the side files some formats need (tau-bench tool specs, BFCL answers)."""
    tools = None
    if tools_file:
        p = Path(tools_file)
        if not p.exists():
            raise UserError(f"tools_file not found: {p}")
        try:
            tools = json.loads(p.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise UserError(f"tools_file {p}: not JSON ({exc})") from None
        if not isinstance(tools, list):
            raise UserError(f"tools_file {p}: expected a JSON list of OpenAI tool specs")
    answers: dict[str, Any] = {}
    if answers_file:
        for where, raw in read_raw(Path(answers_file)):
            if isinstance(raw, dict) and "id" in raw and "ground_truth" in raw:
                answers[str(raw["id"])] = raw["ground_truth"]
            else:
                raise UserError(f"answers_file {where}: expected {{id, ground_truth}}")
    return ConvertOptions(tools=tools, answers=answers, source=source)
