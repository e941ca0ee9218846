"""Unified format, converters and verification."""

from __future__ import annotations

import json
from pathlib import Path

from harness_actionstudio.converters import convert_files, load_options
from harness_actionstudio.unified import (
    SCHEMA_PATH,
    UnifiedRecord,
    from_trajectory,
    json_schema,
    to_trajectory,
)
from harness_actionstudio.verify import verify
from jsonschema import Draft202012Validator

from harness.schemas import Trajectory


def test_registrations(harness_conformance) -> None:
    reg = harness_conformance.check_plugin("actionstudio")
    assert reg == {"generators": ["actionstudio-convert"], "trainers": ["actionstudio"]}


def test_published_schema_is_current_and_validates_records(make_traj) -> None:
    assert json.loads(SCHEMA_PATH.read_text()) == json_schema()
    rec = from_trajectory(make_traj(0))
    validator = Draft202012Validator(json_schema())
    assert not list(validator.iter_errors(json.loads(rec.model_dump_json(exclude_none=True))))
    bad = {"unique_trajectory_id": "x", "conversation": [{"role": "robot", "content": ""}]}
    assert list(validator.iter_errors(bad))


def test_trajectory_round_trip_is_one_to_one(make_traj) -> None:
    traj = make_traj(3)
    rec = from_trajectory(traj)
    assert rec.unique_trajectory_id == "short-3"
    assert rec.system == "You are a store agent. Be brief."
    assert [t.role for t in rec.conversation] == ["user", "assistant", "tool", "assistant"]
    call = rec.conversation[1].tool_calls[0]
    assert (call.id, call.function.name, call.function.arguments) == (
        "call_0",
        "get_order_details",
        {"order_id": "#W1234567"},
    )
    assert rec.conversation[2].tool_call_id == "call_0"
    assert rec.tools[0].model_dump()["function"]["name"] == "get_order_details"
    back = to_trajectory(rec)
    # The system message moves to the `system` field; everything else is identical.
    assert back.messages == traj.messages[1:]
    assert (back.id, back.tools, back.system, back.reward) == (
        traj.id,
        traj.tools,
        traj.system,
        traj.reward,
    )
    assert from_trajectory(back) == rec


def test_tau_bench_converter(tmp_path: Path, fixtures: Path) -> None:
    opts = load_options(str(fixtures / "tau_tools.json"), None)
    res = convert_files([fixtures / "tau_bench.json"], "tau-bench", opts)
    assert len(res.records) == 1
    rec = res.records[0]
    assert rec.unique_trajectory_id == "3-0"
    assert rec.reward == 1.0 and rec.task_instruction.startswith("You are Mei Kim")
    assert rec.system == "You are a retail agent. Authenticate the user first."
    calls = [c for t in rec.conversation for c in t.tool_calls or []]
    assert calls[1].function.arguments == {"order_id": "#W5002231", "reason": "no longer needed"}
    # The truncated-arguments record is rejected with its id and why; conversion went on.
    assert [(r.record_id, "arguments are not JSON" in r.reason) for r in res.rejected] == [
        ("4-1", True)
    ]
    assert not verify(res.records).problems


def test_tau_bench_without_tools_is_rejected_with_reason(fixtures: Path) -> None:
    res = convert_files([fixtures / "tau_bench.json"], "tau-bench")
    assert not res.records
    assert "tools_file" in res.rejected[0].reason


def test_bfcl_converter_takes_first_acceptable_values(fixtures: Path) -> None:
    opts = load_options(None, str(fixtures / "bfcl_answers.jsonl"))
    res = convert_files([fixtures / "bfcl.jsonl"], "auto", opts)
    assert [r.unique_trajectory_id for r in res.records] == ["simple_7", "simple_8"]
    tri = res.records[0]
    call = tri.conversation[-1].tool_calls[0].function
    assert call.name == "calculate_triangle_area"
    assert call.arguments == {"base": 10, "height": 5, "unit": "units"}
    params = tri.tools[0].function.parameters
    assert params["type"] == "object"  # BFCL's "dict" mapped to JSON Schema
    conv = res.records[1].tools[0].function.parameters["properties"]["value"]
    assert conv["type"] == "number"
    assert res.rejected[0].record_id == "simple_9" and "ground_truth" in res.rejected[0].reason
    assert not verify(res.records).problems  # the chosen arguments fit the tool schemas


