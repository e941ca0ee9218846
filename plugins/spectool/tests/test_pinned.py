"""Records pinned before the port to the core agent loop: the same scripted replies must give the
same records (transcript, steps, scores) after it. The port may add only the per-record keys
listed in ``ADDED`` (the budget profile, stop reason and turn count every agent task records).
Rewrite the fixtures with ``HARNESS_UPDATE_PINNED=1`` only for a change meant to alter records."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness.backends.scripted.model import ScriptedModel
from harness.model import Model
from harness.schemas import Message, ModelResponse
from harness.testing.pinned import assert_pinned, run_records

DATA = Path(__file__).parent / "data"
ADDED = ("budget", "stop_reason", "turns")
SAMPLES = ["patent-001", "movies-001"]

TEXT_SCRIPT = [
    'Thought: look it up.\nAction: get_patent_details with Action Input: {"patent_id": "10616299"}',
    "I am not sure what to do.",
    'Action: no_such_function with Action Input: {"x": 1}',
    "Action: get_patent_details with Action Input: {patent_id: }",
    'Action: get_patent_details with Action Input: {"patent_id": 10616299, "extra": true}',
    'Action: finish with Action Input: {"answer": "Acme"}',
]


def _call(name: str, **arguments: Any) -> dict[str, Any]:
    return {"text": "", "tool_calls": [{"name": name, "arguments": arguments}]}


NATIVE_SCRIPT: list[Any] = [
    _call("get_patent_details", patent_id="10616299"),
    "just text, no call",
    {"text": "", "tool_calls": [{"name": "get_patent_details", "arguments": {"bad": True}}]},
    {
        "text": "",
        "tool_calls": [
            {"name": "search_movie", "arguments": {"query": "The Scarlet Station"}},
            {"name": "finish", "arguments": {"answer": "Acme"}},
        ],
    },
]


class BrokenArgs(ScriptedModel):
    """A scripted model whose calls named with ``bad`` arguments arrive unparsed (as a backend
    reports arguments that were not JSON)."""

    def reply(self, messages: list[Message]) -> ModelResponse:
        out = super().reply(messages)
        for call in out.tool_calls:
            if call.arguments.get("bad"):
                call.arguments = {}
                call.raw_arguments = "{bad json"
                call.parse_error = "arguments are not valid JSON"
        return out


def _pinned(name: str, records: list[dict[str, Any]]) -> None:
    """Compare with the fixture; the sample metadata's ``template`` (the held-out split's key, added
    after the records were pinned) is the one field the fixture lacks."""
    for r in records:
        assert r["metadata"].pop("template")
    assert_pinned(DATA / name, records, ADDED)


def _models(script: list[Any]) -> dict[str, Model]:
    return {"scripted/agent": BrokenArgs.create("agent", {"responses": script})}


def test_text_protocol_records_are_pinned(tmp_path: Path) -> None:
    records = run_records(
        "spectool",
        tmp_path,
        _models(TEXT_SCRIPT),
        sample_ids=SAMPLES,
        task_params={"subset": "short"},
    )
    _pinned("pinned_text.json", records)


def test_step_limit_records_are_pinned(tmp_path: Path) -> None:
    records = run_records(
        "spectool",
        tmp_path,
        _models(TEXT_SCRIPT),
        sample_ids=SAMPLES,
        task_params={"max_steps": 3, "feedback": False, "subset": "short"},
    )
    _pinned("pinned_step_limit.json", records)


def test_native_protocol_records_are_pinned(tmp_path: Path) -> None:
    records = run_records(
        "spectool",
        tmp_path,
        _models(NATIVE_SCRIPT),
        sample_ids=SAMPLES,
        task_params={"protocol": "native", "subset": "short"},
    )
    _pinned("pinned_native.json", records)