def test_openai_and_sharegpt_converters(fixtures: Path) -> None:
    res = convert_files([fixtures / "openai.jsonl", fixtures / "sharegpt.json"])
    ids = [r.unique_trajectory_id for r in res.records]
    assert ids == ["oa-1", "sg-1"]
    assert res.formats == {"openai": 1, "sharegpt": 1}
    oa, sg = res.records
    assert oa.conversation[2].tool_call_id == "c1" and oa.conversation[2].name == "get_weather"
    assert sg.system == "You help with exchange rates."
    assert sg.conversation[1].tool_calls[0].function.arguments == {"base": "EUR", "quote": "JPY"}
    assert sg.conversation[2].tool_call_id == sg.conversation[1].tool_calls[0].id
    rejected = {r.record_id: r.reason for r in res.rejected}
    assert "unknown role 'wizard'" in rejected["oa-2"]
    assert "observation without a call" in rejected["sg-2"]
    assert any("not JSON" in reason for rid, reason in rejected.items() if "openai" in rid)
    assert not verify(res.records).problems


def test_trajectory_with_unparsed_call_is_rejected(tmp_path: Path, make_traj) -> None:
    traj = make_traj(1)
    traj.messages[2].tool_calls[0].parse_error = "Expecting value"
    p = tmp_path / "t.jsonl"
    p.write_text(
        traj.model_dump_json() + "\n" + '{"format_version": 1, "id": "broken", "source": "x"}\n'
    )
    res = convert_files([p])
    assert not res.records
    reasons = {r.record_id: r.reason for r in res.rejected}
    assert "Expecting value" in reasons["short-1"]
    assert "messages" in reasons["broken"]


def _rec(make_traj, **changes: object) -> UnifiedRecord:
    data = from_trajectory(make_traj(0)).model_dump()
    data.update(changes)
    return UnifiedRecord.model_validate(data)


def test_verify_checks_calls_against_tool_schemas(make_traj) -> None:
    good = _rec(make_traj)
    bad_arg = from_trajectory(make_traj(1, order="W-12"))  # violates the pattern
    unknown = _rec(make_traj, unique_trajectory_id="unk")
    unknown.conversation[1].tool_calls[0].function.name = "delete_everything"
    orphan = _rec(make_traj, unique_trajectory_id="orphan")
    orphan.conversation[2].tool_call_id = "call_99"
    dup = _rec(make_traj, unique_trajectory_id="copy")  # same content as `good`
    failed = from_trajectory(make_traj(3, "#W7654321").model_copy(update={"reward": 0.5}))
    report = verify([good, bad_arg, unknown, orphan, dup, good, failed])
    assert [r.unique_trajectory_id for r in report.passed] == ["short-0"]
    assert ("short-3", "outcome") in {(p.record_id, p.check) for p in report.problems}
    found = {(p.record_id, p.check) for p in report.problems}
    assert ("short-1", "tool_call") in found
    assert ("unk", "tool_call") in found
    assert ("orphan", "tool_result") in found
    assert ("copy", "duplicate") in found and ("short-0", "duplicate") in found
    detail = next(p.detail for p in report.problems if p.record_id == "short-1")
    assert "order_id" in detail and "does not match" in detail


def test_trajectory_json_validates_against_core_schema(make_traj) -> None:
    traj = make_traj(2)
    assert Trajectory.model_validate_json(to_trajectory(from_trajectory(traj)).model_dump_json())
